"""The model registry under concurrent admins: two app processes on one models folder, each with
several threads starting and stopping comparisons, promoting, rolling back and reserving new
versions at the same moment (mmcrec/registry.py). Every change applies whole, one after another:
one start wins each slot, nothing confirmed is lost, registry.json always parses, no temporary
files stay behind.

Real Registry and files in tmp_path; the processes are spawned (not forked), like separate app
replicas."""
from __future__ import annotations

import json
import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from mmcrec.model import Model
from mmcrec.registry import Registry, RegistryError

PROCESSES = 2
THREADS = 10  # per process: 20 admins at once
ROUNDS = 4  # each: start, stop, promote or roll back, sometimes a new version


def admin(root: str, tag: str, go: threading.Barrier, out: list) -> None:
    """One admin clicking through the Model tab: every action and what it answered."""
    reg = Registry(root)
    go.wait()
    for r in range(ROUNDS):
        me = f"{tag}r{r}"
        actions = [("start", lambda: reg.start_comparison("v1", "v2", by=me)),
                   ("stop", lambda: reg.stop_comparison({"by": me})),
                   ("promote", lambda: reg.promote("v2" if r % 2 else "v1")) if r != 2 else
                   ("rollback", lambda: reg.rollback())]
        if r == 1:
            actions.append(("new_version", lambda: reg.new_version_dir()[0]))
        for kind, act in actions:
            try:
                got = act()
                out.append({"kind": kind, "by": me, "ok": True,
                            "got": got if isinstance(got, (dict, str)) or got is None else None})
            except RegistryError as e:
                out.append({"kind": kind, "by": me, "ok": False, "error": str(e)})
            except Exception as e:  # noqa: BLE001 — reported to the test, which fails on it
                out.append({"kind": kind, "by": me, "ok": False, "unexpected": f"{type(e).__name__}: {e}"})


def replica(root: str, p: int, go, results) -> None:
    """An app process: THREADS admins at once, and a reader parsing registry.json all along."""
    out: list[dict] = []
    start = threading.Barrier(THREADS + 1)
    threads = [threading.Thread(target=admin, args=(root, f"p{p}t{t}", start, out)) for t in range(THREADS)]
    for t in threads:
        t.start()
    go.wait()  # both processes ready: their threads start together
    start.wait()
    reads = unreadable = 0
    while any(t.is_alive() for t in threads):
        try:
            json.loads((Path(root) / "registry.json").read_text())
        except FileNotFoundError:
            pass
        except json.JSONDecodeError:
            unreadable += 1
        reads += 1
        time.sleep(0.001)  # often, without taking a core from the admins
    for t in threads:
        t.join()
    results.put({"p": p, "actions": out, "reads": reads, "unreadable": unreadable})


def saved(root: Path) -> Registry:
    """A models folder with v1 and v2 saved as training saves them, v1 promoted."""
    reg = Registry(root)
    for _ in range(2):
        version, d = reg.new_version_dir()
        d.rmdir()  # Model.save never writes into an existing folder
        Model(card={"version": version}).save(d)
    reg.promote("v1")
    return reg


def test_concurrent_admins_on_two_processes(tmp_path):
    root = tmp_path / "models"
    reg = saved(root)

    mp = multiprocessing.get_context("spawn")
    go, results = mp.Barrier(PROCESSES), mp.Queue()
    procs = [mp.Process(target=replica, args=(str(root), p, go, results)) for p in range(PROCESSES)]
    for p in procs:
        p.start()
    got = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    actions = [a for g in got for a in g["actions"]]
    assert len(actions) == PROCESSES * THREADS * (ROUNDS * 3 + 1)

    # nothing failed but the refusals an admin is meant to see
    assert [a for a in actions if "unexpected" in a] == []
    expected = {"start": "a comparison is already running", "stop": "no comparison is running",
                "rollback": "nothing to roll back", "promote": "", "new_version": ""}
    for a in actions:
        if not a["ok"]:
            assert expected[a["kind"]] and expected[a["kind"]] in a["error"], a

    # one start per slot: every confirmed start is the running comparison or a stopped one, once,
    # and every confirmed stop ended one of them, once, in the order they ran, never overlapping
    final = json.loads((root / "registry.json").read_text())
    history = reg.comparisons()
    running = reg.comparison()
    ran = [c["started_by"] for c in history] + ([running["started_by"]] if running else [])
    started = [a["by"] for a in actions if a["kind"] == "start" and a["ok"]]
    assert sorted(started) == sorted(ran) and len(set(ran)) == len(ran)
    stopped = [a["got"]["started_by"] for a in actions if a["kind"] == "stop" and a["ok"]]
    assert sorted(stopped) == sorted(c["started_by"] for c in history)
    for before, after in zip(history, history[1:] + ([running] if running else [])):
        assert before["started_at"] < before["stopped_at"] <= after["started_at"]
    assert len(started) > 1  # the race was run: slots were taken and freed again

    # no promotion or rollback lost: the history is what the confirmed ones add up to
    promoted = sum(a["ok"] for a in actions if a["kind"] == "promote")
    rolled = sum(a["ok"] for a in actions if a["kind"] == "rollback")
    assert len(final["promoted"]) == 1 + promoted - rolled
    assert len(final.get("rolled_back", [])) == rolled

    # every reserved version is its own
    new = [a["got"] for a in actions if a["kind"] == "new_version"]
    assert all(a["ok"] for a in actions if a["kind"] == "new_version")
    assert len(set(new)) == len(new) == PROCESSES * THREADS
    assert final["last_version"] == 2 + len(new)

    # registry.json parsed at every read, in both processes; no temporary file stayed
    assert sum(g["reads"] for g in got) > 0 and sum(g["unreadable"] for g in got) == 0
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith("v")) == ["registry.json", "registry.lock"]


def test_a_stop_or_rollback_decided_on_an_older_state_changes_nothing(tmp_path):
    """The app computes a comparison's result, then stops it; rolls back after loading the version
    before the last promotion. Another admin acting in between must not have their newer comparison
    stopped with the old one's result, nor a second promotion undone."""
    reg = saved(tmp_path / "models")
    seen = reg.start_comparison("v1", "v2", by="eve")
    reg.stop_comparison({"wins": 1})  # another admin stops it and starts a new one
    newer = reg.start_comparison("v1", "v2", by="bob")
    with pytest.raises(RegistryError, match="another comparison is running"):
        reg.stop_comparison({"wins": 99}, only=seen)
    assert reg.comparison() == newer and [c["result"] for c in reg.comparisons()] == [{"wins": 1}]
    assert reg.stop_comparison({"wins": 2}, only=newer)["started_by"] == "bob"

    reg.promote("v2")
    reg.promote("v1")  # promoted elsewhere after this admin saw v2 last
    with pytest.raises(RegistryError, match="last promotion is v1 now, not v2"):
        reg.rollback(last="v2")
    assert [h["version"] for h in reg.history()] == ["v1", "v2", "v1"]
    assert reg.rollback(last="v1") == "v2"

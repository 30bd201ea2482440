"""Nothing an annotator clicks is lost, and a database that is down or frozen never holds a click
longer than the store's call bound: the outbox (mmcrec/labels/outbox.py) on a real PostgreSQL
server (tests/pg_support.py) that is stopped, frozen with SIGSTOP, killed -9 and restarted."""
from __future__ import annotations

import hashlib
import logging
import os
import random
import threading
import time
from pathlib import Path

import pytest

from mmcrec.labels import Label, open_store
from mmcrec.labels.outbox import OUTBOX_FILE, Outbox, QueuedLabel
from mmcrec.labels.store import STORE_CALL_BOUND_S, StoreUnavailable

PNG = b"\x89PNG\r\n\x1a\n" + hashlib.sha256(b"outbox").digest() * 32
PNG_SHA = hashlib.sha256(PNG).hexdigest()
#: slack on top of the call bound for a click (thread scheduling, the local outbox file's fsync)
SLACK_S = 1.0


def thumb(annotator="ann", item="i1", label=1, session="s1", turns=("red shoes",), **kw) -> Label:
    return Label(session_id=session, annotator=annotator, turns=list(turns), item_id=item, label=label, **kw)


def wait_flushed(box: Outbox, timeout: float = 30.0) -> None:
    """Until nothing waits in ``box`` (its flusher writes when the store answers)."""
    end = time.monotonic() + timeout
    while box.pending().count:
        assert time.monotonic() < end, f"still waiting: {box.pending().rows[:3]}"
        time.sleep(0.1)


@pytest.fixture()
def url(postgres) -> str:
    return postgres.create_schema()


@pytest.fixture()
def replica(tmp_path):
    """``replica(url, name, **store_options)``: (store, outbox) with their own feedback folder
    tmp_path/name, as one app process has; all closed after the test."""
    opened = []

    def open_(url: str, name: str = "a", **options):
        store = open_store(url, images_dir=tmp_path / name / "images", require_annotator=True, **options)
        box = Outbox(store, flush_interval_s=0.2)
        opened.append((store, box))
        return store, box

    yield open_
    for store, box in opened:
        box.close()
        store.close()


# ----------------------------------------------------------------------------- a server that is down


def test_a_thumb_while_the_server_is_down_is_kept_and_written_once(postgres, url, replica, tmp_path):
    store, box = replica(url)
    assert not isinstance(box.record(thumb("before")), QueuedLabel)
    assert not (tmp_path / "a" / OUTBOX_FILE).exists()  # made when something must wait
    postgres.stop("fast")
    try:
        t0 = time.monotonic()
        kept = box.record(thumb("ada", "i2", image_turn=0), image_bytes=PNG)
        took = time.monotonic() - t0
        assert isinstance(kept, QueuedLabel) and kept.queued and kept.label == 1
        assert took < STORE_CALL_BOUND_S + SLACK_S, took
        assert kept.image_sha256 == PNG_SHA and Path(kept.image_path).read_bytes() == PNG  # in the images folder
        t0 = time.monotonic()
        again = box.record(thumb("ada", "i2", image_turn=0), image_bytes=PNG)  # the same click, retried
        assert time.monotonic() - t0 < 0.5  # the store is known not to answer: no second wait
        assert isinstance(again, QueuedLabel) and again.label_id == kept.label_id
        waiting = box.pending()
        assert waiting.count == 2 and waiting.labels == 2 and waiting.oldest
        assert [r["label"].label_id for r in waiting.rows] == [kept.label_id] * 2
        assert box.pending("ada").count == 2 and box.pending("nobody").count == 0
        assert not box.online
    finally:
        postgres.start()
    wait_flushed(box)
    assert box.online
    stored = store.get(kept.label_id)
    assert stored is not None and stored.label == 1 and stored.created_at == kept.created_at
    assert stored.image_sha256 == PNG_SHA
    assert [e["label"] for e in store.events(kept.label_id)] == [1]  # once, though delivered twice
    assert sorted(lab.annotator for lab in store.labels()) == ["ada", "before"]
    # the store answers again: the next click goes straight to it
    assert not isinstance(box.record(thumb("ada", "i3")), QueuedLabel)


def test_a_later_toggle_of_the_same_thumb_wins(postgres, url, replica):
    store, box = replica(url)
    first = box.record(thumb("ada", "i1", 1))
    postgres.stop("fast")
    try:
        values = [-1, 0, 1, -1]
        for v in values:
            assert isinstance(box.record(thumb("ada", "i1", v, created_at="")), QueuedLabel)
        assert box.latest(first.label_id).label == -1
    finally:
        postgres.start()
    # a click made as the store comes back waits behind what was queued for the same label
    late = box.record(thumb("ada", "i1", 0))
    wait_flushed(box)
    assert store.get(first.label_id).label == late.label == 0
    assert [e["label"] for e in store.events(first.label_id)] == [1, *values, 0]


def test_a_frozen_server_holds_no_click_past_the_bound(postgres, url, replica):
    """SIGSTOP: connections stay open and the kernel acknowledges, but nothing answers — the
    watchdog cuts the connections off, the click is kept, and written after SIGCONT."""
    store, box = replica(url)
    box.record(thumb("warm"))  # a pooled connection that will hang
    pids = postgres.freeze()
    try:
        took = []
        for i in range(3):
            t0 = time.monotonic()
            got = box.record(thumb("ada", f"f{i}"))
            took.append(time.monotonic() - t0)
            assert isinstance(got, QueuedLabel)
        t0 = time.monotonic()
        with pytest.raises(StoreUnavailable) as err:
            store.get(got.label_id)  # a read, straight to the store: bounded too
        assert time.monotonic() - t0 < STORE_CALL_BOUND_S + SLACK_S
        assert "127.0.0.1" not in str(err.value) and str(postgres.port) not in str(err.value)
        t0 = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.retract(got.label_id)  # its lookup and its write together
        assert time.monotonic() - t0 < STORE_CALL_BOUND_S + SLACK_S
    finally:
        postgres.thaw(pids)
    assert max(took) < STORE_CALL_BOUND_S + SLACK_S, took
    wait_flushed(box)
    assert sorted(lab.item_id for lab in store.labels() if lab.annotator == "ada") == ["f0", "f1", "f2"]


def test_the_outbox_outlives_the_process(postgres, url, tmp_path):
    """What one process kept is written by the next one on the same folder (a restart)."""
    store = open_store(url, images_dir=tmp_path / "images", require_annotator=True)
    box = Outbox(store)
    postgres.stop("fast")
    try:
        kept = [box.record(thumb("ada", f"r{i}"), image_bytes=PNG if i == 0 else None) for i in range(3)]
        assert all(isinstance(k, QueuedLabel) for k in kept)
        box.close()
        store.close()
    finally:
        postgres.start()
    assert (tmp_path / OUTBOX_FILE).is_file() and Path(kept[0].image_path).parent == tmp_path / "images"
    store = open_store(url, images_dir=tmp_path / "images", require_annotator=True)
    box = Outbox(store)
    try:
        assert box.pending().count == 3
        wait_flushed(box)
        got = {lab.label_id: lab for lab in store.labels()}
        assert set(got) == {k.label_id for k in kept}
        assert got[kept[0].label_id].image_sha256 == PNG_SHA
        assert all(len(store.events(k.label_id)) == 1 for k in kept)
    finally:
        box.close()
        store.close()


def test_a_judgement_while_the_server_is_down_is_kept_with_its_time(postgres, url, replica, tmp_path):
    from mmcrec.labels.campaigns import Campaign, CampaignRequest, Campaigns, PooledItem

    store, box = replica(url)
    camp = Campaigns(store)
    camp.create(Campaign("c1", "demo", overlap=1), [CampaignRequest("q1", ["a hat"], None, "", [
        PooledItem("i1"), PooledItem("i2")])])
    assert camp.next_request("c1", "ada").request_id == "q1"
    assert box.judge("c1", "q1", "i1", 2, "ada")["queued"] is False
    postgres.stop("fast")
    try:
        t0 = time.monotonic()
        res = box.judge("c1", "q1", "i2", 1, " ada ")
        assert time.monotonic() - t0 < STORE_CALL_BOUND_S + SLACK_S
        assert res == {"request_id": "q1", "item_id": "i2", "grade": 1, "queued": True, "judged": None,
                       "items": None, "done": False}
        clicked = time.time()
        assert box.judge("c1", "q1", "i2", 0, "ada")["queued"]  # changed their mind: this one wins
        assert box.pending().judgements == 2
    finally:
        postgres.start()
    wait_flushed(box)
    assert camp.grades_of("c1", "q1", "ada") == {"i1": 2, "i2": 0}
    events = [e for e in camp.events("c1") if e["item_id"] == "i2"]
    assert [e["grade"] for e in events] == [1, 0]
    assert events[-1]["created_at"] <= time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(clicked + 1))
    assert camp.status("c1")["complete"] == 1


# ----------------------------------------------------------------------------- logs


def test_logs_are_one_line_with_time_and_request_id(capsys):
    from mmcrec.logs import request_context, reset_logging, setup_logging

    try:
        setup_logging("INFO")
        log = logging.getLogger("mmcrec.test")
        with request_context("sess1234"):
            try:
                raise StoreUnavailable(5.0)
            except StoreUnavailable:
                log.warning("label kept", exc_info=True)
        logging.getLogger("psycopg.pool").warning("error connecting in 'mmcrec-labels': noise")
        err = capsys.readouterr().err
        lines = err.splitlines()
        assert len(lines) == 1, err
        assert time.strftime("%Y-%m-%d") in lines[0] and "[sess1234]" in lines[0]
        assert lines[0].endswith("label kept [StoreUnavailable: the label store is not answering (gave up after 5.0 s)]")
        setup_logging("DEBUG")
        try:
            raise StoreUnavailable(5.0)
        except StoreUnavailable:
            log.warning("label kept", exc_info=True)
        assert "Traceback" in capsys.readouterr().err  # tracebacks at DEBUG only
    finally:
        reset_logging()


# ----------------------------------------------------------------------------- chaos

#: seconds the server stays frozen (SIGSTOP) in the chaos test; the issue's scenario says 30
#: (MMCREC_CHAOS_FREEZE_S=30 runs that; 10 keeps the suite short)
CHAOS_FREEZE_S = float(os.environ.get("MMCREC_CHAOS_FREEZE_S", "10"))
#: annotator threads per replica
CHAOS_ANNOTATORS = 3


@pytest.mark.slow
def test_chaos_two_replicas_lose_and_double_nothing(tmp_path):
    """Two replicas (store + outbox each, their own folders) with annotators clicking thumbs while
    the server is restarted, killed -9 and frozen: every acknowledged click ends in the store once,
    with the last value each annotator gave it; no click waits past the bound; both recover alone."""
    from pg_support import Cluster, server_bin

    bindir = server_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    cluster = Cluster(bindir)  # its own server: it is killed
    replicas = []
    try:
        url = cluster.create_schema()
        for name in ("a", "b"):
            store = open_store(url, images_dir=tmp_path / name / "images", require_annotator=True)
            replicas.append((store, Outbox(store, flush_interval_s=0.5)))
        acked: dict[str, list[int]] = {}  # label_id -> the values acknowledged, in order
        waits: list[float] = []
        kept = [0]
        errors: list[BaseException] = []
        stop = threading.Event()
        lock = threading.Lock()

        def annotator(box: Outbox, who: str, seed: int) -> None:
            rnd = random.Random(seed)
            items = [f"i{k}" for k in range(12)]
            while not stop.is_set():
                value = rnd.choice([1, -1, 0])
                t0 = time.monotonic()
                try:
                    got = box.record(thumb(who, rnd.choice(items), value, session=f"s-{who}"))
                except BaseException as exc:  # noqa: BLE001 — reported below
                    errors.append(exc)
                    return
                with lock:
                    waits.append(time.monotonic() - t0)
                    acked.setdefault(got.label_id, []).append(value)
                    kept[0] += isinstance(got, QueuedLabel)
                time.sleep(rnd.uniform(0.01, 0.05))

        threads = [threading.Thread(target=annotator, args=(box, f"{name}{k}", 100 * i + k))
                   for i, (name, (_, box)) in enumerate(zip("ab", replicas)) for k in range(CHAOS_ANNOTATORS)]
        t_start = time.monotonic()
        for t in threads:
            t.start()
        try:
            time.sleep(2)
            cluster.stop("fast")  # a restart
            time.sleep(1.5)
            cluster.start()
            time.sleep(3)
            cluster.kill9()  # a crash
            time.sleep(1.5)
            cluster.start()
            time.sleep(3)
            pids = cluster.freeze()  # a partition
            try:
                time.sleep(CHAOS_FREEZE_S)
            finally:
                cluster.thaw(pids)
            thawed = time.monotonic()
            time.sleep(3)
        finally:
            stop.set()
            for t in threads:
                t.join(STORE_CALL_BOUND_S + 10)
        assert not errors, errors[:3]
        for _, box in replicas:
            wait_flushed(box, 60)
        recovered = time.monotonic() - thawed
        store = replicas[0][0]
        labels = {lab.label_id: lab for lab in store.labels()}
        events: dict[str, list[int]] = {}
        for e in store.events():
            events.setdefault(e["label_id"], []).append(e["label"])
        assert set(labels) == set(acked)
        for lid, values in acked.items():
            assert labels[lid].label == values[-1], (lid, values)
            changes = [v for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
            assert events[lid] == changes, (lid, values, events[lid])
        assert max(waits) < STORE_CALL_BOUND_S + SLACK_S, max(waits)
        assert kept[0] > 0 and all(box.online for _, box in replicas)
        print(f"\nchaos: {sum(map(len, acked.values()))} clicks on {len(acked)} labels in "
              f"{time.monotonic() - t_start:.0f} s (frozen {CHAOS_FREEZE_S:.0f} s), {kept[0]} kept in an outbox; "
              f"longest click {max(waits):.2f} s, p99 {sorted(waits)[int(0.99 * len(waits))]:.3f} s; "
              f"outboxes empty {recovered:.1f} s after the thaw")
    finally:
        for store, box in replicas:
            box.close()
            store.close()
        cluster.destroy()

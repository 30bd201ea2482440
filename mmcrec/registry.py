"""The model registry: numbered versions of trained models, which one is promoted, rollback.

    models/
      registry.json          {"last_version": 3, "promoted": [{"version": "v1", "at": ...}, ...],
                              "rolled_back": [...], "comparison": {...}, "comparisons": [...]}
      registry.lock          held (flock) by whoever changes registry.json
      v1/model.safetensors   a saved Model (model.py)
      v1/card.json

Versions are numbered above every number ever used here and never overwritten. The served model
is the last promotion; with none, the built-in defaults (v0). Rollback removes the last
promotion, so the one before it serves again.

registry.json is the pointer every app replica follows: it lives beside the versions (shared
storage all replicas mount, since they load the weights from there too) and is only ever
replaced whole (a uniquely named temporary file, fsync, os.replace), so a reader sees the old
file or the new one. Every change (read, modify, write) holds an exclusive lock: a thread lock per
folder within a process and flock on registry.lock between processes, so concurrent promotions,
rollbacks and comparisons apply one after another and none is lost; reads take no lock. A replica
stats it before each turn (`stamp`) and reads it only when it changed (mmcrec/app/context.py).

A live comparison (interleave.py) between the served version and a candidate is kept here too,
so every app process on these models and a restarted one interleave the same two versions; its
evidence is in the label store (labels' placed_by). A promotion can carry the comparison's result.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .clock import utc_now
from .model import Model
from .paths import atomic_write, default_models_root


class RegistryError(ValueError):
    """A registry action that cannot be done (nothing to roll back...)."""


# Threads of one process queue on a lock per models folder before one takes the flock: flock
# separates descriptors of one process on a local Linux disk, but on NFS it becomes a per-process
# POSIX lock that every thread of the holder would pass.
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _reset_thread_locks() -> None:
    # a child forked while another thread held a lock would inherit it held, forever
    global _thread_locks, _thread_locks_guard
    _thread_locks, _thread_locks_guard = {}, threading.Lock()


os.register_at_fork(after_in_child=_reset_thread_locks)


class Registry:
    """A models directory: v1, v2, ... and registry.json, the promotion history."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root else default_models_root()

    @property
    def file(self) -> Path:
        return self.root / "registry.json"

    def stamp(self) -> tuple | None:
        """Changes whenever registry.json is replaced (a new inode each time); None without one.
        One stat: cheap enough to check before every turn."""
        try:
            st = os.stat(self.file)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    @property
    def lock_file(self) -> Path:
        return self.root / "registry.lock"

    @contextmanager
    def _locked(self) -> Iterator[dict]:
        """registry.json as it is now, read under the exclusive lock; changes are written with
        _write before leaving. Not reentrant: a locked method calls no other locked method."""
        self.root.mkdir(parents=True, exist_ok=True)
        key = os.path.realpath(self.lock_file)
        with _thread_locks_guard:
            lock = _thread_locks.setdefault(key, threading.Lock())
        with lock:
            fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield self._read()
            finally:
                os.close(fd)  # releases the flock

    def _read(self) -> dict:
        try:
            d = json.loads(self.file.read_text())
            return d if isinstance(d, dict) else {}
        except (OSError, json.JSONDecodeError):
            return {}

    def _write(self, d: dict) -> None:
        """Replace registry.json with `d`; only inside _locked. A temp file of its own per write
        (not per process), synced before it takes the name: a crash never leaves registry.json
        pointing at a file with no data."""
        atomic_write(self.file, json.dumps(d, indent=2).encode("utf-8"))

    @staticmethod
    def _num(name: str) -> int | None:
        m = re.fullmatch(r"v(\d+)", name)
        return int(m.group(1)) if m else None

    def versions(self) -> list[tuple[str, dict]]:
        """(version, card) for every saved model, oldest first."""
        out = []
        if self.root.is_dir():
            for p in self.root.iterdir():
                n = self._num(p.name)
                if n is not None and (p / "card.json").is_file():
                    try:
                        card = json.loads((p / "card.json").read_text())
                    except (OSError, json.JSONDecodeError):
                        continue
                    out.append((n, p.name, card))
        return [(name, card) for _, name, card in sorted(out)]

    def path(self, version: str) -> Path:
        return self.root / version

    def current(self) -> str | None:
        """The promoted version served now (None: the built-in defaults, "v0")."""
        hist = self._read().get("promoted") or []
        return hist[-1]["version"] if hist else None

    def current_dir(self) -> Path | None:
        v = self.current()
        return self.path(v) if v and (self.path(v) / "card.json").is_file() else None

    def history(self) -> list[dict]:
        return list(self._read().get("promoted") or [])

    def load(self, version: str | None) -> Model:
        if not version or version == "v0":
            return Model()
        return Model.load(self.path(version))

    def new_version_dir(self) -> tuple[str, Path]:
        """The next number (above every one ever used here), reserved by creating its directory."""
        with self._locked() as d:
            n = max([int(d.get("last_version", 0))] + [self._num(p.name) or 0 for p in self.root.iterdir()]) + 1
            while True:
                try:  # mkdir also refuses a folder made by hand or by a writer that takes no lock
                    (self.root / f"v{n}").mkdir()
                    break
                except FileExistsError:
                    n += 1
            d["last_version"] = max(n, int(d.get("last_version", 0)))
            self._write(d)
        return f"v{n}", self.root / f"v{n}"

    def promote(self, version: str, comparison: dict | None = None) -> Model:
        """Serve `version` from the next start; `comparison`: a live comparison's result that
        the promotion cites (kept in its history entry)."""
        model = Model.load(self.path(version))  # fails before anything changes if it does not load
        entry = {"version": version, "at": utc_now()}
        if comparison:
            entry["comparison"] = comparison
        with self._locked() as d:
            d.setdefault("promoted", []).append(entry)
            self._write(d)
        return model

    def comparison(self) -> dict | None:
        """The comparison running now: {"served", "candidate", "started_at", "started_by"}, or None."""
        c = self._read().get("comparison")
        return dict(c) if isinstance(c, dict) else None

    def comparisons(self) -> list[dict]:
        """Comparisons that were stopped, oldest first, each with "stopped_at" and "result"."""
        return [c for c in self._read().get("comparisons") or [] if isinstance(c, dict)]

    def start_comparison(self, served: str, candidate: str, by: str = "") -> dict:
        with self._locked() as d:  # the check and the write in one locked section: one start wins
            running = d.get("comparison")
            if isinstance(running, dict):
                raise RegistryError(f"a comparison is already running ({running.get('candidate')} vs "
                                    f"{running.get('served')}); stop it first")
            c = {"served": served, "candidate": candidate, "started_at": utc_now(), "started_by": by}
            d["comparison"] = c
            self._write(d)
        return c

    def stop_comparison(self, result: dict | None = None, at: str | None = None,
                        only: dict | None = None) -> dict:
        """End the running comparison, keeping it (with `result`) in "comparisons". `only`: a
        comparison read earlier (as `comparison()` gave it), which `result` was computed for;
        when another one runs now (stopped and restarted meanwhile), nothing changes."""
        with self._locked() as d:
            c = d.pop("comparison", None)
            if not isinstance(c, dict):
                raise RegistryError("no comparison is running")
            if only is not None and any(c.get(k) != only.get(k) for k in ("served", "candidate", "started_at")):
                raise RegistryError(f"another comparison is running now ({c.get('candidate')} vs {c.get('served')}, "
                                    f"since {c.get('started_at')})")
            c = {**c, "stopped_at": at or utc_now(), "result": result}
            d.setdefault("comparisons", []).append(c)
            self._write(d)
        return c

    def rollback(self, last: str | None = None) -> str | None:
        """Undo the last promotion; returns the version served now (None: defaults). `last`: the
        version the caller saw promoted last; when another promotion or rollback came since,
        nothing changes."""
        with self._locked() as d:
            hist = d.get("promoted") or []
            if not hist:
                raise RegistryError("nothing to roll back: no model has been promoted")
            if last is not None and hist[-1].get("version") != last:
                raise RegistryError(f"the last promotion is {hist[-1].get('version')} now, not {last}: "
                                    "promoted or rolled back meanwhile")
            d.setdefault("rolled_back", []).append({**hist.pop(), "at": utc_now()})
            d["promoted"] = hist
            self._write(d)
        return hist[-1]["version"] if hist else None

    def metrics_by_version(self) -> list[dict]:
        """Held-out metrics from each card, for a chart of versions."""
        rows = []
        for v, card in self.versions():
            m = (card.get("metrics") or {}).get("heldout") or {}
            rows.append({"version": v, "parent": card.get("parent"), "created_at": card.get("created_at"),
                         "promotable": card.get("promotable"), **{k: m.get(k) for k in ("auc", "ndcg", "mrr", "n")},
                         "parent_ndcg": ((card.get("metrics") or {}).get("heldout_parent") or {}).get("ndcg")})
        return rows


def resolve_model_dir(models_root: str | Path | None = None, explicit: str | Path | None = None) -> Path | None:
    """The model to serve: an explicit directory, else the newest promotion in the models root
    (env MMCREC_MODELS_DIR or <project>/models), else None (the built-in defaults)."""
    if explicit:
        p = Path(explicit)
        if not (p / "card.json").is_file():
            raise FileNotFoundError(f"model directory not found: {p}")
        return p
    return Registry(models_root).current_dir()

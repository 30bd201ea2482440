"""The outbox: what an annotator clicked while the label store did not answer, kept on this server
until the store takes it.  Nothing clicked is lost, and no click waits longer than the store's call
bound (``LabelStore.call_bound_s``, 5 s by default).

    outbox = Outbox(store)                  # <feedback dir>/outbox.sqlite, beside images/
    label = outbox.record(label, image_bytes=...)   # the stored Label, or a QueuedLabel
    result = outbox.judge(campaign, request_id, item_id, grade, annotator)   # result["queued"]
    outbox.pending()                        # what waits: count, oldest, rows
    outbox.close()

A thumb (a :class:`~mmcrec.labels.schema.Label`) or a campaign judgement goes to the store at once
when it can.  When the store does not answer in time (:class:`~mmcrec.labels.store.StoreUnavailable`)
it goes into a local SQLite file (WAL, ``synchronous=FULL``: on disk when the call returns) with
everything needed to write it later: the label with its label_id and created_at already fixed and
its image already in the images folder (by hash), or the judgement with the time it was given.  A
background thread writes what waits, oldest first, as soon as the store answers again, under the
same label_id (or judgement slot), so a retry never makes a second label: the store merges a
label_id it already holds.  Rows are only deleted once written; a process that stops with rows
waiting leaves them in the file, and the next Outbox on that file writes them.

Order per label: while a label_id has rows waiting, a new value for it waits behind them (never
straight to the store); one click at a time handles a label_id (a click that finds the store not
answering queues its value before the next click of that label looks), and one flush at a time
writes rows in the order they were queued, so a later toggle of the same thumb always lands after
an earlier one.  A row the store refuses for good (bad input — it was
checked before it was queued, so this is rare) is kept as "rejected" with the reason and logged.

While the store is known not to answer, new clicks go to the outbox without trying the store,
so they return at once; the flusher tries every ``flush_interval_s`` and the store is used
directly again once the outbox has emptied.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..clock import utc_now
from .schema import FeedbackError, Label, validate_label
from .store import LabelStore, StoreUnavailable

logger = logging.getLogger(__name__)

#: the outbox file, beside the store's images folder (``<feedback dir>/outbox.sqlite``)
OUTBOX_FILE = "outbox.sqlite"
#: seconds between two tries of the flusher while rows wait
FLUSH_INTERVAL_S = 1.0
#: seconds between two looks at an empty outbox (another process on the same file may add rows)
IDLE_CHECK_S = 5.0
#: rows the flusher reads at a time
_BATCH = 200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    annotator  TEXT NOT NULL DEFAULT '',
    payload    TEXT NOT NULL,
    queued_at  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL DEFAULT 'waiting'
);
CREATE INDEX IF NOT EXISTS outbox_key ON outbox(key, state, seq);
"""


@dataclass(eq=False)
class QueuedLabel(Label):
    """A label kept in the outbox, to be written under the same label_id once the store answers.
    ``image_path`` is the local image file (or "")."""

    queued = True


@dataclass
class Pending:
    """What waits in the outbox: ``count`` rows (``labels`` + ``judgements``), the oldest queued
    at ``oldest`` (ISO 8601 UTC; "" when none), and ``rejected`` rows the store refused for good.
    ``rows``: one dict per waiting row, oldest first (``kind``, ``key``, ``queued_at``,
    ``attempts``, ``last_error``, and ``label`` (a QueuedLabel) or ``judgement`` (a dict))."""

    count: int = 0
    labels: int = 0
    judgements: int = 0
    oldest: str = ""
    rejected: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def judgement_key(campaign: str, request_id: str, annotator: str, item_id: str) -> str:
    """The outbox key of a judgement slot: one grade per (campaign, request, annotator, item)."""
    return json.dumps(["judgement", campaign, request_id, annotator, item_id], ensure_ascii=False)


class Outbox:
    """Writes labels and judgements to ``store``, keeping those it cannot write yet in a local file
    and writing them later (module docstring).  Safe to share between threads."""

    def __init__(self, store: LabelStore, path: str | Path | None = None, *,
                 flush_interval_s: float = FLUSH_INTERVAL_S, start: bool = True) -> None:
        """``path``: the outbox file (default ``OUTBOX_FILE`` beside the store's images folder),
        created when the first row is queued.  ``start``: run the flusher thread (rows already
        in the file are written as soon as the store answers)."""
        self.store = store
        self.path = Path(path) if path is not None else store.images_dir.parent / OUTBOX_FILE
        self.flush_interval_s = float(flush_interval_s)
        self._db_lock = threading.Lock()
        self._con: sqlite3.Connection | None = None
        self._keys_lock = threading.Lock()
        self._keys: dict[str, list] = {}  # key -> [lock, users]: clicks on one label, one at a time
        self._flush_lock = threading.Lock()
        self._online = True
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(target=self._loop, name="mmcrec-outbox", daemon=True)
            self._thread.start()

    # ----------------------------------------------------------------- the file

    def _db(self, create: bool) -> sqlite3.Connection | None:
        """The file's connection (caller holds ``_db_lock``); None when there is no file yet and
        ``create`` is False."""
        if self._con is None:
            if not create and not self.path.is_file():
                return None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(str(self.path), timeout=10.0, isolation_level=None, check_same_thread=False)
            try:
                con.execute("PRAGMA busy_timeout = 10000")
                con.execute("PRAGMA journal_mode = WAL")
                con.execute("PRAGMA synchronous = FULL")
                con.executescript(_SCHEMA)
            except sqlite3.Error:
                con.close()
                raise
            self._con = con
        return self._con

    def _rows(self, where: str = "state = 'waiting'", params: tuple = (), limit: int | None = None) -> list[tuple]:
        with self._db_lock:
            con = self._db(create=False)
            if con is None:
                return []
            sql = (f"SELECT seq, key, kind, annotator, payload, queued_at, attempts, last_error, state"
                   f" FROM outbox WHERE {where} ORDER BY seq" + (f" LIMIT {int(limit)}" if limit else ""))
            return con.execute(sql, params).fetchall()

    def _waiting(self, key: str) -> bool:
        return bool(self._rows("key = ? AND state = 'waiting'", (key,), limit=1))

    def _put(self, key: str, kind: str, annotator: str, payload: dict[str, Any], why: str) -> None:
        with self._db_lock:
            self._db(create=True).execute(
                "INSERT INTO outbox (key, kind, annotator, payload, queued_at, last_error) VALUES (?, ?, ?, ?, ?, ?)",
                (key, kind, annotator, json.dumps(payload, ensure_ascii=False), utc_now(), why))
        self._kick.set()

    def _done(self, seq: int) -> None:
        with self._db_lock:
            self._db(create=True).execute("DELETE FROM outbox WHERE seq = ?", (seq,))

    def _note(self, seq: int, error: str, state: str = "waiting") -> None:
        with self._db_lock:
            self._db(create=True).execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, state = ? WHERE seq = ?",
                (error[:500], state, seq))

    # ----------------------------------------------------------------- one key at a time

    @contextlib.contextmanager
    def _holding(self, key: str) -> Iterator[None]:
        with self._keys_lock:
            entry = self._keys.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            # the holder is bounded by the store's call bound; waiting longer would mean a bug
            if not entry[0].acquire(timeout=4 * self.store.call_bound_s + 5):
                raise RuntimeError(f"outbox: key {key[:40]!r} held for too long")
            try:
                yield
            finally:
                entry[0].release()
        finally:
            with self._keys_lock:
                entry[1] -= 1
                if entry[1] == 0:
                    self._keys.pop(key, None)

    @property
    def online(self) -> bool:
        """False from a write that found the store not answering until the outbox is empty again:
        meanwhile new clicks are queued without trying the store."""
        return self._online

    def _offline(self) -> None:
        self._online = False
        self._kick.set()

    # ----------------------------------------------------------------- what the app calls

    def record(self, label: Label, *, image_bytes: bytes | None = None,
               known_items: set[str] | None = None) -> Label:
        """:meth:`LabelStore.record`, or — when the store does not answer within its call bound —
        the label kept here and written later: then a :class:`QueuedLabel` is returned (its
        ``label_id`` is the one it will have in the store).  Raises :class:`FeedbackError` for
        invalid input (nothing kept).  Returns within the store's call bound."""
        t0 = time.monotonic()
        with self.store.deadline():
            try:
                lab = self.store.prepare(label, image_bytes=image_bytes, known_items=known_items)
            except StoreUnavailable as exc:  # only an image named by its hash alone needs the database
                lab = validate_label(label, known_items, require_annotator=self.store.require_annotator)
                return self._queue_label(lab, exc, t0)
            with self._holding(lab.label_id):
                if not self._online or self._waiting(lab.label_id):
                    return self._queue_label(lab, None, t0)
                try:
                    return self.store.record(lab)
                except StoreUnavailable as exc:
                    return self._queue_label(lab, exc, t0)

    def _queue_label(self, lab: Label, exc: StoreUnavailable | None, t0: float) -> QueuedLabel:
        self._put(lab.label_id, "label", lab.annotator, lab.to_dict(), str(exc or "store not answering"))
        if exc is not None:
            self._offline()  # after the row is in: a click that sees "offline" queues behind it
        logger.warning("label %s (session %s) kept in the outbox after %.1f s: %s", lab.label_id[:12],
                       lab.session_id[:12] or "-", time.monotonic() - t0,
                       exc or "the label store is not answering")
        return QueuedLabel(**{f.name: getattr(lab, f.name) for f in dataclasses.fields(Label)})

    def judge(self, campaign: str, request_id: str, item_id: str, grade: Any, annotator: str) -> dict[str, Any]:
        """:meth:`Campaigns.judge`, or the grade kept here and written later, when the store does not
        answer within its call bound.  Returns the judge result with ``"queued": False``, or
        ``{"request_id", "item_id", "grade", "queued": True, "judged": None, "items": None,
        "done": False}``.  Raises CampaignError for invalid input."""
        from .campaigns import CampaignError, Campaigns, parse_grade  # noqa: PLC0415

        t0, at = time.monotonic(), time.time()
        grade = parse_grade(grade)
        who = " ".join(str(annotator or "").split())
        if not who:
            raise CampaignError("enter your name (or sign in) to judge")
        if not campaign or not request_id or not str(item_id or "").strip():
            raise CampaignError("a judgement names its campaign, request and item")
        item_id = str(item_id)
        key = judgement_key(campaign, request_id, who, item_id)
        reason: StoreUnavailable | None = None
        with self.store.deadline(), self._holding(key):
            if self._online and not self._waiting(key):
                try:
                    result = Campaigns(self.store).judge(campaign, request_id, item_id, grade, who, at=at)
                    return {**result, "queued": False}
                except StoreUnavailable as exc:
                    reason = exc
            payload = {"campaign": campaign, "request_id": request_id, "item_id": item_id, "grade": grade,
                       "annotator": who, "at": at}
            self._put(key, "judgement", who, payload, str(reason or "store not answering"))
            if reason is not None:
                self._offline()
        logger.warning("judgement %s/%s/%s kept in the outbox after %.1f s: %s", campaign[:20], request_id[:20],
                       item_id[:20], time.monotonic() - t0, reason or "the label store is not answering")
        return {"request_id": request_id, "item_id": item_id, "grade": grade, "queued": True,
                "judged": None, "items": None, "done": False}

    def latest(self, label_id: str) -> QueuedLabel | None:
        """The newest value waiting for this label_id, or None."""
        rows = self._rows("key = ? AND state = 'waiting' AND kind = 'label'", (label_id,))
        return _label(rows[-1][4]) if rows else None

    def pending(self, annotator: str | None = None) -> Pending:
        """What waits (one annotator's, when given), oldest first."""
        where, params = "state = 'waiting'", ()
        if annotator is not None:
            where, params = where + " AND annotator = ?", (annotator.strip(),)
        rows = self._rows(where, params)
        out = Pending(count=len(rows), oldest=rows[0][5] if rows else "",
                      rejected=len(self._rows("state = 'rejected'")))
        for seq, key, kind, _who, payload, queued_at, attempts, last_error, _state in rows:
            row = {"kind": kind, "key": key, "queued_at": queued_at, "attempts": attempts, "last_error": last_error}
            if kind == "label":
                out.labels += 1
                row["label"] = _label(payload)
            else:
                out.judgements += 1
                row["judgement"] = json.loads(payload)
            out.rows.append(row)
        return out

    # ----------------------------------------------------------------- writing what waits

    def flush(self) -> int:
        """Write what waits, oldest first, until the store stops answering; how many rows were
        written.  The flusher thread calls this; so may anyone (tests, a shutdown)."""
        written = 0
        with self._flush_lock:  # rows in queue order: one flush at a time
            while True:
                rows = self._rows(limit=_BATCH)
                if not rows:
                    self._online = True
                    return written
                for seq, key, kind, _who, payload, *_ in rows:
                    if not self._rows("seq = ? AND state = 'waiting'", (seq,)):
                        continue  # another process on the same file wrote it
                    try:
                        with self.store.deadline():
                            self._deliver(kind, payload)
                    except StoreUnavailable as exc:
                        self._note(seq, str(exc))
                        self._online = False
                        return written
                    except FeedbackError as exc:  # refused for good: kept aside, never retried
                        self._note(seq, str(exc), state="rejected")
                        logger.warning("outbox: the label store refused %s %s: %s", kind, key[:60], exc)
                        continue
                    self._done(seq)
                    written += 1

    def _deliver(self, kind: str, payload: str) -> None:
        if kind == "label":
            self.store.record(Label.from_dict(json.loads(payload)))
        elif kind == "judgement":
            from .campaigns import Campaigns  # noqa: PLC0415

            j = json.loads(payload)
            Campaigns(self.store).judge(j["campaign"], j["request_id"], j["item_id"], j["grade"], j["annotator"],
                                        at=j["at"])
        else:
            raise FeedbackError(f"unknown outbox row kind {kind!r}")

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._kick.clear()  # before looking: a row queued from here on wakes the next round
            try:
                written = self.flush()
                if written:
                    logger.info("outbox: %d kept label(s) or grade(s) written to the label store", written)
            except Exception as exc:  # noqa: BLE001 — the flusher never dies; next round tries again
                logger.warning("outbox: flushing failed: %s: %s", type(exc).__name__, exc)
                logger.debug("outbox: flushing failed", exc_info=True)
                self._online = False
            if self._stop.is_set():
                return
            self._kick.wait(IDLE_CHECK_S if self._online else self.flush_interval_s)

    def close(self) -> None:
        """Stop the flusher (what waits stays in the file) and close the file."""
        self._stop.set()
        self._kick.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(self.store.call_bound_s + 5)
        with self._db_lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def __enter__(self) -> "Outbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _label(payload: str) -> QueuedLabel:
    lab = Label.from_dict(json.loads(payload))
    return QueuedLabel(**{f.name: getattr(lab, f.name) for f in dataclasses.fields(Label)})

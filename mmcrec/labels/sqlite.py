"""The embedded label store: one SQLite file in WAL mode, images in a folder beside it::

    <db dir>/labels.sqlite          labels (latest value per label_id) + events (append-only)
    <db dir>/images/<sha256>.<ext>  every image that a label refers to

Each write is one ``BEGIN IMMEDIATE`` transaction committed with ``synchronous=FULL`` before the
call returns, so a label the page confirmed survives a crash of the process.  Each thread has its
own connection; concurrent writers (threads or processes) queue on the lock instead of failing.
The tables and their migrations are tables.py's; the schema version is SQLite's ``user_version``.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from ..clock import utc_now
from ..paths import default_labels_db
from .schema import EVENT_FIELDS, FIELDS, IMAGES_DIR, FeedbackError, Label
from .store import LabelStore, LabelTransaction, Sql, T, is_database_url, select_labels_sql
from .tables import SCHEMA_VERSION, SQLITE, migration

logger = logging.getLogger(__name__)


_COLUMNS = ", ".join(FIELDS)  # the labels table has exactly the §4 columns
_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit


def _is_busy(exc: BaseException) -> bool:
    msg = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg)


def _row_to_label(row: Sequence[Any]) -> Label:
    d = dict(zip(FIELDS, row))
    d["turns"] = json.loads(d["turns"] or "[]")
    return Label(**d)


class _Transaction:
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def current(self, label_ids: Sequence[str]) -> dict[str, Label]:
        ids = list(dict.fromkeys(label_ids))
        out: dict[str, Label] = {}
        for i in range(0, len(ids), _CHUNK):
            part = ids[i:i + _CHUNK]
            marks = ", ".join("?" for _ in part)
            for row in self.con.execute(
                    f"SELECT {_COLUMNS} FROM labels WHERE label_id IN ({marks})", part):
                out[row[0]] = _row_to_label(row)
        return out

    def put(self, labels: Sequence[Label], source: str) -> None:
        marks = ", ".join("?" for _ in FIELDS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in FIELDS if c != "label_id")
        now = utc_now()
        for lab in labels:
            self.con.execute(
                f"INSERT INTO labels ({_COLUMNS}) VALUES ({marks}) "
                f"ON CONFLICT(label_id) DO UPDATE SET {updates}",
                (lab.label_id, lab.session_id, lab.annotator, lab.created_at, lab.model_version,
                 lab.catalog_id, json.dumps(lab.turns, ensure_ascii=False), lab.image_sha256,
                 lab.image_path, lab.item_id, lab.rank, lab.score, lab.alpha, lab.target, lab.label,
                 lab.placed_by, lab.image_turn),
            )
            self.con.execute(
                "INSERT INTO events (label_id, label, created_at, recorded_at, annotator, session_id,"
                " target, item_id, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (lab.label_id, lab.label, lab.created_at, now, lab.annotator, lab.session_id,
                 lab.target, lab.item_id, source),
            )

    def keep_images(self, files: dict[str, Path]) -> None:
        """The images folder beside the file is where images are kept: nothing to do."""


class SQLiteLabelStore(LabelStore):
    """Labels in one SQLite file; safe to share between threads and processes."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        require_annotator: bool = False,
        busy_timeout_s: float = 60.0,
        synchronous: str = "FULL",
        sync_repo: str | None = None,
        create: bool = True,
        call_bound_s: float | None = None,
    ) -> None:
        """Open (creating with ``create=True``) and migrate the database at ``path``
        (default: ``paths.default_labels_db()``).  ``sync_repo`` overrides
        ``$MMCREC_LABELS_REPO`` ("" = no sync).  Raises :class:`FeedbackError` for a database
        URL, an unusable database, a missing one with ``create=False``, or one written by a
        newer mmcrec.  ``call_bound_s``: kept for callers (the outbox); a local file answers or
        fails on its own (``busy_timeout_s``)."""
        location = str(path) if path else default_labels_db()
        if is_database_url(location):
            raise FeedbackError(f"{location.split('://')[0]}:// is a database URL, not a SQLite file "
                                "(open it with mmcrec.labels.open_store)")
        self.path = Path(location).expanduser().absolute()
        self.location = str(self.path)
        super().__init__(self.path.parent / IMAGES_DIR, require_annotator=require_annotator,
                         **({} if call_bound_s is None else {"call_bound_s": call_bound_s}))
        if not create and not self.path.is_file():
            raise FeedbackError(f"no feedback database at {self.path}")
        self._busy_ms = int(busy_timeout_s * 1000)
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise FeedbackError(f"bad synchronous mode {synchronous!r}")
        self._synchronous = synchronous.upper()
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FeedbackError(f"cannot create folder for {self.path}: {exc}") from exc
        self._migrate()
        self._start_sync(sync_repo)

    # ----------------------------------------------------------------- connections

    def _connect(self) -> sqlite3.Connection:
        try:
            con = sqlite3.connect(
                str(self.path), timeout=self._busy_ms / 1000, isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise FeedbackError(f"cannot open feedback db {self.path}: {exc}") from exc
        try:
            con.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
            deadline = time.monotonic() + self._busy_ms / 1000
            while True:  # switching to WAL needs a moment alone with the file
                try:
                    mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    break
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            if str(mode).lower() != "wal":
                logger.warning("feedback db %s is in journal mode %s, not WAL", self.path, mode)
            con.execute(f"PRAGMA synchronous = {self._synchronous}")
        except sqlite3.Error as exc:
            con.close()
            raise FeedbackError(f"cannot use feedback db {self.path}: {exc}") from exc
        return con

    def _con(self) -> sqlite3.Connection:
        if self._closed:
            raise FeedbackError("feedback store is closed")
        if os.getpid() != self._pid:  # forked: never reuse the parent's connections
            self._local = threading.local()
            self._conns = []
            self._conns_lock = threading.Lock()
            self._pid = os.getpid()
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._connect()
            self._local.con = con
            with self._conns_lock:
                self._conns.append(con)
        return con

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(con)`` in one ``BEGIN IMMEDIATE`` transaction, retrying when busy."""
        con = self._con()
        deadline = time.monotonic() + self._busy_ms / 1000
        delay = 0.01
        while True:
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _is_busy(exc) and time.monotonic() < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
                    continue
                raise
            try:
                result = fn(con)
                con.execute("COMMIT")
                return result
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                raise

    def _transact(self, label_ids: Sequence[str], fn: Callable[[LabelTransaction], T]) -> T:
        # BEGIN IMMEDIATE takes the database's write lock: every id is held
        return self._write(lambda con: fn(_Transaction(con)))

    def _campaign_sql(self, fn: Callable[[Sql], T], lock: str | None = None) -> T:
        def runner(con: sqlite3.Connection) -> Sql:
            return lambda sql, params=(): con.execute(sql, tuple(params)).fetchall()

        if lock is None:
            return fn(runner(self._con()))
        # BEGIN IMMEDIATE holds the database's write lock: one campaign writer at a time
        return self._write(lambda con: fn(runner(con)))

    def _migrate(self) -> None:
        def run(con: sqlite3.Connection) -> None:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise FeedbackError(
                    f"{self.path} has schema version {version}; this mmcrec knows up to "
                    f"{SCHEMA_VERSION} (upgrade mmcrec)"
                )
            for i in range(version, SCHEMA_VERSION):
                logger.info("feedback db %s: migrating schema v%d -> v%d", self.path, i, i + 1)
                for sql, params in migration(SQLITE, i):
                    con.execute(sql, params)
                con.execute(f"PRAGMA user_version = {i + 1}")

        try:
            self._write(run)
        except sqlite3.DatabaseError as exc:
            raise FeedbackError(f"{self.path} is not a usable feedback database: {exc}") from exc

    @property
    def schema_version(self) -> int:
        return int(self._con().execute("PRAGMA user_version").fetchone()[0])

    def _close(self) -> None:
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for con in conns:
            try:
                con.close()
            except sqlite3.Error:  # pragma: no cover
                pass
        self._local = threading.local()
        self._closed = True

    # ----------------------------------------------------------------- read

    def _select(self, *, label_id: str | None = None, annotator: str | None = None,
                session_id: str | None = None, include_retracted: bool = True) -> list[Label]:
        sql, params = select_labels_sql("?", label_id=label_id, annotator=annotator,
                                        session_id=session_id, include_retracted=include_retracted)
        return [_row_to_label(r) for r in self._con().execute(sql, params).fetchall()]

    def count(self) -> int:
        return int(self._con().execute("SELECT COUNT(*) FROM labels").fetchone()[0])

    def events(self, label_id: str | None = None) -> list[dict[str, Any]]:
        cols = ", ".join(EVENT_FIELDS)
        if label_id is None:
            rows = self._con().execute(f"SELECT {cols} FROM events ORDER BY event_id").fetchall()
        else:
            rows = self._con().execute(
                f"SELECT {cols} FROM events WHERE label_id = ? ORDER BY event_id", (label_id,)
            ).fetchall()
        return [dict(zip(EVENT_FIELDS, r)) for r in rows]

    def _fetch_images(self, shas: set[str]) -> dict[str, tuple[str, bytes]]:
        return {}  # the folder beside the file is the only copy

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: "ok" for a sound file."""
        return str(self._con().execute("PRAGMA integrity_check").fetchone()[0])

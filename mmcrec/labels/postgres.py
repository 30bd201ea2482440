"""The shared label store: PostgreSQL, for several app replicas (or a Space) on one database.

``postgresql://user[:password]@host:port/dbname[?sslmode=require&...]`` (psycopg 3 and a
connection pool).  The same tables as SQLite — ``labels`` and ``events`` — plus ``images``, which
keeps the bytes of every uploaded photo, so any replica can export or train on labels another one
took.  The local ``images/`` folder is a copy, filled on demand.  The schema version is the one
row of ``mmcrec_schema``; migrations take an advisory lock, so replicas starting together migrate
once.

Every write is one transaction committed before the call returns.  A writer holds the label_ids
it touches with transaction-level advisory locks (a big import locks the table), so a double
delivery racing on two replicas still yields one label and one event.  A lost connection or a
server restart is retried with backoff for ``retry_s`` seconds; that is safe because a label_id
holding the value already sent is a duplicate delivery, which changes nothing.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from ..clock import utc_now
from ..paths import data_root
from .schema import EVENT_FIELDS, FIELDS, IMAGES_DIR, FeedbackError, Label
from .store import SCHEMA_VERSION, LabelStore, LabelTransaction, Sql, T, select_labels_sql

logger = logging.getLogger(__name__)

#: environment variable: most connections one app process opens (default DEFAULT_POOL_SIZE)
ENV_POOL_SIZE = "MMCREC_DB_POOL_SIZE"
#: the app's queue runs 4 events at a time, and thumbs skip the queue: room for both
DEFAULT_POOL_SIZE = 8
#: seconds a call keeps retrying a lost connection before it gives up with FeedbackError
DEFAULT_RETRY_S = 15.0
CONNECT_TIMEOUT_S = 5
#: the pool gives up a reconnection after this long, and a call waits for a connection at
#: most this long before it asks again (which starts a fresh reconnection at once): a pool's
#: backoff, grown through a long outage, would otherwise delay recovery by as much again
RECONNECT_S = 2.0
#: advisory lock (two-key form, apart from the labels' one-key locks) held while migrating
_MIGRATION_LOCK = (0x6D6D6372, 1)
#: a write touching more label_ids than this locks the table instead of each id
_MAX_ID_LOCKS = 32

_COLUMNS = ", ".join(FIELDS)


# --------------------------------------------------------------------------- migrations


def _m1_labels(con) -> None:
    """v1: one row per label_id holding its current value.  Text that is ordered or matched is
    ``COLLATE "C"``: byte order, as in SQLite, whatever the server's locale."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS labels (
            label_id      TEXT COLLATE "C" PRIMARY KEY,
            session_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
            annotator     TEXT COLLATE "C" NOT NULL DEFAULT '',
            created_at    TEXT COLLATE "C" NOT NULL,
            model_version TEXT NOT NULL DEFAULT '',
            catalog_id    TEXT NOT NULL DEFAULT '',
            turns         JSONB NOT NULL DEFAULT '[]',
            image_sha256  TEXT NOT NULL DEFAULT '',
            image_path    TEXT NOT NULL DEFAULT '',
            item_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
            rank          BIGINT,
            score         DOUBLE PRECISION,
            alpha         DOUBLE PRECISION,
            target        TEXT NOT NULL,
            label         SMALLINT NOT NULL
        )
        """
    )


def _m2_events(con) -> None:
    """v2: append-only events (backfilled with one event per existing label), indexes for
    per-annotator and per-item queries, and the images labels refer to."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS events (
            event_id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            label_id    TEXT COLLATE "C" NOT NULL,
            label       SMALLINT NOT NULL,
            created_at  TEXT COLLATE "C" NOT NULL,
            recorded_at TEXT NOT NULL,
            annotator   TEXT NOT NULL DEFAULT '',
            session_id  TEXT NOT NULL DEFAULT '',
            target      TEXT NOT NULL DEFAULT '',
            item_id     TEXT NOT NULL DEFAULT '',
            source      TEXT NOT NULL DEFAULT 'record'
        )
        """
    )
    con.execute(
        """
        INSERT INTO events (label_id, label, created_at, recorded_at, annotator, session_id,
                            target, item_id, source)
        SELECT label_id, label, created_at, %s, annotator, session_id, target, item_id, 'migration'
        FROM labels ORDER BY created_at, label_id
        """,
        (utc_now(),),
    )
    con.execute("CREATE INDEX IF NOT EXISTS events_label ON events(label_id)")
    con.execute("CREATE INDEX IF NOT EXISTS events_time ON events(created_at)")
    con.execute("CREATE INDEX IF NOT EXISTS labels_annotator ON labels(annotator, session_id)")
    con.execute("CREATE INDEX IF NOT EXISTS labels_item ON labels(item_id)")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS images (
            sha256    TEXT COLLATE "C" PRIMARY KEY,
            file_name TEXT NOT NULL,
            data      BYTEA NOT NULL,
            stored_at TEXT NOT NULL
        )
        """
    )


def _m3_campaigns(con) -> None:
    """v3: annotation campaigns (campaigns.py): the campaign, its pooled requests, who holds or
    finished which request, the current grade per (request, annotator, item) and its history.
    Times that are compared (claims, their expiry) are epoch seconds; the rest ISO 8601 text."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS campaigns (
            name       TEXT COLLATE "C" PRIMARY KEY,
            catalog_id TEXT NOT NULL DEFAULT '',
            overlap    INTEGER NOT NULL,
            depth      INTEGER NOT NULL,
            pool       TEXT NOT NULL DEFAULT '[]',
            guidelines TEXT NOT NULL DEFAULT '',
            created_at TEXT COLLATE "C" NOT NULL,
            created_by TEXT NOT NULL DEFAULT ''
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS campaign_requests (
            campaign     TEXT COLLATE "C" NOT NULL,
            request_id   TEXT COLLATE "C" NOT NULL,
            position     INTEGER NOT NULL,
            kind         TEXT NOT NULL DEFAULT '',
            turns        TEXT NOT NULL DEFAULT '[]',
            image_sha256 TEXT NOT NULL DEFAULT '',
            image_path   TEXT NOT NULL DEFAULT '',
            items        TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (campaign, request_id)
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS campaign_assignments (
            campaign    TEXT COLLATE "C" NOT NULL,
            request_id  TEXT COLLATE "C" NOT NULL,
            annotator   TEXT COLLATE "C" NOT NULL,
            state       TEXT NOT NULL,
            claimed_at  DOUBLE PRECISION NOT NULL,
            last_at     DOUBLE PRECISION NOT NULL,
            expires_at  DOUBLE PRECISION NOT NULL,
            finished_at TEXT NOT NULL DEFAULT '',
            reason      TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (campaign, request_id, annotator)
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS campaign_judgements (
            campaign   TEXT COLLATE "C" NOT NULL,
            request_id TEXT COLLATE "C" NOT NULL,
            annotator  TEXT COLLATE "C" NOT NULL,
            item_id    TEXT COLLATE "C" NOT NULL,
            grade      INTEGER NOT NULL,
            created_at TEXT COLLATE "C" NOT NULL,
            elapsed_ms BIGINT,
            PRIMARY KEY (campaign, request_id, annotator, item_id)
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS campaign_events (
            event_id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            campaign   TEXT COLLATE "C" NOT NULL,
            request_id TEXT COLLATE "C" NOT NULL,
            annotator  TEXT COLLATE "C" NOT NULL,
            item_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
            grade      INTEGER,
            reason     TEXT NOT NULL DEFAULT '',
            created_at TEXT COLLATE "C" NOT NULL,
            elapsed_ms BIGINT
        )
        """
    )
    con.execute("CREATE INDEX IF NOT EXISTS campaign_assignments_annotator"
                " ON campaign_assignments(campaign, annotator)")


def _m4_placed_by(con) -> None:
    """v4: labels.placed_by, the version that placed the item in an interleaved comparison
    ('' for every label taken before)."""
    con.execute("ALTER TABLE labels ADD COLUMN IF NOT EXISTS placed_by TEXT NOT NULL DEFAULT ''")


def _m5_image_turn(con) -> None:
    """v5: labels.image_turn, the turn the image came with (NULL for every label taken before)."""
    con.execute("ALTER TABLE labels ADD COLUMN IF NOT EXISTS image_turn INTEGER")


#: applied in order; migration i brings a database from version i to i + 1
MIGRATIONS: list[Callable[[Any], None]] = [_m1_labels, _m2_events, _m3_campaigns, _m4_placed_by, _m5_image_turn]
assert len(MIGRATIONS) == SCHEMA_VERSION


# --------------------------------------------------------------------------- helpers


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def display_url(url: str) -> str:
    """``url`` as messages show it: scheme, user, host, port and database, never a password."""
    from psycopg.conninfo import conninfo_to_dict  # noqa: PLC0415

    scheme = url.split("://", 1)[0]
    try:
        d = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 — unparseable: show the scheme only
        return f"{scheme}://…"
    user = f"{d['user']}@" if d.get("user") else ""
    port = f":{d['port']}" if d.get("port") else ""
    return f"{scheme}://{user}{d.get('host', '')}{port}/{d.get('dbname', '')}"


def _row_to_label(row: Sequence[Any]) -> Label:
    return Label(**dict(zip(FIELDS, row)))


class _Transaction:
    def __init__(self, con) -> None:
        self.con = con

    def current(self, label_ids: Sequence[str]) -> dict[str, Label]:
        rows = self.con.execute(f"SELECT {_COLUMNS} FROM labels WHERE label_id = ANY(%s)",
                                (list(dict.fromkeys(label_ids)),)).fetchall()
        return {row[0]: _row_to_label(row) for row in rows}

    def put(self, labels: Sequence[Label], source: str) -> None:
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        if not labels:
            return
        marks = ", ".join("%s" for _ in FIELDS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in FIELDS if c != "label_id")
        now = utc_now()
        with self.con.cursor() as cur:
            cur.executemany(
                f"INSERT INTO labels ({_COLUMNS}) VALUES ({marks}) "
                f"ON CONFLICT (label_id) DO UPDATE SET {updates}",
                [(lab.label_id, lab.session_id, lab.annotator, lab.created_at, lab.model_version,
                  lab.catalog_id, Jsonb(list(lab.turns)), lab.image_sha256, lab.image_path,
                  lab.item_id, lab.rank, lab.score, lab.alpha, lab.target, lab.label, lab.placed_by,
                  lab.image_turn)
                 for lab in labels],
            )
            cur.executemany(
                "INSERT INTO events (label_id, label, created_at, recorded_at, annotator,"
                " session_id, target, item_id, source) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(lab.label_id, lab.label, lab.created_at, now, lab.annotator, lab.session_id,
                  lab.target, lab.item_id, source) for lab in labels],
            )

    def keep_images(self, files: dict[str, Path]) -> None:
        have = {r[0] for r in self.con.execute(
            "SELECT sha256 FROM images WHERE sha256 = ANY(%s)", (list(files),))}
        for sha, path in files.items():
            if sha in have:
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise FeedbackError(f"cannot read image {path}: {exc}") from None
            self.con.execute(
                "INSERT INTO images (sha256, file_name, data, stored_at) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (sha256) DO NOTHING", (sha, path.name, data, utc_now()))


# --------------------------------------------------------------------------- the store


class PostgresLabelStore(LabelStore):
    """Labels in a PostgreSQL database; safe to share between threads, processes and machines."""

    def __init__(
        self,
        url: str,
        *,
        require_annotator: bool = False,
        images_dir: str | Path | None = None,
        pool_size: int | None = None,
        retry_s: float = DEFAULT_RETRY_S,
        sync_repo: str | None = None,
        create: bool = True,
    ) -> None:
        """Connect to ``url``, create the tables (``create=True``) and migrate them.

        ``images_dir``: the local copy of the images (default ``feedback/images`` under the data
        root).  ``pool_size``: most connections at once (default ``$MMCREC_DB_POOL_SIZE`` or
        DEFAULT_POOL_SIZE).  Raises :class:`FeedbackError` with one line for a bad URL, a server
        that refuses the connection, no tables with ``create=False``, or tables written by a
        newer mmcrec."""
        import psycopg  # noqa: PLC0415

        self._url = url
        self.location = display_url(url)
        super().__init__(Path(images_dir) if images_dir else data_root() / "feedback" / IMAGES_DIR,
                         require_annotator=require_annotator)
        self.pool_size = _pool_size(pool_size)
        self.retry_s = float(retry_s)
        # no server-side prepared statements: hosted poolers (PgBouncer, Supavisor) in
        # transaction mode hand each transaction a different server connection
        self._kwargs = {"autocommit": True, "prepare_threshold": None,
                        "connect_timeout": CONNECT_TIMEOUT_S, "application_name": "mmcrec"}
        self._pool = None
        self._pid = os.getpid()
        self._closed = False
        try:
            with psycopg.connect(url, **self._kwargs) as con:
                self._migrate(con, create)
        except psycopg.Error as exc:
            raise FeedbackError(f"cannot open label store {self.location}: {_first_line(exc)}") from None
        self._pool = self._new_pool()
        self._start_sync(sync_repo)

    # ----------------------------------------------------------------- connections

    def _new_pool(self):
        from psycopg_pool import ConnectionPool  # noqa: PLC0415

        return ConnectionPool(self._url, kwargs=self._kwargs, min_size=1, max_size=self.pool_size,
                              timeout=RECONNECT_S, reconnect_timeout=RECONNECT_S,
                              check=ConnectionPool.check_connection, name="mmcrec-labels",
                              open=True)

    def _connection(self, timeout: float):
        if self._closed:
            raise FeedbackError("feedback store is closed")
        if os.getpid() != self._pid:  # forked: the parent's pool and its threads are not ours
            self._pool = self._new_pool()
            self._pid = os.getpid()
        return self._pool.connection(timeout=timeout)

    def _run(self, fn: Callable[[Any], T], lock_ids: Sequence[str] | None = None) -> T:
        """``fn(connection)``: alone in autocommit mode (``lock_ids`` None), else in one
        transaction holding those label_ids.  Lost connections are retried with backoff."""
        import psycopg  # noqa: PLC0415

        deadline = time.monotonic() + self.retry_s
        delay = 0.05
        while True:
            try:
                wait = min(RECONNECT_S, max(0.1, deadline - time.monotonic()))
                with self._connection(wait) as con:
                    if lock_ids is None:
                        return fn(con)
                    with con.transaction():
                        ids = sorted(set(lock_ids))
                        if len(ids) > _MAX_ID_LOCKS:
                            con.execute("LOCK TABLE labels IN SHARE ROW EXCLUSIVE MODE")
                        else:
                            for label_id in ids:
                                con.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                                            (label_id,))
                        return fn(con)  # committed when the block ends, before returning
            except psycopg.OperationalError as exc:  # connection lost, server restarting, pool busy
                if time.monotonic() + delay > deadline:
                    raise FeedbackError(
                        f"label store {self.location} unreachable: {_first_line(exc)}") from None
                logger.warning("label store %s: %s; retrying in %.2fs", self.location,
                               _first_line(exc), delay)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            except psycopg.Error as exc:
                raise FeedbackError(f"label store {self.location}: {_first_line(exc)}") from exc

    def _transact(self, label_ids: Sequence[str], fn: Callable[[LabelTransaction], T]) -> T:
        return self._run(lambda con: fn(_Transaction(con)), lock_ids=label_ids)

    def _campaign_sql(self, fn: Callable[[Sql], T], lock: str | None = None) -> T:
        def runner(con) -> Sql:
            def sql(statement: str, params=()) -> list:
                cur = con.execute(statement.replace("?", "%s"), tuple(params))
                return cur.fetchall() if cur.description else []
            return sql

        # the lock is a transaction-level advisory lock on a key no label_id takes
        return self._run(lambda con: fn(runner(con)),
                         lock_ids=None if lock is None else [f"campaign:{lock}"])

    def _migrate(self, con, create: bool) -> None:
        with con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s, %s)", _MIGRATION_LOCK)
            if con.execute("SELECT to_regclass('mmcrec_schema')").fetchone()[0] is None:
                if not create:
                    raise FeedbackError(f"no feedback database at {self.location} (no mmcrec tables)")
                con.execute("CREATE TABLE mmcrec_schema (version INTEGER NOT NULL)")
                con.execute("INSERT INTO mmcrec_schema (version) VALUES (0)")
            version = con.execute("SELECT version FROM mmcrec_schema").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise FeedbackError(
                    f"{self.location} has schema version {version}; this mmcrec knows up to "
                    f"{SCHEMA_VERSION} (upgrade mmcrec)"
                )
            for i in range(version, SCHEMA_VERSION):
                logger.info("label store %s: migrating schema v%d -> v%d", self.location, i, i + 1)
                MIGRATIONS[i](con)
                con.execute("UPDATE mmcrec_schema SET version = %s", (i + 1,))

    @property
    def schema_version(self) -> int:
        return int(self._run(lambda con: con.execute("SELECT version FROM mmcrec_schema").fetchone()[0]))

    def _close(self) -> None:
        if self._pool is not None and os.getpid() == self._pid:
            self._pool.close()
        self._pool = None
        self._closed = True

    # ----------------------------------------------------------------- read

    def _select(self, *, label_id: str | None = None, annotator: str | None = None,
                session_id: str | None = None, include_retracted: bool = True) -> list[Label]:
        sql, params = select_labels_sql("%s", label_id=label_id, annotator=annotator,
                                        session_id=session_id, include_retracted=include_retracted)
        return self._run(lambda con: [_row_to_label(r) for r in con.execute(sql, params).fetchall()])

    def count(self) -> int:
        return int(self._run(lambda con: con.execute("SELECT COUNT(*) FROM labels").fetchone()[0]))

    def events(self, label_id: str | None = None) -> list[dict[str, Any]]:
        cols = ", ".join(EVENT_FIELDS)
        if label_id is None:
            sql, params = f"SELECT {cols} FROM events ORDER BY event_id", ()
        else:
            sql, params = f"SELECT {cols} FROM events WHERE label_id = %s ORDER BY event_id", (label_id,)
        rows = self._run(lambda con: con.execute(sql, params).fetchall())
        return [dict(zip(EVENT_FIELDS, r)) for r in rows]

    def _fetch_images(self, shas: set[str]) -> dict[str, tuple[str, bytes]]:
        rows = self._run(lambda con: con.execute(
            "SELECT sha256, file_name, data FROM images WHERE sha256 = ANY(%s)",
            (sorted(shas),)).fetchall())
        return {sha: (name, bytes(data)) for sha, name, data in rows}


def _pool_size(given: int | None) -> int:
    raw = given if given is not None else os.environ.get(ENV_POOL_SIZE, "").strip() or DEFAULT_POOL_SIZE
    try:
        size = int(raw)
    except (TypeError, ValueError):
        raise FeedbackError(f"{ENV_POOL_SIZE} must be a whole number, got {raw!r}") from None
    if size < 1:
        raise FeedbackError(f"the label store's pool size must be at least 1, got {size}")
    return size

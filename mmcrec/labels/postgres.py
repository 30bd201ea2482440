"""The shared label store: PostgreSQL, for several app replicas (or a Space) on one database.

``postgresql://user[:password]@host:port/dbname[?sslmode=require&...]`` (psycopg 3 and a
connection pool).  The same tables as SQLite — ``labels`` and ``events`` — plus ``images``, which
keeps the bytes of every uploaded photo, so any replica can export or train on labels another one
took.  The local ``images/`` folder is a copy, filled on demand.  The tables and their migrations
are tables.py's; the schema version is the one row of ``mmcrec_schema``; migrations take an
advisory lock, so replicas starting together migrate once.

Every write is one transaction committed before the call returns.  A writer holds the label_ids
it touches with transaction-level advisory locks (a big import locks the table), so a double
delivery racing on two replicas still yields one label and one event.  A lost connection or a
server restart is retried with backoff; that is safe because a label_id holding the value already
sent is a duplicate delivery, which changes nothing.

Time bounds, whatever the server does (refuses, restarts, or freezes — SIGSTOP, or a network
partition behind a kernel that still acknowledges packets):

- a call that is not a whole-table one (a label write, a lookup of a few labels, a campaign step)
  retries for at most ``call_bound_s`` (:data:`~mmcrec.labels.store.STORE_CALL_BOUND_S`), and
  inside :meth:`~mmcrec.labels.store.LabelStore.deadline` (record, retract, the outbox) all its
  calls together end by then;
- no round trip to the server waits longer than ``call_bound_s`` (``bulk_bound_s`` for reads of a
  whole table): libpq has no client-side query timeout, so a watchdog thread shuts the socket of
  a connection that runs past its deadline, and the call fails at once with
  :class:`~mmcrec.labels.store.StoreUnavailable`; the pool's check of an idle connection is bounded
  the same way;
- connections have ``connect_timeout``, TCP keepalives and ``tcp_user_timeout``, so a dead peer is
  noticed by the kernel too, and the server-side ``statement_timeout``, ``lock_timeout`` and
  ``idle_in_transaction_session_timeout`` make the server drop what a vanished client left;
- once a call has given up, later calls look for a working connection for ``PROBE_S`` only,
  until one succeeds: during an outage the app answers at once instead of waiting each time.

Messages raised to callers name no host, port, user or database; the log says which store
(without its password) once when it stops answering and once when it answers again.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from .. import settings
from ..clock import utc_now
from ..paths import data_root
from .schema import EVENT_FIELDS, FIELDS, IMAGES_DIR, FeedbackError, Label
from .store import STORE_CALL_BOUND_S, LabelStore, LabelTransaction, Sql, StoreUnavailable, T, select_labels_sql
from .tables import POSTGRESQL, SCHEMA_VERSION, migration

logger = logging.getLogger(__name__)

#: environment variable: most connections one app process opens (default DEFAULT_POOL_SIZE)
ENV_POOL_SIZE = "MMCREC_DB_POOL_SIZE"
#: the app's queue runs 4 events at a time, and thumbs skip the queue: room for both
DEFAULT_POOL_SIZE = 8
#: seconds a whole-table call (an export, stats, a big import) keeps retrying a lost connection
#: before it gives up with StoreUnavailable; every other call retries for ``call_bound_s`` at most
DEFAULT_RETRY_S = 15.0
#: seconds one round trip of a whole-table read may take before the connection is cut off
BULK_CALL_BOUND_S = 300.0
#: while the store is known not to answer, a call looks this long for a working connection
PROBE_S = 1.0
#: the pool's check of an idle connection before it is handed out gets at most this long
CHECK_S = 2.0
#: TCP keepalives: first probe after this many idle seconds, then every interval, dead after count
KEEPALIVES_IDLE_S = 5
KEEPALIVES_INTERVAL_S = 2
KEEPALIVES_COUNT = 2
#: the pool gives up a reconnection after this long, and a call waits for a connection at
#: most this long before it asks again (which starts a fresh reconnection at once): a pool's
#: backoff, grown through a long outage, would otherwise delay recovery by as much again
RECONNECT_S = 2.0
#: advisory lock (two-key form, apart from the labels' one-key locks) held while migrating
_MIGRATION_LOCK = (0x6D6D6372, 1)
#: a write touching more label_ids than this locks the table instead of each id
_MAX_ID_LOCKS = 32

_COLUMNS = ", ".join(FIELDS)


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


def _refusal(exc: BaseException) -> str:
    """What the server said, without the connection details libpq puts in front of it."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    return (primary or type(exc).__name__).strip().splitlines()[0]


def _cut(con) -> None:
    """Shut down the socket of ``con`` from another thread: whatever its owner waits for on it
    (an answer, room to send) ends at once with an OperationalError, and the pool discards the
    connection.  shutdown() acts on the socket, not the descriptor, so a duplicate serves."""
    try:
        fd = con.pgconn.socket
        sock = socket.socket(fileno=os.dup(fd))
    except Exception:  # noqa: BLE001 — already closed: nothing to cut
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


class _Watchdog:
    """Cuts off (:func:`_cut`) each watched connection whose deadline passes before its owner
    releases it.  One daemon thread per store, started on first use, sleeping until the next
    deadline."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._cond = threading.Condition()
        self._due: dict[int, tuple[float, Any]] = {}
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False

    @contextlib.contextmanager
    def watch(self, con, deadline: float) -> Iterator[Callable[[float], None]]:
        """Watch ``con`` until the block ends; yields ``move(deadline)`` to set a new deadline.
        Leaving the block releases the connection before it goes back to the pool."""
        token = next(self._ids)
        with self._cond:
            self._due[token] = (deadline, con)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._loop, name=f"{self._name}-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()

        def move(new_deadline: float) -> None:
            with self._cond:
                if token in self._due:
                    self._due[token] = (new_deadline, con)
                    self._cond.notify()

        try:
            yield move
        finally:
            with self._cond:
                self._due.pop(token, None)

    def _loop(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                for token, (deadline, con) in list(self._due.items()):
                    if deadline <= now:
                        del self._due[token]
                        logger.debug("label store: cutting off a connection that did not answer in time")
                        _cut(con)
                nxt = min((d for d, _ in self._due.values()), default=None)
                self._cond.wait(None if nxt is None else max(0.0, nxt - time.monotonic()))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)


class _Timed:
    """A connection whose every round trip gets a fresh deadline: ``min(end, now + step)``."""

    def __init__(self, con, move: Callable[[float], None], step: float, end: float | None) -> None:
        self._con, self._move, self._step, self._end = con, move, step, end

    def _tick(self) -> None:
        deadline = time.monotonic() + self._step
        self._move(deadline if self._end is None else min(self._end, deadline))

    def execute(self, *args, **kwargs):
        self._tick()
        return self._con.execute(*args, **kwargs)

    def cursor(self, *args, **kwargs):
        self._tick()  # one executemany in pipeline mode: one step for all its rows
        return self._con.cursor(*args, **kwargs)

    def transaction(self, *args, **kwargs):
        self._tick()
        return self._con.transaction(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


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
        call_bound_s: float = STORE_CALL_BOUND_S,
        bulk_bound_s: float = BULK_CALL_BOUND_S,
        sync_repo: str | None = None,
        create: bool = True,
    ) -> None:
        """Connect to ``url``, create the tables (``create=True``) and migrate them.

        ``images_dir``: the local copy of the images (default ``feedback/images`` under the data
        root).  ``pool_size``: most connections at once (default ``$MMCREC_DB_POOL_SIZE`` or
        DEFAULT_POOL_SIZE).  ``call_bound_s``, ``bulk_bound_s``, ``retry_s``: the time bounds
        (module docstring).  Raises :class:`FeedbackError` with one line for a bad URL, a server
        that refuses the connection, no tables with ``create=False``, or tables written by a
        newer mmcrec."""
        import psycopg  # noqa: PLC0415
        from psycopg.conninfo import conninfo_to_dict  # noqa: PLC0415

        self._url = url
        self.location = display_url(url)
        super().__init__(Path(images_dir) if images_dir else data_root() / "feedback" / IMAGES_DIR,
                         require_annotator=require_annotator, call_bound_s=call_bound_s)
        self.pool_size = _pool_size(pool_size)
        self.retry_s = float(retry_s)
        self.bulk_bound_s = max(float(bulk_bound_s), self.call_bound_s)
        bound_ms = int(self.call_bound_s * 1000)
        # server side: a statement (a lock wait) may take as long as a call, a whole-table one as
        # long as bulk_bound_s (SET LOCAL in its transaction), and a transaction its client left
        # idle is ended, its advisory locks with it, soon after the client would have given up
        self._bulk_ms = str(int(self.bulk_bound_s * 1000))
        self._settings = {"statement_timeout": str(bound_ms),
                          "lock_timeout": str(bound_ms),
                          "idle_in_transaction_session_timeout": str(2 * bound_ms)}
        # no server-side prepared statements: hosted poolers (PgBouncer, Supavisor) in
        # transaction mode hand each transaction a different server connection
        self._kwargs: dict[str, Any] = {"autocommit": True, "prepare_threshold": None,
                                        "connect_timeout": max(2, math.ceil(self.call_bound_s)),
                                        "application_name": "mmcrec"}
        try:
            given = conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise FeedbackError(f"cannot open label store {self.location}: {_first_line(exc)}") from None
        tcp = {"keepalives": 1, "keepalives_idle": KEEPALIVES_IDLE_S,
               "keepalives_interval": KEEPALIVES_INTERVAL_S, "keepalives_count": KEEPALIVES_COUNT}
        if psycopg.pq.version() >= 120000:  # libpq 12 added it
            tcp["tcp_user_timeout"] = bound_ms
        self._kwargs.update({k: v for k, v in tcp.items() if k not in given})  # the URL's own win
        self._pool = None
        self._pid = os.getpid()
        self._closed = False
        self._watchdog = _Watchdog("mmcrec-labels")
        self._call = threading.local()  # the deadline of this thread's current round trip
        self._health = threading.Lock()
        self._down_since: float | None = None  # a call gave up, and none succeeded since
        self._troubled = False  # a connection failed, and no call succeeded since
        try:
            with psycopg.connect(url, **self._kwargs) as con, \
                    self._watchdog.watch(con, time.monotonic() + self.bulk_bound_s):
                self._migrate(con, create)
        except psycopg.Error as exc:
            self._watchdog.close()
            raise FeedbackError(f"cannot open label store {self.location}: {_first_line(exc)}") from None
        except BaseException:
            self._watchdog.close()
            raise
        self._pool = self._new_pool()
        self._start_sync(sync_repo)

    # ----------------------------------------------------------------- connections

    def _new_pool(self):
        from psycopg_pool import ConnectionPool  # noqa: PLC0415

        return ConnectionPool(self._url, kwargs=self._kwargs, min_size=1, max_size=self.pool_size,
                              timeout=self.call_bound_s, reconnect_timeout=RECONNECT_S,
                              check=self._check, configure=self._configure, name="mmcrec-labels",
                              open=True)

    def _configure(self, con) -> None:
        """A new connection (in a pool thread): the server-side timeouts, in one round trip."""
        with self._watchdog.watch(con, time.monotonic() + self.call_bound_s):
            con.execute("SELECT " + ", ".join("set_config(%s, %s, false)" for _ in self._settings),
                        [x for kv in self._settings.items() for x in kv])

    def _check(self, con) -> None:
        """An idle connection before it is handed out: one empty round trip, cut off by the
        calling thread's deadline (CHECK_S at most), so a frozen server fails the check."""
        end = time.monotonic() + CHECK_S
        call_end = getattr(self._call, "end", None)
        with self._watchdog.watch(con, end if call_end is None else min(end, call_end)):
            con.execute("")

    def _connection(self, timeout: float):
        if self._closed:
            raise FeedbackError("feedback store is closed")
        if os.getpid() != self._pid:  # forked: the parent's pool and its threads are not ours
            self._pool = self._new_pool()
            self._watchdog = _Watchdog("mmcrec-labels")
            self._pid = os.getpid()
        return self._pool.connection(timeout=timeout)

    def _gave_up(self, exc: BaseException) -> None:
        with self._health:
            if self._down_since is None:
                self._down_since = time.monotonic()
                logger.warning("label store %s is not answering: %s", self.location, _first_line(exc))

    def _answered(self) -> None:
        if self._down_since is None and not self._troubled:
            return
        with self._health:
            if self._down_since is not None:
                logger.warning("label store %s answers again (after %.1f s)", self.location,
                               time.monotonic() - self._down_since)
            elif self._troubled:
                logger.info("label store %s answers again", self.location)
            self._down_since, self._troubled = None, False

    @property
    def answering(self) -> bool:
        """False from a call that gave up until the next one that succeeds."""
        return self._down_since is None

    def _run(self, fn: Callable[[Any], T], lock_ids: Sequence[str] | None = None, *, bulk: bool = False) -> T:
        """``fn(connection)``: alone in autocommit mode (``lock_ids`` None), else in one
        transaction holding those label_ids.  Lost connections are retried with backoff within
        the time bounds (module docstring); past them, :class:`StoreUnavailable`.  ``bulk``: a
        whole-table call (retry_s, bulk_bound_s per round trip)."""
        import psycopg  # noqa: PLC0415

        t0 = time.monotonic()
        end = self._deadline()  # the thread's LabelStore.deadline(), if any
        window = self.retry_s if bulk else self.call_bound_s
        give_up = t0 + window if end is None else min(end, t0 + window)
        if self._down_since is not None:
            give_up = min(give_up, t0 + PROBE_S)
        step = self.bulk_bound_s if bulk else self.call_bound_s
        delay = 0.05
        while True:
            now = time.monotonic()
            if end is not None and now >= end:  # the block's time is spent: no attempt could finish
                raise StoreUnavailable(now - t0)
            first = now + step if end is None else min(end, now + step)
            self._call.end = first
            try:
                wait = max(0.05, min(RECONNECT_S, give_up - now))
                with self._connection(wait) as raw, self._watchdog.watch(raw, first) as move:
                    con = _Timed(raw, move, step, end)
                    if lock_ids is None and not bulk:
                        result = fn(con)
                    else:
                        with con.transaction():
                            if bulk:  # the connection's statement_timeout is call_bound_s
                                con.execute("SELECT set_config('statement_timeout', %s, true)",
                                            (self._bulk_ms,))
                            ids = sorted(set(lock_ids or ()))
                            if len(ids) > _MAX_ID_LOCKS:
                                con.execute("LOCK TABLE labels IN SHARE ROW EXCLUSIVE MODE")
                            else:
                                for label_id in ids:
                                    con.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                                                (label_id,))
                            result = fn(con)  # committed when the block ends, before returning
                self._answered()
                return result
            except psycopg.OperationalError as exc:  # lost, refused, restarting, cut off, timed out
                now = time.monotonic()
                if not self._troubled and self._down_since is None:
                    self._troubled = True
                    logger.warning("label store %s: %s; retrying", self.location, _first_line(exc))
                if now + delay >= give_up or (end is not None and now >= end):
                    self._gave_up(exc)
                    raise StoreUnavailable(now - t0) from None
                logger.debug("label store %s: %s; retrying in %.2fs", self.location, _first_line(exc), delay)
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except psycopg.Error as exc:
                raise FeedbackError(f"the label store refused this: {_refusal(exc)}") from None
            finally:
                self._call.end = None

    def _transact(self, label_ids: Sequence[str], fn: Callable[[LabelTransaction], T]) -> T:
        return self._run(lambda con: fn(_Transaction(con)), lock_ids=label_ids,
                         bulk=len(set(label_ids)) > _MAX_ID_LOCKS)

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
                for sql, params in migration(POSTGRESQL, i):
                    con.execute(sql, params or None)
                con.execute("UPDATE mmcrec_schema SET version = %s", (i + 1,))

    @property
    def schema_version(self) -> int:
        return int(self._run(lambda con: con.execute("SELECT version FROM mmcrec_schema").fetchone()[0]))

    def _close(self) -> None:
        if self._pool is not None and os.getpid() == self._pid:
            self._pool.close(timeout=self.call_bound_s)
        self._pool = None
        self._closed = True
        self._watchdog.close()

    # ----------------------------------------------------------------- read

    def _select(self, *, label_id: str | None = None, annotator: str | None = None,
                session_id: str | None = None, include_retracted: bool = True) -> list[Label]:
        sql, params = select_labels_sql("%s", label_id=label_id, annotator=annotator,
                                        session_id=session_id, include_retracted=include_retracted)
        return self._run(lambda con: [_row_to_label(r) for r in con.execute(sql, params).fetchall()],
                         bulk=label_id is None and annotator is None and session_id is None)

    def count(self) -> int:
        return int(self._run(lambda con: con.execute("SELECT COUNT(*) FROM labels").fetchone()[0], bulk=True))

    def events(self, label_id: str | None = None) -> list[dict[str, Any]]:
        cols = ", ".join(EVENT_FIELDS)
        if label_id is None:
            sql, params = f"SELECT {cols} FROM events ORDER BY event_id", ()
        else:
            sql, params = f"SELECT {cols} FROM events WHERE label_id = %s ORDER BY event_id", (label_id,)
        rows = self._run(lambda con: con.execute(sql, params).fetchall(), bulk=label_id is None)
        return [dict(zip(EVENT_FIELDS, r)) for r in rows]

    def _fetch_images(self, shas: set[str]) -> dict[str, tuple[str, bytes]]:
        rows = self._run(lambda con: con.execute(
            "SELECT sha256, file_name, data FROM images WHERE sha256 = ANY(%s)",
            (sorted(shas),)).fetchall(), bulk=len(shas) > _MAX_ID_LOCKS)
        return {sha: (name, bytes(data)) for sha, name, data in rows}


def _pool_size(given: int | None) -> int:
    raw = given if given is not None else settings.current().db_pool_size
    try:
        size = int(raw)
    except (TypeError, ValueError):
        raise FeedbackError(f"{ENV_POOL_SIZE} must be a whole number, got {raw!r}") from None
    if size < 1:
        raise FeedbackError(f"the label store's pool size must be at least 1, got {size}")
    return size

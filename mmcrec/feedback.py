"""Durable store of relevance labels (thumbs up/down) given in the app.

Storage is one SQLite database (WAL mode) plus a folder of uploaded images kept by
content hash next to it::

    <db dir>/labels.sqlite          labels (latest value per label_id) + events (append-only)
    <db dir>/images/<sha256>.<ext>  every image that a label refers to

Each :meth:`FeedbackStore.record` call is one ``BEGIN IMMEDIATE`` transaction that is
committed (``synchronous=FULL``) before the call returns, so a label the UI confirmed
survives a crash of the process.  The same click delivered twice maps to the same
``label_id`` (see :func:`make_label_id`) and is stored once; a new value for a label_id
(e.g. ``0`` = retracted) replaces the current value and is appended to the events table.

Labels leave and enter the store as JSONL, CSV or Parquet files with the fields of
CONTRACTS §4 (:meth:`FeedbackStore.export`, :meth:`FeedbackStore.import_file`).

This module imports only the standard library at import time (numpy, pandas, pyarrow and
huggingface_hub are imported where they are needed) so that writer processes start fast.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import logging
import math
import os
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

logger = logging.getLogger(__name__)

__all__ = [
    "FIELDS",
    "FeedbackError",
    "FeedbackStore",
    "Label",
    "SCHEMA_VERSION",
    "default_db_path",
    "fleiss_kappa",
    "krippendorff_alpha_nominal",
    "make_label_id",
]

from .paths import default_labels_db

#: environment variable naming the database file
ENV_DB = "MMCREC_FEEDBACK_DB"
#: environment variable naming a Hugging Face dataset repo to sync snapshots to (off when unset)
ENV_REPO = "MMCREC_LABELS_REPO"
#: minutes between two snapshot commits (default 5)
ENV_SYNC_MINUTES = "MMCREC_LABELS_SYNC_MINUTES"


#: CONTRACTS §4 fields, in export column order
FIELDS: tuple[str, ...] = (
    "label_id",
    "session_id",
    "annotator",
    "created_at",
    "model_version",
    "catalog_id",
    "turns",
    "image_sha256",
    "image_path",
    "item_id",
    "rank",
    "score",
    "alpha",
    "target",
    "label",
)
TARGETS = ("item", "reply")
LABEL_VALUES = (-1, 0, 1)
FORMATS = ("jsonl", "csv", "parquet")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
IMAGES_DIR = "images"


class FeedbackError(ValueError):
    """Bad label, bad file or unusable database; nothing was written."""


# --------------------------------------------------------------------------- helpers


def _now() -> str:
    return _fmt_time(datetime.now(timezone.utc))


def _fmt_time(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalize_time(value: Any) -> str:
    """ISO 8601 text (or datetime / pandas Timestamp) -> ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` UTC.

    A time without zone is taken as UTC.  Empty -> now.  The fixed width makes the
    strings sort in time order.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return _now()
    if isinstance(value, datetime):  # also pandas.Timestamp
        dt = value
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise FeedbackError(f"created_at is not an ISO 8601 time: {value!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return _fmt_time(dt)


def _is_missing(value: Any) -> bool:
    """None, NaN, NaT, pandas NA or blank text (without importing pandas)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, bytes)):
        return False
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)  # NaN
    except (TypeError, ValueError):
        return False


def _to_str(value: Any) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        # an item id read back as a number by some tool; keep "7", not "7.0"
        return str(int(value))
    return str(value).strip()


def _to_int(value: Any, name: str) -> int | None:
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        return int(value)
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise FeedbackError(f"{name} must be an integer, got {value!r}") from None
    if not f.is_integer():
        raise FeedbackError(f"{name} must be an integer, got {value!r}")
    return int(f)


def _to_float(value: Any, name: str) -> float | None:
    if _is_missing(value):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise FeedbackError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(f):
        return None
    return f


def _to_turns(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                raise FeedbackError(f"turns is not a JSON list: {value[:80]!r}") from None
            return _to_turns(parsed)
        return [value]
    if hasattr(value, "tolist"):  # numpy array from parquet/pandas
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        out = []
        for t in value:
            if not isinstance(t, str):
                if t is None:
                    raise FeedbackError("turns must hold strings, got None")
                t = str(t)
            out.append(t)
        return out
    if isinstance(value, float) and math.isnan(value):
        return []
    raise FeedbackError(f"turns must be a list of strings, got {type(value).__name__}")


def make_label_id(
    session_id: str,
    annotator: str,
    target: str,
    key: str | int,
    turns: Iterable[str],
    *,
    image_sha256: str = "",
) -> str:
    """Stable id of "this annotator rated this item/reply in this conversation state".

    ``key`` is the item_id for ``target="item"`` and the reply index for ``target="reply"``.
    The same arguments always give the same 32-hex id, so a retried or double-clicked
    rating is the same label and a later click on the same thing replaces its value.
    ``image_sha256`` (optional) makes a different uploaded image a different state; when
    empty the id is the same as without it.
    """
    parts = [
        str(session_id or ""),
        str(annotator or "").strip(),
        str(target or ""),
        str(key),
        [str(t) for t in (turns or [])],
    ]
    if image_sha256:
        parts.append(str(image_sha256))
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def default_db_path() -> Path:
    """``$MMCREC_FEEDBACK_DB``, else ``feedback/labels.sqlite`` under the data root (paths.py)."""
    return Path(default_labels_db()).expanduser()


# --------------------------------------------------------------------------- label


@dataclass
class Label:
    """One relevance label (CONTRACTS §4).

    For ``target="reply"`` ``item_id`` is empty and ``rank`` holds the reply index.
    ``label_id`` and ``created_at`` are filled by :meth:`FeedbackStore.record` when empty.
    In labels returned by the store ``image_path`` is an absolute path to the stored image.
    """

    label_id: str = ""
    session_id: str = ""
    annotator: str = ""
    created_at: str = ""
    model_version: str = ""
    catalog_id: str = ""
    turns: list[str] = field(default_factory=list)
    image_sha256: str = ""
    image_path: str = ""
    item_id: str = ""
    rank: int | None = None
    score: float | None = None
    alpha: float | None = None
    target: str = "item"
    label: int = 1

    def to_dict(self) -> dict[str, Any]:
        d = {name: getattr(self, name) for name in FIELDS}
        d["turns"] = list(self.turns)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Label":
        """Build a label from a dict (a file row); converts types, ignores unknown keys.

        Raises :class:`FeedbackError` for values that cannot be converted.
        """
        d = dict(data)
        label = _to_int(d.get("label"), "label")
        return cls(
            label_id=_to_str(d.get("label_id")),
            session_id=_to_str(d.get("session_id")),
            annotator=_to_str(d.get("annotator")),
            created_at=_to_str(d.get("created_at")) if not isinstance(d.get("created_at"), datetime)
            else normalize_time(d.get("created_at")),
            model_version=_to_str(d.get("model_version")),
            catalog_id=_to_str(d.get("catalog_id")),
            turns=_to_turns(d.get("turns")),
            image_sha256=_to_str(d.get("image_sha256")).lower(),
            image_path=_to_str(d.get("image_path")),
            item_id=_to_str(d.get("item_id")),
            rank=_to_int(d.get("rank"), "rank"),
            score=_to_float(d.get("score"), "score"),
            alpha=_to_float(d.get("alpha"), "alpha"),
            target=_to_str(d.get("target")) or "item",
            label=1 if label is None and "label" not in d else label,  # type: ignore[arg-type]
        )

    def key(self) -> str | int:
        """The ``key`` argument of :func:`make_label_id` for this label."""
        if self.target == "item":
            return self.item_id
        return self.rank if self.rank is not None else 0


# --------------------------------------------------------------------------- images


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)


def _image_ext(data: bytes, hint: str = "") -> str:
    for magic, ext in _MAGIC:
        if data.startswith(magic):
            return ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "avif"
    suffix = Path(hint).suffix.lower().lstrip(".") if hint else ""
    if suffix and suffix.isalnum() and len(suffix) <= 5:
        return "jpg" if suffix == "jpeg" else suffix
    return "bin"


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder + fsync + os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _find_image(folder: Path, sha: str) -> Path | None:
    if not sha or not folder.is_dir():
        return None
    for p in sorted(folder.glob(f"{sha}.*")):
        if p.is_file() and not p.name.endswith(".tmp"):
            return p
    return None


# --------------------------------------------------------------------------- schema


def _m1_labels(con: sqlite3.Connection) -> None:
    """v1: one row per label_id holding its current value."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS labels (
            label_id      TEXT PRIMARY KEY,
            session_id    TEXT NOT NULL DEFAULT '',
            annotator     TEXT NOT NULL DEFAULT '',
            created_at    TEXT NOT NULL,
            model_version TEXT NOT NULL DEFAULT '',
            catalog_id    TEXT NOT NULL DEFAULT '',
            turns         TEXT NOT NULL DEFAULT '[]',
            image_sha256  TEXT NOT NULL DEFAULT '',
            image_path    TEXT NOT NULL DEFAULT '',
            item_id       TEXT NOT NULL DEFAULT '',
            rank          INTEGER,
            score         REAL,
            alpha         REAL,
            target        TEXT NOT NULL,
            label         INTEGER NOT NULL
        )
        """
    )


def _m2_events(con: sqlite3.Connection) -> None:
    """v2: append-only events table (one row per change of a label's value), backfilled
    with one event per existing label; indexes for per-annotator and per-item queries."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS events (
            event_id    INTEGER PRIMARY KEY AUTOINCREMENT,
            label_id    TEXT NOT NULL,
            label       INTEGER NOT NULL,
            created_at  TEXT NOT NULL,
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
        SELECT label_id, label, created_at, ?, annotator, session_id, target, item_id, 'migration'
        FROM labels ORDER BY created_at, label_id
        """,
        (_now(),),
    )
    con.execute("CREATE INDEX IF NOT EXISTS events_label ON events(label_id)")
    con.execute("CREATE INDEX IF NOT EXISTS events_time ON events(created_at)")
    con.execute("CREATE INDEX IF NOT EXISTS labels_annotator ON labels(annotator, session_id)")
    con.execute("CREATE INDEX IF NOT EXISTS labels_item ON labels(item_id)")


#: applied in order; migration i brings a database from user_version i to i + 1
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1_labels, _m2_events]
SCHEMA_VERSION = len(MIGRATIONS)

_LABEL_COLUMNS = FIELDS  # the labels table has exactly the §4 columns
_EVENT_COLUMNS = (
    "event_id", "label_id", "label", "created_at", "recorded_at", "annotator",
    "session_id", "target", "item_id", "source",
)


def _is_busy(exc: BaseException) -> bool:
    msg = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg)


# --------------------------------------------------------------------------- store


class FeedbackStore:
    """Labels in SQLite; safe to share between threads and processes.

    Each thread gets its own connection (WAL, ``busy_timeout``); writes use
    ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        require_annotator: bool = False,
        busy_timeout_s: float = 60.0,
        synchronous: str = "FULL",
        sync_repo: str | None = None,
        create: bool = True,
    ) -> None:
        """Open (creating with ``create=True``) and migrate the database at ``path``
        (default :func:`default_db_path`).  ``sync_repo`` overrides ``$MMCREC_LABELS_REPO``
        ("" = no sync).  Raises :class:`FeedbackError` for an unusable database, a missing
        one with ``create=False``, or one written by a newer mmcrec."""
        self.path = Path(path).expanduser() if path else default_db_path()
        self.path = self.path.absolute()
        if not create and not self.path.is_file():
            raise FeedbackError(f"no feedback database at {self.path}")
        self.require_annotator = require_annotator
        self.images_dir = self.path.parent / IMAGES_DIR
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
        self._scheduler = None
        repo = sync_repo if sync_repo is not None else os.environ.get(ENV_REPO, "").strip()
        if repo:
            self._start_sync(repo)

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

    def _write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
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

    def _migrate(self) -> None:
        con = self._con()

        def run(con: sqlite3.Connection) -> None:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise FeedbackError(
                    f"{self.path} has schema version {version}; this mmcrec knows up to "
                    f"{SCHEMA_VERSION} (upgrade mmcrec)"
                )
            for i in range(version, SCHEMA_VERSION):
                logger.info("feedback db %s: migrating schema v%d -> v%d", self.path, i, i + 1)
                MIGRATIONS[i](con)
                con.execute(f"PRAGMA user_version = {i + 1}")

        try:
            self._write(run)
        except sqlite3.DatabaseError as exc:
            raise FeedbackError(f"{self.path} is not a usable feedback database: {exc}") from exc

    @property
    def schema_version(self) -> int:
        return int(self._con().execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close every connection of this store (all threads) and stop the sync."""
        if self._scheduler is not None:
            try:
                self._scheduler.stop()
            except Exception:  # pragma: no cover - defensive
                logger.exception("stopping label sync failed")
            self._scheduler = None
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for con in conns:
            try:
                con.close()
            except sqlite3.Error:  # pragma: no cover
                pass
        self._local = threading.local()
        self._closed = True

    def __enter__(self) -> "FeedbackStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FeedbackStore({str(self.path)!r})"

    # ----------------------------------------------------------------- rows

    def _row_to_label(self, row: sqlite3.Row | tuple) -> Label:
        d = dict(zip(_LABEL_COLUMNS, row))
        d["turns"] = json.loads(d["turns"] or "[]")
        lab = Label(**d)
        if lab.image_path:
            lab.image_path = str(self.path.parent / lab.image_path)
        return lab

    def _select(self, where: str = "", params: tuple = ()) -> list[Label]:
        cols = ", ".join(_LABEL_COLUMNS)
        sql = f"SELECT {cols} FROM labels {where} ORDER BY created_at, label_id"
        return [self._row_to_label(r) for r in self._con().execute(sql, params).fetchall()]

    @staticmethod
    def _db_values(lab: Label, rel_image: str) -> tuple:
        return (
            lab.label_id, lab.session_id, lab.annotator, lab.created_at, lab.model_version,
            lab.catalog_id, json.dumps(lab.turns, ensure_ascii=False), lab.image_sha256,
            rel_image, lab.item_id, lab.rank, lab.score, lab.alpha, lab.target, lab.label,
        )

    def _upsert(self, con: sqlite3.Connection, lab: Label, rel_image: str, source: str) -> None:
        cols = ", ".join(_LABEL_COLUMNS)
        marks = ", ".join("?" for _ in _LABEL_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _LABEL_COLUMNS if c != "label_id")
        con.execute(
            f"INSERT INTO labels ({cols}) VALUES ({marks}) "
            f"ON CONFLICT(label_id) DO UPDATE SET {updates}",
            self._db_values(lab, rel_image),
        )
        con.execute(
            "INSERT INTO events (label_id, label, created_at, recorded_at, annotator, session_id,"
            " target, item_id, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (lab.label_id, lab.label, lab.created_at, _now(), lab.annotator, lab.session_id,
             lab.target, lab.item_id, source),
        )

    # ----------------------------------------------------------------- validation

    def _validate(self, lab: Label, known_items: set[str] | None = None) -> Label:
        """Checked and normalised copy of ``lab``; raises FeedbackError."""
        if not isinstance(lab, Label):
            raise FeedbackError(f"expected a Label, got {type(lab).__name__}")
        lab = dataclasses.replace(lab, turns=_to_turns(lab.turns))
        if isinstance(lab.label, bool) or lab.label not in LABEL_VALUES:
            raise FeedbackError(f"label must be 1, -1 or 0, got {lab.label!r}")
        lab.label = int(lab.label)
        if lab.target not in TARGETS:
            raise FeedbackError(f"target must be 'item' or 'reply', got {lab.target!r}")
        for name in ("label_id", "session_id", "annotator", "model_version", "catalog_id",
                     "item_id", "image_sha256", "image_path"):
            value = getattr(lab, name)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise FeedbackError(f"{name} must be a string, got {type(value).__name__}")
            setattr(lab, name, value.strip())
        if lab.target == "item" and not lab.item_id:
            raise FeedbackError("an item label needs an item_id")
        if lab.target == "item" and known_items is not None and lab.item_id not in known_items:
            raise FeedbackError(f"unknown item_id {lab.item_id!r} (not in the catalog)")
        if self.require_annotator and not lab.annotator:
            raise FeedbackError("an annotator name is required")
        lab.rank = _to_int(lab.rank, "rank")
        lab.score = _to_float(lab.score, "score")
        lab.alpha = _to_float(lab.alpha, "alpha")
        lab.created_at = normalize_time(lab.created_at)
        lab.image_sha256 = lab.image_sha256.lower()
        if lab.image_sha256 and (
            len(lab.image_sha256) != 64 or any(c not in "0123456789abcdef" for c in lab.image_sha256)
        ):
            raise FeedbackError(f"image_sha256 is not a sha256 hex digest: {lab.image_sha256!r}")
        if not lab.label_id:
            lab.label_id = make_label_id(lab.session_id, lab.annotator, lab.target, lab.key(),
                                         lab.turns)
        return lab

    def _resolve_image(
        self, lab: Label, image_bytes: bytes | None, base: Path | None
    ) -> tuple[str, bytes | None, str]:
        """(sha256, bytes to store or None when already stored, path relative to db dir)."""
        data = image_bytes
        hint = lab.image_path
        if data is None and lab.image_path:
            p = Path(lab.image_path).expanduser()
            if not p.is_absolute():
                p = (base or Path.cwd()) / p
            if lab.image_sha256:
                have = _find_image(self.images_dir, lab.image_sha256)
                if have is not None and (not p.is_file() or p.resolve() == have.resolve()):
                    return lab.image_sha256, None, have.relative_to(self.path.parent).as_posix()
            try:
                data = p.read_bytes()
            except OSError as exc:
                raise FeedbackError(f"cannot read image {p}: {exc}") from None
        if data is not None:
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise FeedbackError("image_bytes must be bytes")
            data = bytes(data)
            if not data:
                raise FeedbackError("image is empty")
            sha = hashlib.sha256(data).hexdigest()
            if lab.image_sha256 and lab.image_sha256 != sha:
                raise FeedbackError(
                    f"image_sha256 {lab.image_sha256} does not match the image bytes ({sha})"
                )
            rel = f"{IMAGES_DIR}/{sha}.{_image_ext(data, hint)}"
            if (self.path.parent / rel).is_file():
                return sha, None, rel
            have = _find_image(self.images_dir, sha)
            if have is not None:
                return sha, None, have.relative_to(self.path.parent).as_posix()
            return sha, data, rel
        if lab.image_sha256:
            have = _find_image(self.images_dir, lab.image_sha256)
            if have is None:
                raise FeedbackError(
                    f"image {lab.image_sha256} is not in {self.images_dir} and no image was given"
                )
            return lab.image_sha256, None, have.relative_to(self.path.parent).as_posix()
        return "", None, ""

    def _store_image(self, rel: str, data: bytes | None) -> None:
        if data is None or not rel:
            return
        dest = self.path.parent / rel
        if dest.is_file():
            return
        try:
            _atomic_write(dest, data)
        except OSError as exc:
            raise FeedbackError(f"cannot store image {dest}: {exc}") from exc

    # ----------------------------------------------------------------- write

    def record(
        self,
        label: Label,
        *,
        image_bytes: bytes | None = None,
        known_items: set[str] | None = None,
    ) -> Label:
        """Validate and durably store one label; returns the stored label.

        ``label_id`` is computed with :func:`make_label_id` when empty (for a reply,
        ``rank`` is the reply index) and ``created_at`` is set to now when empty.
        The image is ``image_bytes``, or the file at ``label.image_path``, or an image
        already in the store named by ``label.image_sha256``.

        Delivering the same label_id with the label value it already has changes
        nothing (no second event) and returns the stored label.  Another value replaces
        the current one (0 = retracted) and adds an event.  When a new value comes
        without any image, the stored image is kept.  Raises :class:`FeedbackError`
        (nothing written) for invalid input.  The transaction is committed when this
        returns.
        """
        lab = self._validate(label, known_items)
        sha, data, rel = self._resolve_image(lab, image_bytes, None)
        lab.image_sha256 = sha
        # the image goes to disk first: a committed label never points at a missing file
        self._store_image(rel, data)

        def tx(con: sqlite3.Connection) -> Label:
            cols = ", ".join(_LABEL_COLUMNS)
            row = con.execute(
                f"SELECT {cols} FROM labels WHERE label_id = ?", (lab.label_id,)
            ).fetchone()
            if row is not None:
                current = self._row_to_label(row)
                if current.label == lab.label:
                    return current  # duplicate delivery
                # a new value for the same label (e.g. a retraction sent with only the
                # label_id and value): keep what it leaves empty from the current value
                for name in ("session_id", "annotator", "model_version", "catalog_id",
                             "item_id", "rank", "score", "alpha"):
                    if getattr(lab, name) in ("", None):
                        setattr(lab, name, getattr(current, name))
                if not lab.turns:
                    lab.turns = list(current.turns)
                rel_image = rel
                if not sha and current.image_sha256:  # keep the image of this conversation state
                    lab.image_sha256 = current.image_sha256
                    rel_image = row[FIELDS.index("image_path")]
                self._upsert(con, lab, rel_image, "record")
                lab.image_path = str(self.path.parent / rel_image) if rel_image else ""
                return lab
            self._upsert(con, lab, rel, "record")
            lab.image_path = str(self.path.parent / rel) if rel else ""
            return lab

        return self._write(tx)

    def retract(self, label_id: str, *, created_at: str = "") -> Label:
        """Set an existing label to 0 (retracted); returns the stored label."""
        current = self.get(label_id)
        if current is None:
            raise FeedbackError(f"no label {label_id!r}")
        if current.label == 0:
            return current
        new = dataclasses.replace(current, label=0, created_at=created_at or _now(),
                                  image_path="")
        return self.record(new)

    # ----------------------------------------------------------------- read

    def get(self, label_id: str) -> Label | None:
        found = self._select("WHERE label_id = ?", (label_id,))
        return found[0] if found else None

    def labels(
        self, *, annotator: str | None = None, include_retracted: bool = True
    ) -> list[Label]:
        """Current value of every label (oldest first), optionally one annotator's."""
        clauses, params = [], []
        if annotator is not None:
            clauses.append("annotator = ?")
            params.append(annotator.strip())
        if not include_retracted:
            clauses.append("label != 0")
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._select(where, tuple(params))

    def labels_for(
        self, annotator: str, session_id: str | None = None, *, include_retracted: bool = True
    ) -> dict[str, Label]:
        """``{label_id: Label}`` of one annotator (and session), to restore the UI after a
        reload.  Retracted labels are included with ``label == 0`` unless asked not to."""
        clauses, params = ["annotator = ?"], [(annotator or "").strip()]
        if session_id is not None:
            clauses.append("session_id = ?")
            params.append(session_id)
        if not include_retracted:
            clauses.append("label != 0")
        labs = self._select("WHERE " + " AND ".join(clauses), tuple(params))
        return {lab.label_id: lab for lab in labs}

    def count(self) -> int:
        return int(self._con().execute("SELECT COUNT(*) FROM labels").fetchone()[0])

    def events(self, label_id: str | None = None) -> list[dict[str, Any]]:
        """The append-only history (oldest first): one dict per change of a label's value."""
        cols = ", ".join(_EVENT_COLUMNS)
        if label_id is None:
            rows = self._con().execute(f"SELECT {cols} FROM events ORDER BY event_id").fetchall()
        else:
            rows = self._con().execute(
                f"SELECT {cols} FROM events WHERE label_id = ? ORDER BY event_id", (label_id,)
            ).fetchall()
        return [dict(zip(_EVENT_COLUMNS, r)) for r in rows]

    def image_file(self, label: Label | str) -> Path | None:
        """Path of the stored image of a label (or of a sha256), or None."""
        sha = label.image_sha256 if isinstance(label, Label) else str(label)
        return _find_image(self.images_dir, sha)

    def integrity_check(self) -> str:
        return str(self._con().execute("PRAGMA integrity_check").fetchone()[0])

    # ----------------------------------------------------------------- export / import

    @staticmethod
    def _format(path: Path, fmt: str | None) -> str:
        if fmt:
            f = fmt.lower().lstrip(".")
            f = {"json": "jsonl", "ndjson": "jsonl", "pq": "parquet"}.get(f, f)
            if f not in FORMATS:
                raise FeedbackError(f"unknown format {fmt!r} (use jsonl, csv or parquet)")
            return f
        f = _EXTENSIONS.get(path.suffix.lower())
        if f is None:
            raise FeedbackError(
                f"cannot tell the format of {path.name!r} from its extension "
                "(use .jsonl, .csv or .parquet, or give a format)"
            )
        return f

    def export(self, out: str | Path, fmt: str | None = None, *,
               include_retracted: bool = True) -> int:
        """Write the latest value of each label to ``out`` (JSONL, CSV or Parquet by
        ``fmt`` or extension); images are copied to ``<out dir>/images/`` and
        ``image_path`` is written relative to ``out``.  Returns the number of rows."""
        out = Path(out).expanduser().absolute()
        f = self._format(out, fmt)
        labs = self.labels(include_retracted=include_retracted)
        rows = []
        out_images = out.parent / IMAGES_DIR
        for lab in labs:
            d = lab.to_dict()
            if lab.image_sha256:
                src = self.image_file(lab)
                if src is None:
                    logger.warning("label %s: image %s is missing", lab.label_id, lab.image_sha256)
                    d["image_path"] = ""
                else:
                    dest = out_images / src.name
                    if not dest.is_file():  # content-addressed: an existing file is this one
                        _atomic_write(dest, src.read_bytes())
                    d["image_path"] = f"{IMAGES_DIR}/{src.name}"
            else:
                d["image_path"] = ""
            rows.append(d)
        out.parent.mkdir(parents=True, exist_ok=True)
        if f == "jsonl":
            data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
            _atomic_write(out, data)
        elif f == "csv":
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=list(FIELDS), lineterminator="\n")
            w.writeheader()
            for r in rows:
                r = dict(r)
                r["turns"] = json.dumps(r["turns"], ensure_ascii=False)
                w.writerow({k: ("" if v is None else v) for k, v in r.items()})
            _atomic_write(out, buf.getvalue().encode("utf-8"))
        else:
            _write_parquet(out, rows)
        return len(rows)

    def import_file(self, src: str | Path, fmt: str | None = None) -> tuple[int, int, int]:
        """Merge labels from a JSONL/CSV/Parquet file; returns ``(added, updated, skipped)``.

        Rows are matched by label_id: a new id is added; a known id is updated when the
        row differs and is not older (``created_at``) than the stored value; otherwise it
        is skipped, so importing the same file twice changes nothing.  Image paths are
        read relative to the file.  All rows are validated first: any bad row raises
        :class:`FeedbackError` naming the row numbers and nothing is written.
        """
        src = Path(src).expanduser().absolute()
        f = self._format(src, fmt)
        if not src.is_file():
            raise FeedbackError(f"no such file: {src}")
        try:
            raw_rows = _read_rows(src, f)
        except FeedbackError:
            raise
        except Exception as exc:
            raise FeedbackError(f"cannot read {src}: {exc}") from exc
        prepared: list[tuple[Label, str, bytes | None]] = []
        errors: list[str] = []
        for i, raw in enumerate(raw_rows, start=1):
            try:
                if not isinstance(raw, dict):
                    raise FeedbackError("not an object")
                lab = self._validate(Label.from_dict(raw))
                if not _to_str(raw.get("label_id")):
                    raise FeedbackError("label_id is empty")
                if _is_missing(raw.get("created_at")):
                    raise FeedbackError("created_at is empty")
                if _is_missing(raw.get("label")):
                    raise FeedbackError("label is empty")
                sha, data, rel = self._resolve_image(lab, None, src.parent)
                lab.image_sha256 = sha
                prepared.append((lab, rel, data))
            except FeedbackError as exc:
                errors.append(f"row {i}: {exc}")
        if errors:
            more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
            raise FeedbackError(f"{src.name}: " + "; ".join(errors[:10]) + more)
        for _, rel, data in prepared:
            self._store_image(rel, data)

        def tx(con: sqlite3.Connection) -> tuple[int, int, int]:
            added = updated = skipped = 0
            cols = ", ".join(_LABEL_COLUMNS)
            for lab, rel, _ in prepared:
                row = con.execute(
                    f"SELECT {cols} FROM labels WHERE label_id = ?", (lab.label_id,)
                ).fetchone()
                if row is None:
                    self._upsert(con, lab, rel, "import")
                    added += 1
                    continue
                current = self._row_to_label(row)
                if _same(current, lab) or lab.created_at < current.created_at:
                    skipped += 1
                    continue
                self._upsert(con, lab, rel, "import")
                updated += 1
            return added, updated, skipped

        return self._write(tx)

    # ----------------------------------------------------------------- stats

    def stats(self) -> dict[str, Any]:
        """Counts over the latest value of each label_id, and inter-annotator agreement.

        ``agreement`` is computed over items (target=item) that at least two annotators
        rated with a non-zero label, taking each annotator's latest non-zero label per
        item.  ``percent_agreement`` is the mean share of agreeing rater pairs per item,
        ``fleiss_kappa`` the Fleiss kappa generalised to varying numbers of raters,
        ``krippendorff_alpha`` nominal Krippendorff alpha; each is None when undefined.
        """
        labs = self.labels()
        by_label = {"1": 0, "-1": 0, "0": 0}
        by_annotator: dict[str, int] = {}
        by_item: dict[str, dict[str, int]] = {}
        latest: dict[tuple[str, str], tuple[str, int]] = {}  # (item, annotator) -> (time, label)
        for lab in labs:
            by_label[str(lab.label)] = by_label.get(str(lab.label), 0) + 1
            by_annotator[lab.annotator] = by_annotator.get(lab.annotator, 0) + 1
            if lab.target != "item":
                continue
            counts = by_item.setdefault(lab.item_id, {"up": 0, "down": 0})
            if lab.label == 1:
                counts["up"] += 1
            elif lab.label == -1:
                counts["down"] += 1
            if lab.label != 0:
                key = (lab.item_id, lab.annotator)
                prev = latest.get(key)
                if prev is None or lab.created_at >= prev[0]:
                    latest[key] = (lab.created_at, lab.label)
        per_item: dict[str, dict[str, int]] = {}
        for (item, annotator), (_, value) in latest.items():
            per_item.setdefault(item, {})[annotator] = value
        units = {item: r for item, r in per_item.items() if len(r) >= 2}
        return {
            "total": len(labs),
            "by_label": by_label,
            "by_annotator": dict(sorted(by_annotator.items())),
            "by_item": dict(sorted(by_item.items())),
            "agreement": agreement(units),
        }

    def timeline(self, freq: str = "h"):
        """Events per time bucket as a pandas DataFrame with columns
        ``time`` (bucket start, UTC), ``up``, ``down``, ``retracted``, ``total`` and
        ``cumulative`` (events so far), ready for ``plotly.express.line(df, x="time", ...)``."""
        import pandas as pd  # noqa: PLC0415

        cols = ["time", "up", "down", "retracted", "total", "cumulative"]
        ev = self.events()
        if not ev:
            return pd.DataFrame({c: pd.Series(dtype="int64") for c in cols}).assign(
                time=pd.Series(dtype="datetime64[ns, UTC]"))
        df = pd.DataFrame(ev)
        df["time"] = pd.to_datetime(df["created_at"], utc=True, format="ISO8601")
        df["up"] = (df["label"] == 1).astype("int64")
        df["down"] = (df["label"] == -1).astype("int64")
        df["retracted"] = (df["label"] == 0).astype("int64")
        df["total"] = 1
        out = (df.set_index("time")[["up", "down", "retracted", "total"]]
               .resample(freq).sum().astype("int64").reset_index())
        out["cumulative"] = out["total"].cumsum()
        return out[cols]

    # ----------------------------------------------------------------- hub sync

    def _start_sync(self, repo: str) -> None:
        """Periodic JSONL snapshot to a Hugging Face dataset repo; failures are logged."""
        try:
            minutes = float(os.environ.get(ENV_SYNC_MINUTES, "") or 5)
            self._scheduler = _make_scheduler(self, repo, minutes)
            logger.info("feedback labels sync to %s every %s min", repo, minutes)
        except Exception as exc:  # never block or lose local labels
            logger.warning("label sync to %s is off: %s", repo, exc)
            self._scheduler = None

    def write_snapshot(self, folder: str | Path) -> int:
        """Export ``labels.jsonl`` (+ images/) into ``folder``; what the hub sync pushes."""
        return self.export(Path(folder) / "labels.jsonl", "jsonl")


def _same(a: Label, b: Label) -> bool:
    da, db = a.to_dict(), b.to_dict()
    da.pop("image_path")
    db.pop("image_path")
    return da == db


def _make_scheduler(store: FeedbackStore, repo: str, minutes: float):
    from huggingface_hub import CommitScheduler  # noqa: PLC0415

    class _SnapshotScheduler(CommitScheduler):
        def push_to_hub(self):  # runs in the scheduler's thread
            try:
                with self.lock:
                    store.write_snapshot(self.folder_path)
                return super().push_to_hub()
            except Exception as exc:
                logger.warning("label sync to %s failed: %s", repo, exc)
                return None

    folder = store.path.parent / "hub_sync"
    return _SnapshotScheduler(repo_id=repo, repo_type="dataset", folder_path=folder,
                              every=minutes, private=True)


# --------------------------------------------------------------------------- files


def _parquet_schema():
    import pyarrow as pa  # noqa: PLC0415

    return pa.schema([
        ("label_id", pa.string()),
        ("session_id", pa.string()),
        ("annotator", pa.string()),
        ("created_at", pa.string()),
        ("model_version", pa.string()),
        ("catalog_id", pa.string()),
        ("turns", pa.list_(pa.string())),
        ("image_sha256", pa.string()),
        ("image_path", pa.string()),
        ("item_id", pa.string()),
        ("rank", pa.int64()),
        ("score", pa.float64()),
        ("alpha", pa.float64()),
        ("target", pa.string()),
        ("label", pa.int64()),
    ])


def _write_parquet(out: Path, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pa.Table.from_pylist(rows, schema=_parquet_schema())
    buf = pa.BufferOutputStream()
    pq.write_table(table, buf)
    _atomic_write(out, buf.getvalue().to_pybytes())


def _read_rows(src: Path, fmt: str) -> list[dict[str, Any]]:
    if fmt == "jsonl":
        rows = []
        with src.open("r", encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise FeedbackError(f"{src.name} line {n}: not JSON ({exc.msg})") from None
        return rows
    if fmt == "csv":
        with src.open("r", encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in ("label_id", "label") if c not in (reader.fieldnames or [])]
            if missing:
                raise FeedbackError(f"{src.name}: missing column(s) {', '.join(missing)}")
            return [dict(r) for r in reader]
    import pyarrow.parquet as pq  # noqa: PLC0415

    return pq.read_table(src).to_pylist()


# --------------------------------------------------------------------------- agreement


def krippendorff_alpha_nominal(data: Any) -> float | None:
    """Krippendorff's alpha for nominal data.

    ``data`` is a raters x units matrix (list of lists or array) of category codes with
    ``None``/NaN for a missing rating; units rated by fewer than two raters are ignored.
    Returns None when alpha is undefined (fewer than two pairable values, or a single
    category used throughout).
    """
    import numpy as np  # noqa: PLC0415

    arr = np.array(
        [[np.nan if v is None else float(v) for v in row] for row in data], dtype=float
    )
    if arr.ndim != 2 or arr.size == 0:
        return None
    cats = np.unique(arr[~np.isnan(arr)])
    if cats.size == 0:
        return None
    # counts[u, c]: how many raters gave unit u category c
    counts = np.stack([(arr == c).sum(axis=0) for c in cats], axis=1).astype(float)
    m = counts.sum(axis=1)
    counts = counts[m >= 2]
    m = m[m >= 2]
    if counts.shape[0] == 0:
        return None
    # coincidence matrix o[c, k] = sum_u (n_uc n_uk - [c=k] n_uc) / (m_u - 1)
    weighted = counts / (m - 1)[:, None]
    o = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n <= 1:
        return None
    disagree_obs = o.sum() - np.trace(o)
    disagree_exp = (n_c.sum() ** 2 - (n_c ** 2).sum()) / (n - 1)
    if disagree_exp == 0:
        return None
    return float(1.0 - disagree_obs / disagree_exp)


def fleiss_kappa(counts: Any) -> float | None:
    """Fleiss' kappa from a units x categories count table; rows may have different
    numbers of raters (each ≥ 2; others are dropped).  None when undefined."""
    import numpy as np  # noqa: PLC0415

    c = np.asarray(counts, dtype=float)
    if c.ndim != 2 or c.size == 0:
        return None
    n = c.sum(axis=1)
    c, n = c[n >= 2], n[n >= 2]
    if c.shape[0] == 0:
        return None
    p_i = ((c ** 2).sum(axis=1) - n) / (n * (n - 1))
    p_bar = p_i.mean()
    p_j = c.sum(axis=0) / n.sum()
    p_e = (p_j ** 2).sum()
    if p_e >= 1.0:
        return None
    return float((p_bar - p_e) / (1.0 - p_e))


def percent_agreement(counts: Any) -> float | None:
    """Mean share of agreeing rater pairs per unit (units x categories counts)."""
    import numpy as np  # noqa: PLC0415

    c = np.asarray(counts, dtype=float)
    if c.ndim != 2 or c.size == 0:
        return None
    n = c.sum(axis=1)
    c, n = c[n >= 2], n[n >= 2]
    if c.shape[0] == 0:
        return None
    return float((((c ** 2).sum(axis=1) - n) / (n * (n - 1))).mean())


def agreement(units: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Agreement block of :meth:`FeedbackStore.stats` from ``{unit: {annotator: label}}``."""
    annotators = sorted({a for r in units.values() for a in r})
    out: dict[str, Any] = {
        "items_overlapping": len(units),
        "annotators": len(annotators),
        "krippendorff_alpha": None,
        "fleiss_kappa": None,
        "percent_agreement": None,
    }
    if not units:
        return out
    idx = {a: i for i, a in enumerate(annotators)}
    items = sorted(units)
    matrix: list[list[float | None]] = [[None] * len(items) for _ in annotators]
    counts = []
    for j, item in enumerate(items):
        row = [0, 0]
        for a, v in units[item].items():
            matrix[idx[a]][j] = v
            row[0 if v == 1 else 1] += 1
        counts.append(row)
    out["krippendorff_alpha"] = _round(krippendorff_alpha_nominal(matrix))
    out["fleiss_kappa"] = _round(fleiss_kappa(counts))
    out["percent_agreement"] = _round(percent_agreement(counts))
    return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 6)

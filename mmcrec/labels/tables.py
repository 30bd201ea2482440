"""The label store's tables, described once: the SQLite DDL, the PostgreSQL DDL and both
backends' migrations are written from here (sqlite.py, postgres.py run what :func:`migration`
returns; how each keeps its schema version is its own business).

A column has a portable type (a key of :attr:`Dialect.types`); a table has its primary key and its
indexes.  :data:`MIGRATIONS` is the history: the steps that bring a database from version i to
i + 1.  A :class:`CreateTable` step creates a table as it was at that version (without the columns
a later :class:`AddColumn` step adds), so a database created long ago and one created today end
with the same tables.  Only the standard library is imported.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

from ..clock import utc_now


@dataclass(frozen=True)
class Column:
    name: str
    #: a key of Dialect.types, or "serial": an auto-numbered primary key
    type: str
    nullable: bool = False
    #: an SQL literal, the same on every backend
    default: str | None = None
    #: text that is compared or sorted: byte order on every backend (PostgreSQL's locale otherwise)
    ordered: bool = False


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[Index, ...] = ()
    #: the backends that have it
    backends: tuple[str, ...] = ("sqlite", "postgresql")

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def index(self, name: str) -> Index:
        return next(i for i in self.indexes if i.name == name)


@dataclass(frozen=True)
class Dialect:
    """How one backend spells the description."""

    name: str
    #: portable type -> the backend's column type
    types: dict[str, str]
    #: the column definition after the name of a "serial" column (the primary key)
    serial: str
    #: after the type of an ordered text column
    byte_order: str
    #: the statement that adds a column, with {table} and {column} (its definition)
    add_column: str
    #: the driver's parameter marker
    placeholder: str


SQLITE = Dialect(
    name="sqlite",
    types={"text": "TEXT", "json": "TEXT", "int16": "INTEGER", "int32": "INTEGER", "int64": "INTEGER",
           "float64": "REAL", "bytes": "BLOB"},
    serial="INTEGER PRIMARY KEY AUTOINCREMENT",
    byte_order="",  # SQLite compares text as bytes unless told otherwise
    add_column="ALTER TABLE {table} ADD COLUMN {column}",  # SQLite has no ADD COLUMN IF NOT EXISTS
    placeholder="?",
)
POSTGRESQL = Dialect(
    name="postgresql",
    types={"text": "TEXT", "json": "JSONB", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT",
           "float64": "DOUBLE PRECISION", "bytes": "BYTEA"},
    serial="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    byte_order=' COLLATE "C"',
    add_column="ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column}",
    placeholder="%s",
)


def _text(name: str, *, default: str | None = "''", ordered: bool = False) -> Column:
    """A NOT NULL text column, '' by default (default=None: it must be given)."""
    return Column(name, "text", default=default, ordered=ordered)


_LABELS = Table(
    "labels",
    (
        Column("label_id", "text", ordered=True),
        _text("session_id", ordered=True),
        _text("annotator", ordered=True),
        _text("created_at", default=None, ordered=True),
        _text("model_version"),
        _text("catalog_id"),
        Column("turns", "json", default="'[]'"),
        _text("image_sha256"),
        _text("image_path"),
        _text("item_id", ordered=True),
        Column("rank", "int64", nullable=True),
        Column("score", "float64", nullable=True),
        Column("alpha", "float64", nullable=True),
        _text("target", default=None),
        Column("label", "int16"),
        _text("placed_by"),
        Column("image_turn", "int32", nullable=True),
    ),
    primary_key=("label_id",),
    indexes=(Index("labels_annotator", ("annotator", "session_id")), Index("labels_item", ("item_id",))),
)
_EVENTS = Table(
    "events",
    (
        Column("event_id", "serial"),
        _text("label_id", default=None, ordered=True),
        Column("label", "int16"),
        _text("created_at", default=None, ordered=True),
        _text("recorded_at", default=None),
        _text("annotator"),
        _text("session_id"),
        _text("target"),
        _text("item_id"),
        _text("source", default="'record'"),
    ),
    primary_key=("event_id",),
    indexes=(Index("events_label", ("label_id",)), Index("events_time", ("created_at",))),
)
# the bytes of every image a label refers to, so any replica can export or train on labels another
# one took; a SQLite store keeps them only in the folder beside its file
_IMAGES = Table(
    "images",
    (
        Column("sha256", "text", ordered=True),
        _text("file_name", default=None),
        Column("data", "bytes"),
        _text("stored_at", default=None),
    ),
    primary_key=("sha256",),
    backends=("postgresql",),
)
# annotation campaigns (campaigns.py).  Times that are compared (claims, their expiry) are epoch
# seconds; the rest ISO 8601 text.
_CAMPAIGNS = Table(
    "campaigns",
    (
        Column("name", "text", ordered=True),
        _text("catalog_id"),
        Column("overlap", "int32"),
        Column("depth", "int32"),
        _text("pool", default="'[]'"),
        _text("guidelines"),
        _text("created_at", default=None, ordered=True),
        _text("created_by"),
    ),
    primary_key=("name",),
)
_CAMPAIGN_REQUESTS = Table(
    "campaign_requests",
    (
        _text("campaign", default=None, ordered=True),
        _text("request_id", default=None, ordered=True),
        Column("position", "int32"),
        _text("kind"),
        _text("turns", default="'[]'"),
        _text("image_sha256"),
        _text("image_path"),
        _text("items", default="'[]'"),
    ),
    primary_key=("campaign", "request_id"),
)
_CAMPAIGN_ASSIGNMENTS = Table(
    "campaign_assignments",
    (
        _text("campaign", default=None, ordered=True),
        _text("request_id", default=None, ordered=True),
        _text("annotator", default=None, ordered=True),
        _text("state", default=None),
        Column("claimed_at", "float64"),
        Column("last_at", "float64"),
        Column("expires_at", "float64"),
        _text("finished_at"),
        _text("reason"),
    ),
    primary_key=("campaign", "request_id", "annotator"),
    indexes=(Index("campaign_assignments_annotator", ("campaign", "annotator")),),
)
_CAMPAIGN_JUDGEMENTS = Table(
    "campaign_judgements",
    (
        _text("campaign", default=None, ordered=True),
        _text("request_id", default=None, ordered=True),
        _text("annotator", default=None, ordered=True),
        _text("item_id", default=None, ordered=True),
        Column("grade", "int32"),
        _text("created_at", default=None, ordered=True),
        Column("elapsed_ms", "int64", nullable=True),
    ),
    primary_key=("campaign", "request_id", "annotator", "item_id"),
)
_CAMPAIGN_EVENTS = Table(
    "campaign_events",
    (
        Column("event_id", "serial"),
        _text("campaign", default=None, ordered=True),
        _text("request_id", default=None, ordered=True),
        _text("annotator", default=None, ordered=True),
        _text("item_id", ordered=True),
        Column("grade", "int32", nullable=True),
        _text("reason"),
        _text("created_at", default=None, ordered=True),
        Column("elapsed_ms", "int64", nullable=True),
    ),
    primary_key=("event_id",),
)

#: every table, as this mmcrec has them
TABLES: dict[str, Table] = {t.name: t for t in (_LABELS, _EVENTS, _IMAGES, _CAMPAIGNS, _CAMPAIGN_REQUESTS,
                                                _CAMPAIGN_ASSIGNMENTS, _CAMPAIGN_JUDGEMENTS, _CAMPAIGN_EVENTS)}


# --------------------------------------------------------------------------- migrations


@dataclass(frozen=True)
class CreateTable:
    table: str


@dataclass(frozen=True)
class AddColumn:
    table: str
    column: str


@dataclass(frozen=True)
class CreateIndex:
    table: str
    index: str


@dataclass(frozen=True)
class Statement:
    """Portable SQL with ``?`` markers, and its parameters (computed when it runs)."""

    sql: str
    params: Callable[[], tuple] = tuple


Step = Union[CreateTable, AddColumn, CreateIndex, Statement]

#: migration i (0-based) brings a database from version i to i + 1
MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    # v1: one row per label_id holding its current value
    (CreateTable("labels"),),
    # v2: append-only events, backfilled with one event per existing label; indexes for
    # per-annotator and per-item queries; the images labels refer to (PostgreSQL)
    (CreateTable("events"),
     Statement("INSERT INTO events (label_id, label, created_at, recorded_at, annotator, session_id,"
               " target, item_id, source)"
               " SELECT label_id, label, created_at, ?, annotator, session_id, target, item_id, 'migration'"
               " FROM labels ORDER BY created_at, label_id", lambda: (utc_now(),)),
     CreateIndex("events", "events_label"), CreateIndex("events", "events_time"),
     CreateIndex("labels", "labels_annotator"), CreateIndex("labels", "labels_item"),
     CreateTable("images")),
    # v3: annotation campaigns: the campaign, its pooled requests, who holds or finished which
    # request, the current grade per (request, annotator, item) and its history
    (CreateTable("campaigns"), CreateTable("campaign_requests"), CreateTable("campaign_assignments"),
     CreateTable("campaign_judgements"), CreateTable("campaign_events"),
     CreateIndex("campaign_assignments", "campaign_assignments_annotator")),
    # v4: the version that placed the item in an interleaved comparison ('' for labels taken before)
    (AddColumn("labels", "placed_by"),),
    # v5: the turn the image came with (NULL for labels taken before)
    (AddColumn("labels", "image_turn"),),
)

#: the version of the tables as this mmcrec writes them; every backend migrates to it
SCHEMA_VERSION = len(MIGRATIONS)


def _added_later(table: str, version: int) -> set[str]:
    """Columns of ``table`` that steps after ``version`` add."""
    return {s.column for steps in MIGRATIONS[version:] for s in steps
            if isinstance(s, AddColumn) and s.table == table}


def column_sql(dialect: Dialect, table: Table, column: Column) -> str:
    """``name TYPE ...`` of one column."""
    if column.type == "serial":
        return f"{column.name} {dialect.serial}"
    parts = [column.name, dialect.types[column.type] + (dialect.byte_order if column.ordered else "")]
    if table.primary_key == (column.name,):
        parts.append("PRIMARY KEY")
    elif not column.nullable:
        parts.append("NOT NULL")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    return " ".join(parts)


def create_table_sql(dialect: Dialect, table: Table, version: int = SCHEMA_VERSION) -> str:
    """``CREATE TABLE IF NOT EXISTS`` of ``table`` as it was at ``version``."""
    later = _added_later(table.name, version)
    lines = [column_sql(dialect, table, c) for c in table.columns if c.name not in later]
    if len(table.primary_key) > 1:
        lines.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
    return f"CREATE TABLE IF NOT EXISTS {table.name} (\n    " + ",\n    ".join(lines) + "\n)"


def _step_sql(dialect: Dialect, step: Step, version: int) -> tuple[str, tuple] | None:
    if isinstance(step, Statement):
        return step.sql.replace("?", dialect.placeholder), step.params()
    table = TABLES[step.table]
    if dialect.name not in table.backends:
        return None
    if isinstance(step, CreateTable):
        return create_table_sql(dialect, table, version), ()
    if isinstance(step, AddColumn):
        return dialect.add_column.format(table=table.name,
                                         column=column_sql(dialect, table, table.column(step.column))), ()
    index = table.index(step.index)
    return f"CREATE INDEX IF NOT EXISTS {index.name} ON {table.name}({', '.join(index.columns)})", ()


def migration(dialect: Dialect, version: int) -> list[tuple[str, tuple]]:
    """The statements (SQL, parameters) that bring a database from ``version`` to ``version + 1``."""
    found = (_step_sql(dialect, step, version + 1) for step in MIGRATIONS[version])
    return [s for s in found if s is not None]


def tables_of(dialect: Dialect) -> list[Table]:
    """The tables a backend has."""
    return [t for t in TABLES.values() if dialect.name in t.backends]

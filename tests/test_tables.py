"""One description of the label store's tables (mmcrec/labels/tables.py) for both backends: SQLite and
PostgreSQL create the same tables, columns, keys and indexes from it, and a database an older mmcrec
wrote migrates to them."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from mmcrec.labels import SCHEMA_VERSION, Label, open_store
from mmcrec.labels import tables
from mmcrec.labels.schema import EVENT_FIELDS, FIELDS

V4 = Path(__file__).resolve().parent / "data" / "labels_schema_v4"


def sqlite_shape(path: Path) -> dict[str, dict]:
    """{table: {"columns": [(name, type, not null, default)], "primary_key": [...], "indexes": {...}}}
    as SQLite reports them."""
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        shape = {}
        for t in names:
            info = con.execute(f"PRAGMA table_info({t})").fetchall()  # cid, name, type, notnull, default, pk
            indexes = {}
            for _, name, _, origin, _ in con.execute(f"PRAGMA index_list({t})").fetchall():
                if origin == "c":  # made by CREATE INDEX, not by a key
                    indexes[name] = tuple(r[2] for r in con.execute(f"PRAGMA index_info({name})"))
            shape[t] = {"columns": [(r[1], r[2], bool(r[3] or r[5]), r[4]) for r in info],
                        "primary_key": [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]],
                        "indexes": indexes}
        return shape
    finally:
        con.close()


def postgres_shape(url: str) -> dict[str, dict]:
    """The same as PostgreSQL's catalog reports it (the schema-version bookkeeping left out); a
    column's type is (type, collation)."""
    import psycopg

    with psycopg.connect(url) as con:
        cols = con.execute(
            "SELECT table_name, column_name, upper(data_type), is_nullable = 'NO', column_default,"
            " collation_name, is_identity = 'YES' FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name <> 'mmcrec_schema'"
            " ORDER BY table_name, ordinal_position").fetchall()
        keys = con.execute(
            "SELECT tc.table_name, k.column_name FROM information_schema.table_constraints tc"
            " JOIN information_schema.key_column_usage k"
            "   ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema"
            " WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()"
            " ORDER BY tc.table_name, k.ordinal_position").fetchall()
        indexes = con.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND indexname NOT LIKE '%\\_pkey'").fetchall()
    shape: dict[str, dict] = {}
    for table, name, type_, not_null, default, collation, identity in cols:
        t = shape.setdefault(table, {"columns": [], "primary_key": [], "indexes": {}})
        t["columns"].append((name, (type_, collation, identity), not_null, default))
    for table, name in keys:
        shape[table]["primary_key"].append(name)
    for table, name, definition in indexes:
        columns = re.search(r"\((.*)\)\s*$", definition).group(1)
        shape[table]["indexes"][name] = tuple(c.strip() for c in columns.split(","))
    return shape


def portable(shape: dict[str, dict]) -> dict[str, dict]:
    """What both backends must agree on: names, order, NOT NULL, defaults (PostgreSQL's ``::text``
    casts dropped), keys and indexes; types are checked against the description apart."""
    def default(d):
        return None if d is None else re.sub(r"::[a-z ]+$", "", d)

    return {t: {"columns": [(n, nn, default(d)) for n, _, nn, d in s["columns"]],
                "primary_key": s["primary_key"], "indexes": s["indexes"]}
            for t, s in shape.items()}


def check_types(shape: dict[str, dict], dialect: tables.Dialect) -> None:
    """Each column has the type the description gives it, as ``dialect`` spells it."""
    for name, s in shape.items():
        table = tables.TABLES[name]
        for column, type_, _, _ in s["columns"]:
            col = table.column(column)
            if dialect is tables.SQLITE:
                assert type_ == ("INTEGER" if col.type == "serial" else dialect.types[col.type]), (name, column)
            else:
                spelled, collation, identity = type_
                assert identity == (col.type == "serial"), (name, column)
                assert spelled == ("BIGINT" if col.type == "serial" else dialect.types[col.type]), (name, column)
                assert (collation == "C") == col.ordered, (name, column, collation)


def test_the_description_is_what_the_contract_names():
    assert [c.name for c in tables.TABLES["labels"].columns] == list(FIELDS)
    assert [c.name for c in tables.TABLES["events"].columns] == list(EVENT_FIELDS)
    assert SCHEMA_VERSION == len(tables.MIGRATIONS) == 5
    # every table, column and index is made by exactly one migration step
    made = [(s.table, None) for m in tables.MIGRATIONS for s in m if isinstance(s, tables.CreateTable)]
    added = [(s.table, s.column) for m in tables.MIGRATIONS for s in m if isinstance(s, tables.AddColumn)]
    indexed = [(s.table, s.index) for m in tables.MIGRATIONS for s in m if isinstance(s, tables.CreateIndex)]
    assert sorted(t for t, _ in made) == sorted(tables.TABLES)
    assert len(set(added)) == len(added) and len(set(indexed)) == len(indexed)
    assert sorted(indexed) == sorted((t.name, i.name) for t in tables.TABLES.values() for i in t.indexes)


def test_both_backends_create_the_same_tables(postgres, tmp_path):
    db = tmp_path / "labels.sqlite"
    open_store(db).close()
    url = postgres.create_schema()
    open_store(url, images_dir=tmp_path / "images").close()
    lite, pg = sqlite_shape(db), postgres_shape(url)

    assert set(lite) == {t.name for t in tables.tables_of(tables.SQLITE)}
    assert set(pg) == {t.name for t in tables.tables_of(tables.POSTGRESQL)}
    assert set(pg) - set(lite) == {"images"}  # SQLite keeps images in the folder beside its file
    del pg["images"]
    assert portable(lite) == portable(pg)
    for name, s in lite.items():
        assert [c[0] for c in s["columns"]] == [c.name for c in tables.TABLES[name].columns]
    check_types(lite, tables.SQLITE)
    check_types(pg, tables.POSTGRESQL)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_database_of_the_previous_version_migrates(backend, request, tmp_path):
    """tests/data/labels_schema_v4: the tables as the code before tables.py created them (v4, no
    labels.image_turn yet), with two labels.  Opened now, it gains what v5 adds, keeps its labels
    and events, and ends with the tables a new database has."""
    sql = (V4 / f"{backend}.sql").read_text()
    if backend == "sqlite":
        where, fresh = tmp_path / "old" / "labels.sqlite", tmp_path / "new" / "labels.sqlite"
        where.parent.mkdir()
        con = sqlite3.connect(where)
        con.executescript(sql)
        con.close()
        shape = sqlite_shape
    else:
        import psycopg

        postgres = request.getfixturevalue("postgres")
        where, fresh = postgres.create_schema(), postgres.create_schema()
        with psycopg.connect(where, autocommit=True) as con:
            con.execute(sql)
        shape = postgres_shape
    options = {} if backend == "sqlite" else {"images_dir": tmp_path / "images"}

    s = open_store(where, **options)
    try:
        assert s.schema_version == SCHEMA_VERSION
        old = s.get("old1")
        assert (old.turns, old.placed_by, old.image_turn, old.rank) == (["blue dress"], "v2", None, 1)
        assert s.get("old2").score is None and s.count() == 2
        assert [(e["label_id"], e["source"]) for e in s.events()] == [("old1", "record"), ("old2", "record")]
        s.record(Label(session_id="s1", annotator="ann", turns=["like this"], item_id="i2", label=1,
                       image_turn=0))
        assert [lab.image_turn for lab in s.labels()] == [None, None, 0]
        assert len(s.events()) == 3  # the new label, and no backfill of the old ones again
    finally:
        s.close()
    open_store(fresh, **options).close()
    assert shape(where) == shape(fresh)  # types, collations and defaults included

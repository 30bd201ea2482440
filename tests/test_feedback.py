"""Tests of the label store on both backends — real SQLite files and a real PostgreSQL server
(tests/pg_support.py), real processes, no mocks.  Every test taking ``store`` or ``new_store``
runs once per backend, each time on a fresh database (SQLite file) or schema (PostgreSQL)."""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import helpers_feedback  # noqa: E402
from mmcrec.labels import (  # noqa: E402
    SCHEMA_VERSION,
    FeedbackError,
    Label,
    LabelStore,
    SQLiteLabelStore,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    make_label_id,
    open_store,
)
from mmcrec.paths import default_labels_db  # noqa: E402

PNG = helpers_feedback.shared_image(42)
PNG_SHA = hashlib.sha256(PNG).hexdigest()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture()
def locations(request, backend, tmp_path):
    """``where(name)``: a fresh place for a store on this test's backend (a file path, or a URL
    of a new schema), and the options that keep its images under tmp_path."""
    def where(name: str = "db") -> tuple[str, dict]:
        if backend == "sqlite":
            return str(tmp_path / name / "labels.sqlite"), {}
        url = request.getfixturevalue("postgres").create_schema()
        return url, {"images_dir": tmp_path / name / "images"}

    return where


@pytest.fixture()
def new_store(locations):
    """``make(name, **options)``: a new, empty store on this test's backend; closed afterwards."""
    made: list[LabelStore] = []

    def make(name: str = "db", **options) -> LabelStore:
        where, defaults = locations(name)
        s = open_store(where, **{**defaults, **options})
        s.test_location = where  # what raw_rows connects to
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture()
def store(new_store) -> LabelStore:
    return new_store("db")


def raw_rows(store: LabelStore, sql: str) -> list[tuple]:
    """``sql`` run on the store's database through a connection of its own."""
    if isinstance(store, SQLiteLabelStore):
        con = sqlite3.connect(store.path)
        try:
            return [tuple(r) for r in con.execute(sql).fetchall()]
        finally:
            con.close()
    import psycopg

    with psycopg.connect(store.test_location) as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def item_label(annotator="ann", item="i1", label=1, session="s1", turns=("red shoes",), **kw):
    return Label(session_id=session, annotator=annotator, turns=list(turns), item_id=item,
                 label=label, **kw)


def comparable(d: dict) -> dict:
    d = dict(d)
    d.pop("image_path")
    return d


# ----------------------------------------------------------------------------- basics


def test_make_label_id_is_stable():
    a = make_label_id("s", "ann", "item", "i1", ["a", "b"])
    assert a == make_label_id("s", "ann", "item", "i1", ["a", "b"])
    assert a == make_label_id("s", " ann ", "item", "i1", ("a", "b"))
    assert len(a) == 32 and int(a, 16) >= 0
    assert make_label_id("s", "ann", "reply", 3, ["a"]) == make_label_id("s", "ann", "reply", "3", ["a"])
    others = {
        make_label_id("s2", "ann", "item", "i1", ["a", "b"]),
        make_label_id("s", "bob", "item", "i1", ["a", "b"]),
        make_label_id("s", "ann", "reply", "i1", ["a", "b"]),
        make_label_id("s", "ann", "item", "i2", ["a", "b"]),
        make_label_id("s", "ann", "item", "i1", ["a"]),
        make_label_id("s", "ann", "item", "i1", ["a,b"]),
        make_label_id("s", "ann", "item", "i1", ["a", "b"], image_sha256=PNG_SHA),
    }
    assert a not in others and len(others) == 7


def test_default_db_path(monkeypatch, tmp_path):
    """Labels land under one data root whatever the current directory is."""
    monkeypatch.delenv("MMCREC_FEEDBACK_DB", raising=False)
    monkeypatch.delenv("MMCREC_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Path(default_labels_db()) == ROOT / "feedback" / "labels.sqlite"
    monkeypatch.setenv("MMCREC_DATA_DIR", str(tmp_path / "data"))
    assert Path(default_labels_db()) == tmp_path / "data" / "feedback" / "labels.sqlite"
    monkeypatch.setenv("MMCREC_FEEDBACK_DB", str(tmp_path / "x" / "l.sqlite"))
    assert Path(default_labels_db()) == tmp_path / "x" / "l.sqlite"
    s = open_store()
    try:
        assert s.path == tmp_path / "x" / "l.sqlite"
        assert s.path.is_file()
    finally:
        s.close()


@pytest.mark.parametrize("url", ["mysql://u@127.0.0.1/labels", "sqlite:///labels.sqlite",
                                 "redis://127.0.0.1:6379/0"])
def test_a_database_url_is_never_a_file_name(tmp_path, monkeypatch, url):
    """--db / MMCREC_FEEDBACK_DB with a URL of a scheme no store speaks: one clear error, and
    no SQLite file named after the URL appears anywhere."""
    monkeypatch.chdir(tmp_path)
    scheme = url.split("://")[0]
    with pytest.raises(FeedbackError, match=f"unsupported label store URL scheme {scheme}://"):
        open_store(url)
    monkeypatch.setenv("MMCREC_FEEDBACK_DB", url)
    with pytest.raises(FeedbackError, match="unsupported label store URL"):
        open_store()
    with pytest.raises(FeedbackError, match="is a database URL, not a SQLite file"):
        SQLiteLabelStore(url)
    assert list(tmp_path.iterdir()) == []


def test_sqlite_is_wal_and_versioned(tmp_path):
    s = open_store(tmp_path / "db" / "labels.sqlite")
    s.close()
    con = sqlite3.connect(tmp_path / "db" / "labels.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


def test_record_fills_fields(store):
    assert store.schema_version == SCHEMA_VERSION
    lab = store.record(item_label(rank=2, score=0.75, alpha=0.3, model_version="m1",
                                  catalog_id="demo"), image_bytes=PNG)
    assert lab.label_id == make_label_id("s1", "ann", "item", "i1", ["red shoes"])
    assert lab.created_at.endswith("Z") and "T" in lab.created_at
    assert lab.image_sha256 == PNG_SHA
    assert Path(lab.image_path) == store.images_dir / f"{PNG_SHA}.png"
    assert Path(lab.image_path).read_bytes() == PNG
    assert store.get(lab.label_id) == lab
    assert store.get("nope") is None
    # visible to another connection right away (committed before record() returned)
    assert raw_rows(store, "SELECT label, rank, score FROM labels") == [(1, 2, 0.75)]
    reply = store.record(Label(session_id="s1", annotator="ann", turns=["red shoes"],
                               target="reply", rank=0, label=-1))
    assert reply.label_id == make_label_id("s1", "ann", "reply", 0, ["red shoes"])
    assert reply.item_id == "" and reply.image_sha256 == "" and reply.image_path == ""
    assert Label.from_dict(lab.to_dict()) == lab


def test_double_delivery_and_retraction(store):
    first = store.record(item_label(rank=1, score=0.9), image_bytes=PNG)
    again = store.record(item_label(rank=1, score=0.9), image_bytes=PNG)  # retry / double click
    assert again == first
    assert store.count() == 1 and len(store.events()) == 1
    retracted = store.record(item_label(label=0))
    assert retracted.label_id == first.label_id and retracted.label == 0
    # what the retraction left empty is kept from the current value
    assert retracted.rank == 1 and retracted.score == 0.9 and retracted.image_sha256 == PNG_SHA
    store.record(item_label(label=0))  # duplicate retraction: no new event
    assert store.count() == 1
    assert store.get(first.label_id).label == 0
    hist = store.events(first.label_id)
    assert [e["label"] for e in hist] == [1, 0]
    assert all(e["source"] == "record" for e in hist)
    s = store.stats()
    assert s["total"] == 1
    assert s["by_label"] == {"1": 0, "-1": 0, "0": 1}
    assert s["by_item"] == {"i1": {"up": 0, "down": 0}}
    assert store.labels(include_retracted=False) == []
    # a new click after the retraction is a new event on the same label
    store.record(item_label(label=-1))
    assert [e["label"] for e in store.events(first.label_id)] == [1, 0, -1]
    assert store.retract(first.label_id).label == 0
    assert [e["label"] for e in store.events()] == [1, 0, -1, 0]
    with pytest.raises(FeedbackError):
        store.retract("missing")


def test_labels_for_and_filters(store):
    a1 = store.record(item_label("alice", "i1", session="s1"))
    a2 = store.record(item_label("alice", "i2", session="s2", label=-1))
    store.record(item_label("bob", "i1", session="s1"))
    assert set(store.labels_for("alice")) == {a1.label_id, a2.label_id}
    assert store.labels_for("alice", "s2") == {a2.label_id: a2}
    assert store.labels_for("carol") == {}
    store.record(item_label("alice", "i2", session="s2", label=0))
    assert store.labels_for("alice", "s2")[a2.label_id].label == 0
    assert store.labels_for("alice", "s2", include_retracted=False) == {}
    assert [lab.annotator for lab in store.labels(annotator="bob")] == ["bob"]
    assert len(store.labels()) == 3


def test_threads_share_one_store(store):
    errors = []

    def work(t):
        try:
            for i in range(25):
                lab = item_label(f"t{t}", f"item{i}", session=f"th{t}")
                store.record(lab)
                store.record(lab)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert store.count() == 200 and len(store.events()) == 200


# ----------------------------------------------------------------------------- validation

BAD = {
    "label not in -1/0/1": (dict(label=2), {}),
    "label is text": (dict(label="1"), {}),
    "label is bool": (dict(label=True), {}),
    "bad target": (dict(target="product"), {}),
    "item target without item_id": (dict(item=""), {}),
    "unknown item": (dict(item="ghost"), {"known_items": {"i1", "i2"}}),
    "bad created_at": (dict(created_at="yesterday"), {}),
    "bad rank": (dict(rank="first"), {}),
    "sha does not match the bytes": (dict(image_sha256="0" * 64), {"image_bytes": PNG}),
    "sha of an image the store does not have": (dict(image_sha256="1" * 64), {}),
    "missing image file": (dict(image_path="/nonexistent/x.png"), {}),
    "image_turn past the turns": (dict(image_turn=1), {"image_bytes": PNG}),
    "negative image_turn": (dict(image_turn=-1), {"image_bytes": PNG}),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_and_writes_nothing(store, case):
    fields, kwargs = BAD[case]
    fields = dict(fields)
    label = item_label(**{k: fields.pop(k) for k in ("label", "item") if k in fields}, **fields)
    if "image_bytes" not in kwargs and case.startswith("sha does"):
        kwargs["image_bytes"] = PNG
    with pytest.raises(FeedbackError):
        store.record(label, **kwargs)
    assert store.count() == 0 and store.events() == []
    assert not store.images_dir.exists() or not any(store.images_dir.iterdir())
    assert isinstance(FeedbackError("x"), ValueError)


def test_require_annotator(new_store):
    s = new_store("l", require_annotator=True)
    for who in ("", "   "):
        with pytest.raises(FeedbackError, match="annotator"):
            s.record(item_label(who), image_bytes=PNG)
    assert s.count() == 0 and not s.images_dir.exists()
    assert s.record(item_label("ann"), known_items={"i1"}).annotator == "ann"


def test_known_items_allows_replies(store):
    lab = store.record(Label(session_id="s", annotator="a", turns=["x"], target="reply", rank=1),
                       known_items={"i1"})
    assert lab.target == "reply"


# ----------------------------------------------------------------------------- export / import


def _fill(store: LabelStore) -> list[Label]:
    out = [
        store.record(item_label("alice", "i1", rank=1, score=0.91, alpha=0.25, model_version="m1",
                                catalog_id="demo", placed_by="v2", image_turn=0), image_bytes=PNG),
        store.record(item_label("bob", "007", label=-1, rank=3, score=-0.125, alpha=0.5,
                                turns=["a, \"quoted\" turn", "ünïcode ✓\nsecond line", ""])),
        store.record(Label(session_id="s9", annotator="carol", turns=["hi"], target="reply",
                           rank=0, label=1, created_at="2024-01-02T03:04:05+02:00")),
        store.record(item_label("dave", "i2", turns=[])),
    ]
    out[3] = store.record(item_label("dave", "i2", turns=[], label=0))
    return out


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_import_round_trip(tmp_path, store, new_store, fmt):
    sent = _fill(store)
    out = tmp_path / "export" / f"labels.{fmt}"
    assert store.export(out) == len(sent)
    img = out.parent / "images" / f"{PNG_SHA}.png"
    assert img.read_bytes() == PNG

    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    elif fmt == "csv":
        with out.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert all(isinstance(json.loads(r["turns"]), list) for r in rows)
    else:
        import pandas as pd
        import pyarrow.parquet as pq

        assert str(pq.read_schema(out).field("turns").type) == "list<element: string>"
        df = pd.read_parquet(out)
        by_id = {lab.label_id: lab for lab in sent}
        for _, r in df.iterrows():
            assert list(r["turns"]) == by_id[r["label_id"]].turns
        rows = df.to_dict("records")
    assert [r.get("label_id") for r in rows] == [lab.label_id for lab in store.labels()]
    with_image = [r for r in rows if r["image_sha256"]]
    assert [r["image_path"] for r in with_image] == [f"images/{PNG_SHA}.png"]
    assert all(not r["image_path"] for r in rows if not r["image_sha256"])
    assert list(rows[0]) == [
        "label_id", "session_id", "annotator", "created_at", "model_version", "catalog_id",
        "turns", "image_sha256", "image_path", "item_id", "rank", "score", "alpha", "target",
        "label", "placed_by", "image_turn"]
    assert [r["placed_by"] for r in rows if r["annotator"] == "alice"] == ["v2"]
    assert all(not r["placed_by"] for r in rows if r["annotator"] != "alice")

    # import into a fresh store, elsewhere: images come from next to the file
    other = new_store("other")
    assert other.import_file(out) == (len(sent), 0, 0)
    assert [comparable(lab.to_dict()) for lab in other.labels()] == \
        [comparable(lab.to_dict()) for lab in store.labels()]
    got = other.get(sent[0].label_id)
    assert Path(got.image_path).read_bytes() == PNG
    assert Path(got.image_path).parent == other.images_dir
    assert other.get(sent[1].label_id).item_id == "007"
    assert other.get(sent[0].label_id).placed_by == "v2" and other.get(sent[1].label_id).placed_by == ""
    assert other.get(sent[0].label_id).image_turn == 0 and other.get(sent[1].label_id).image_turn is None
    assert other.import_file(out) == (0, 0, len(sent))  # idempotent
    assert len(other.events()) == len(sent)
    assert {e["source"] for e in other.events()} == {"import"}
    assert other.stats() == store.stats()
    # and back into the store it came from: nothing changes
    n_events = len(store.events())
    assert store.import_file(out) == (0, 0, len(sent))
    assert len(store.events()) == n_events


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_files_without_placed_by_still_import(tmp_path, store, fmt):
    """A file written before placed_by existed (docs/contracts.md §4: optional) imports as before."""
    import pandas as pd

    rows = [{"label_id": "a", "session_id": "s", "annotator": "x", "created_at": "2024-01-01T00:00:00Z",
             "model_version": "v0", "catalog_id": "demo", "turns": ["t"], "image_sha256": "",
             "image_path": "", "item_id": "i1", "rank": 1, "score": 0.5, "alpha": 0.4, "target": "item",
             "label": 1}]
    src = tmp_path / f"old.{fmt}"
    if fmt == "jsonl":
        src.write_text(json.dumps(rows[0]) + "\n")
    elif fmt == "csv":
        pd.DataFrame([{**rows[0], "turns": json.dumps(rows[0]["turns"])}]).to_csv(src, index=False)
    else:
        pd.DataFrame(rows).to_parquet(src)
    assert store.import_file(src) == (1, 0, 0)
    got = store.get("a")
    assert got.placed_by == "" and got.image_turn is None and got.turns == ["t"] and got.rank == 1
    # a retraction sent without placed_by keeps the one stored
    first = store.record(item_label("y", "i2", session="s2", placed_by="v3"))
    again = store.record(item_label("y", "i2", session="s2", label=0))
    assert again.label_id == first.label_id and again.label == 0 and again.placed_by == "v3"


def test_import_updates_newer_and_skips_older(tmp_path, store):
    sent = _fill(store)
    out = tmp_path / "x.jsonl"
    store.export(out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    by = {r["annotator"]: r for r in rows}
    by["alice"]["label"] = -1
    by["alice"]["created_at"] = "2099-01-01T00:00:00Z"   # newer: wins
    by["bob"]["label"] = 1
    by["bob"]["created_at"] = "2000-01-01T00:00:00Z"   # older than what we have: skipped
    new = dict(by["alice"], label_id="fresh", item_id="i5")
    out.write_text("".join(json.dumps(r) + "\n" for r in rows + [new]))
    assert store.import_file(out) == (1, 1, len(sent) - 1)
    assert store.get(by["alice"]["label_id"]).label == -1
    assert store.get(by["bob"]["label_id"]).label == -1
    assert [e["label"] for e in store.events(by["alice"]["label_id"])] == [1, -1]
    assert store.get("fresh").item_id == "i5"
    assert store.import_file(out) == (0, 0, len(sent) + 1)


def test_import_bad_rows_writes_nothing(tmp_path, store):
    good = {"label_id": "a", "session_id": "s", "annotator": "x", "created_at": "2024-01-01T00:00:00Z",
            "turns": ["t"], "item_id": "i1", "target": "item", "label": 1}
    bad = [dict(good, label_id="b", label=5), dict(good, label_id="c", target="nope"),
           dict(good, label_id="d", image_path="images/missing.png"),
           dict(good, label_id="", label=1), dict(good, label_id="e", created_at=""),
           {k: v for k, v in good.items() if k != "label"}]
    src = tmp_path / "bad.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in [good] + bad))
    with pytest.raises(FeedbackError) as err:
        store.import_file(src)
    for n in (2, 3, 4, 5, 6, 7):
        assert f"row {n}" in str(err.value)
    assert store.count() == 0 and store.events() == []
    with pytest.raises(FeedbackError):
        store.import_file(tmp_path / "labels.txt")
    with pytest.raises(FeedbackError):
        store.export(tmp_path / "labels.xlsx")
    (tmp_path / "broken.jsonl").write_text("{not json\n")
    with pytest.raises(FeedbackError):
        store.import_file(tmp_path / "broken.jsonl")


def test_export_format_option_overrides_extension(tmp_path, store, new_store):
    _fill(store)
    out = tmp_path / "dump.data"
    assert store.export(out, "csv") == 4
    assert out.read_text().startswith("label_id,session_id")
    assert new_store("o").import_file(out, "csv") == (4, 0, 0)


# ----------------------------------------------------------------------------- migration


V1_SQL = """
CREATE TABLE labels (
    label_id TEXT PRIMARY KEY, session_id TEXT NOT NULL DEFAULT '', annotator TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, model_version TEXT NOT NULL DEFAULT '', catalog_id TEXT NOT NULL DEFAULT '',
    turns TEXT NOT NULL DEFAULT '[]', image_sha256 TEXT NOT NULL DEFAULT '',
    image_path TEXT NOT NULL DEFAULT '', item_id TEXT NOT NULL DEFAULT '', rank INTEGER, score REAL,
    alpha REAL, target TEXT NOT NULL, label INTEGER NOT NULL
);
PRAGMA user_version = 1;
"""


def test_v1_database_opens_with_current_code(tmp_path):
    db = tmp_path / "old" / "labels.sqlite"
    db.parent.mkdir()
    (db.parent / "images").mkdir()
    (db.parent / "images" / f"{PNG_SHA}.png").write_bytes(PNG)
    con = sqlite3.connect(db)  # a v1 database as an older mmcrec wrote it (rollback journal)
    con.executescript(V1_SQL)
    con.execute(
        "INSERT INTO labels VALUES ('old1','s','ann','2024-03-01T10:00:00.000000Z','m0','demo',"
        "'[\"blue dress\"]',?,?, 'i1', 1, 0.5, 0.4, 'item', 1)",
        (PNG_SHA, f"images/{PNG_SHA}.png"))
    con.execute(
        "INSERT INTO labels VALUES ('old2','s','bob','2024-03-01T11:00:00.000000Z','m0','demo',"
        "'[]','','', '', 0, NULL, NULL, 'reply', -1)")
    con.commit()
    con.close()

    s = open_store(db)
    try:
        assert s.schema_version == SCHEMA_VERSION == 5
        assert s.get("old1").placed_by == "" and s.get("old1").image_turn is None
        old = s.get("old1")
        assert old.turns == ["blue dress"] and old.rank == 1 and old.label == 1
        assert Path(old.image_path).read_bytes() == PNG
        assert s.get("old2").score is None
        ev = s.events()
        assert [(e["label_id"], e["label"], e["source"]) for e in ev] == [
            ("old1", 1, "migration"), ("old2", -1, "migration")]
        s.record(Label(label_id="old1", session_id="s", annotator="ann", turns=["blue dress"],
                       item_id="i1", label=0))
        assert [e["label"] for e in s.events("old1")] == [1, 0]
        assert s.stats()["by_label"] == {"1": 0, "-1": 1, "0": 1}
    finally:
        s.close()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"labels", "events"} <= tables
    con.close()
    open_store(db).close()  # opening again migrates nothing
    assert len(open_store(db).events()) == 3


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "new.sqlite"
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(FeedbackError, match="schema version"):
        open_store(db)
    with pytest.raises(FeedbackError, match="no feedback database"):
        open_store(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()
    (tmp_path / "junk.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(FeedbackError):
        open_store(tmp_path / "junk.sqlite")


# ----------------------------------------------------------------------------- stats


def test_krippendorff_alpha_textbook_examples():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C:
    # 4 observers, 12 units, missing values; nominal alpha = 0.743
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert krippendorff_alpha_nominal(data) == pytest.approx(0.743, abs=5e-4)
    # same paper, example A: two observers, binary data, alpha = 0.095
    a = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert krippendorff_alpha_nominal(a) == pytest.approx(0.095, abs=5e-4)
    # exact value of example A by hand: o = [[10, 4], [4, 2]], n = 20
    # alpha = 1 - (n - 1) * (4 + 4) / (2 * 14 * 6) = 1 - 19 * 8 / 168
    assert krippendorff_alpha_nominal(a) == pytest.approx(1 - 19 * 8 / 168)
    assert krippendorff_alpha_nominal([[1, 1], [1, 1]]) is None  # one category: undefined
    assert krippendorff_alpha_nominal([[1, 2], [1, 2]]) == pytest.approx(1.0)


def test_fleiss_kappa_wikipedia_example():
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
             [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
             [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    assert fleiss_kappa(table) == pytest.approx(0.210, abs=5e-4)


def test_stats_latest_values_and_agreement(store):
    r = store.record
    t = "2024-06-01T10:{:02d}:00Z".format
    r(item_label("x", "A", 1, created_at=t(0)))
    r(item_label("x", "A", 1, created_at=t(1)))  # double delivery
    r(item_label("x", "B", -1, session="s1", created_at=t(2)))
    r(item_label("x", "B", 1, session="s2", created_at=t(3)))  # x's latest opinion on B: +1
    r(item_label("x", "C", -1, created_at=t(4)))
    r(item_label("x", "D", 1, created_at=t(5)))  # only x: not overlapping
    r(item_label("y", "A", 1, created_at=t(6)))
    r(item_label("y", "B", -1, created_at=t(7)))
    r(item_label("y", "C", -1, created_at=t(8)))
    r(Label(session_id="s1", annotator="y", turns=["red shoes"], target="reply", rank=1,
            created_at=t(9)))
    r(item_label("z", "A", 1, created_at=t(10)))
    r(item_label("z", "B", 1, created_at=t(11)))
    r(item_label("z", "B", 0, created_at=t(12)))  # retracted: z does not count on B
    r(item_label("z", "C", 1, created_at=t(13)))
    s = store.stats()
    assert s["total"] == 12
    assert s["by_label"] == {"1": 7, "-1": 4, "0": 1}
    assert s["by_annotator"] == {"x": 5, "y": 4, "z": 3}
    assert s["by_item"] == {"A": {"up": 3, "down": 0}, "B": {"up": 1, "down": 2},
                            "C": {"up": 1, "down": 2}, "D": {"up": 1, "down": 0}}
    ag = s["agreement"]
    # units A {x:+,y:+,z:+}, B {x:+,y:-}, C {x:-,y:-,z:+}; by hand:
    # coincidences o[+,+]=3, o[+,-]=o[-,+]=2, o[-,-]=1; n+=5, n-=3, n=8
    # alpha = 1 - (8-1) * 4 / (2*5*3) = 1/15
    assert ag["items_overlapping"] == 3 and ag["annotators"] == 3
    assert ag["krippendorff_alpha"] == pytest.approx(1 / 15, abs=1e-6)
    assert ag["percent_agreement"] == pytest.approx((1 + 0 + 1 / 3) / 3, abs=1e-6)
    assert ag["fleiss_kappa"] == pytest.approx(-5 / 27, abs=1e-6)
    json.dumps(s)  # the CLI prints it as JSON


def test_timeline_counts_events(store):
    assert list(store.timeline().columns) == ["time", "up", "down", "retracted", "total",
                                               "cumulative"]
    assert len(store.timeline()) == 0
    store.record(item_label("a", "i1", 1, created_at="2024-06-01T10:05:00Z"))
    store.record(item_label("a", "i1", 0, created_at="2024-06-01T10:20:00Z"))
    store.record(item_label("b", "i1", -1, created_at="2024-06-01T12:59:00Z"))
    tl = store.timeline("h")
    assert tl["total"].tolist() == [2, 0, 1]
    assert tl["up"].tolist() == [1, 0, 0] and tl["retracted"].tolist() == [1, 0, 0]
    assert tl["down"].tolist() == [0, 0, 1] and tl["cumulative"].tolist() == [2, 2, 3]
    assert str(tl["time"].iloc[0]) == "2024-06-01 10:00:00+00:00"
    assert store.timeline("D")["total"].tolist() == [3]


# ----------------------------------------------------------------------------- hub sync


def test_hub_sync_off_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("MMCREC_LABELS_REPO", raising=False)
    s = open_store(tmp_path / "l.sqlite")
    try:
        assert s._scheduler is None
        s.record(item_label())
    finally:
        s.close()
    assert not (tmp_path / "hub_sync").exists()


def test_failing_hub_sync_never_blocks_labels(tmp_path):
    """With a repo set but the hub unreachable (a closed local port), the store logs the
    failure and records labels as usual."""
    code = (
        "import sys, logging; sys.path.insert(0, sys.argv[1]);"
        "logging.basicConfig(level=logging.WARNING);"
        "from mmcrec.labels import open_store, Label;"
        "s = open_store(sys.argv[2]);"
        "assert s._scheduler is None;"
        "lab = s.record(Label(session_id='s', annotator='a', turns=['t'], item_id='i1'));"
        "s.close();"
        "s = open_store(sys.argv[2]); assert s.get(lab.label_id).label == 1;"
        "s.write_snapshot(sys.argv[3]); print('OK')"
    )
    env = dict(os.environ, MMCREC_LABELS_REPO="someone/labels", HF_ENDPOINT="http://127.0.0.1:9",
               HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_ETAG_TIMEOUT="2", HF_HUB_DOWNLOAD_TIMEOUT="2")
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT), str(tmp_path / "l.sqlite"),
                           str(tmp_path / "snap")], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "OK"
    assert "label sync to someone/labels is off" in proc.stderr
    assert len((tmp_path / "snap" / "labels.jsonl").read_text().splitlines()) == 1


# ----------------------------------------------------------------------------- processes


def test_20_writer_processes(tmp_path, locations, monkeypatch):
    # the writers' own copies of images land under this data root; the reader below has another
    # folder, so on PostgreSQL the exported images come from the database
    monkeypatch.setenv("MMCREC_DATA_DIR", str(tmp_path / "data"))
    db, options = locations("fb")
    open_store(db, **options).close()
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=helpers_feedback.writer_worker, args=(db, w, 50, start))
             for w in range(20)]
    t0 = time.monotonic()
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * 20
    elapsed = time.monotonic() - t0

    sent = {}
    for w in range(20):
        for lab, image in helpers_feedback.planned_labels(w, 50):
            d = lab.to_dict()
            if image is not None:
                sha = hashlib.sha256(image).hexdigest()
                d["image_sha256"], d["image_path"] = sha, f"images/{sha}.png"
            sent[lab.label_id] = d
    assert len(sent) == 1000

    s = open_store(db, **options)
    try:
        if isinstance(s, SQLiteLabelStore):
            assert s.integrity_check() == "ok"
        assert s.count() == 1000
        assert len(s.events()) == 1000  # double deliveries made no events
        out = tmp_path / "exp" / "labels.jsonl"
        assert s.export(out) == 1000
    finally:
        s.close()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len({r["label_id"] for r in rows}) == 1000
    assert {r["label_id"]: r for r in rows} == sent
    for k in range(3):
        img = helpers_feedback.shared_image(k)
        assert (out.parent / "images" / f"{hashlib.sha256(img).hexdigest()}.png").read_bytes() == img
    print(f"20 processes x 50 labels ({type(s).__name__}): {elapsed:.1f}s")


def _stream_and_kill(db: str, n: int) -> list[str]:
    """Run the stream writer until it confirmed >= n labels, SIGKILL it; the confirmed ids."""
    proc = subprocess.Popen([sys.executable, str(HERE / "helpers_feedback.py"), "stream", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    confirmed = []
    try:
        deadline = time.monotonic() + 60
        while len(confirmed) < n and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            confirmed.append(line.strip())
        assert len(confirmed) >= n, proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)  # mid-stream: it is writing the next labels
    finally:
        if proc.poll() is None:
            proc.kill()
        rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # lines printed before the kill were confirmed too
    return confirmed + [line.strip() for line in rest.splitlines() if len(line.strip()) == 32]


def test_sigkill_mid_stream_loses_no_confirmed_label(tmp_path, locations, monkeypatch):
    monkeypatch.setenv("MMCREC_DATA_DIR", str(tmp_path / "data"))
    db, options = locations("crash")
    confirmed: list[str] = []
    for n in (150, 400, 250):  # three crashes into the same database
        confirmed += _stream_and_kill(db, n)
        if not options:  # SQLite: the file is sound after each crash
            con = sqlite3.connect(db)
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            con.close()
    s = open_store(db, **options)
    try:
        if isinstance(s, SQLiteLabelStore):
            assert s.integrity_check() == "ok"
        have = {lab.label_id: lab for lab in s.labels()}
        missing = [c for c in confirmed if c not in have]
        assert not missing
        assert len(have) >= len(set(confirmed))
        for lab in have.values():
            if lab.image_sha256:
                assert hashlib.sha256(Path(lab.image_path).read_bytes()).hexdigest() == lab.image_sha256
        s.record(item_label("after-crash"))
    finally:
        s.close()

"""What only the PostgreSQL label store has: URLs, a server that goes away and comes back, several
stores (replicas) on one database, images kept in the database, the pool.  A real server
(tests/pg_support.py); tests/test_feedback.py runs the common behaviour on both backends."""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from pathlib import Path

import psycopg
import pytest

from mmcrec.labels import SCHEMA_VERSION, FeedbackError, Label, open_store
from mmcrec.labels.postgres import PostgresLabelStore
from mmcrec.settings import SettingsError

PNG = b"\x89PNG\r\n\x1a\n" + hashlib.sha256(b"pg").digest() * 32
PNG_SHA = hashlib.sha256(PNG).hexdigest()


def item_label(annotator="ann", item="i1", label=1, session="s1", turns=("red shoes",), **kw):
    return Label(session_id=session, annotator=annotator, turns=list(turns), item_id=item,
                 label=label, **kw)


@pytest.fixture()
def url(postgres) -> str:
    return postgres.create_schema()


@pytest.fixture()
def opened(tmp_path):
    """``open(url, name, **options)``: a store with its images under tmp_path/name; closed after."""
    stores = []

    def open_(url: str, name: str = "a", **options) -> PostgresLabelStore:
        s = open_store(url, images_dir=tmp_path / name / "images", **options)
        stores.append(s)
        return s

    yield open_
    for s in stores:
        s.close()


# ----------------------------------------------------------------------------- URLs


def test_postgresql_urls_open_the_postgres_store(postgres, url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MMCREC_DATA_DIR", str(tmp_path / "data"))
    for given in (url, url.replace("postgresql://", "postgres://", 1)):
        s = open_store(given)
        try:
            assert isinstance(s, PostgresLabelStore) and s.schema_version == SCHEMA_VERSION
            assert s.location == f"{given.split('://')[0]}://mmcrec@127.0.0.1:{postgres.port}/postgres"
            s.record(item_label(), image_bytes=PNG)
            assert s.count() == 1
            assert s.images_dir == tmp_path / "data" / "feedback" / "images"
        finally:
            s.close()
    monkeypatch.setenv("MMCREC_FEEDBACK_DB", url)
    s = open_store()  # the app's and the CLI's default
    try:
        assert isinstance(s, PostgresLabelStore) and s.count() == 1
    finally:
        s.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no file named after the URL


def bad_urls(port: int) -> dict[str, str]:
    return {
        f"postgresql://mmcrec@127.0.0.1:{port}/no_such_db": 'database "no_such_db" does not exist',
        "postgresql://mmcrec:hunter2@127.0.0.1:1/labels": "Connection refused",
        "postgresql://mmcrec@127.0.0.1:notaport/labels": 'invalid integer value "notaport"',
        f"postgresql://mmcrec@127.0.0.1:{port}/postgres?colour=blue": 'invalid URI query parameter: "colour"',
    }


def test_bad_urls_and_refused_connections_are_one_line(postgres, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for bad, why in bad_urls(postgres.port).items():
        with pytest.raises(FeedbackError) as err:
            open_store(bad)
        msg = str(err.value)
        assert msg.startswith("cannot open label store postgres") and why in msg, msg
        assert "\n" not in msg and "hunter2" not in msg
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [
    ["feedback", "stats", "--db", "{url}"],
    ["feedback", "export", "--db", "{url}", "--out", "labels.jsonl"],
    ["train", "--db", "{url}", "--catalog", "shop.csv", "--out", "models"],
    ["serve", "--feedback-db", "{url}", "--port", "1"],
])
def test_cli_refused_database_exits_2_with_one_line(postgres, tmp_path, monkeypatch, capsys, command):
    from mmcrec.cli import main
    from mmcrec.logs import reset_logging

    monkeypatch.chdir(tmp_path)
    refused = "postgresql://mmcrec:hunter2@127.0.0.1:1/labels"
    try:
        code = main([a.format(url=refused) for a in command])
    finally:
        reset_logging()  # serve configures this process's logging
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("mmcrec: error: ")
    assert "Connection refused" in err and "hunter2" not in err
    assert not (tmp_path / "labels.jsonl").exists() and not (tmp_path / "postgresql:").exists()


def test_cli_on_postgresql(url, tmp_path, capsys):
    from mmcrec.cli import main

    src = tmp_path / "in.jsonl"
    rows = [dict(item_label(a, "i1", v).to_dict(), label_id=f"id-{a}", created_at="2024-01-01T00:00:00Z")
            for a, v in (("x", 1), ("y", 1), ("z", -1))]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["feedback", "import", "--db", url, "--from", str(src)]) == 0
    assert main(["feedback", "stats", "--db", url, "--json"]) == 0
    out = capsys.readouterr().out
    stats = json.loads(out[out.index("{"):])
    assert stats["total"] == 3 and stats["by_label"] == {"1": 2, "-1": 1, "0": 0}
    assert stats["agreement"]["items_overlapping"] == 1


# ----------------------------------------------------------------------------- schema


V1_SQL = """
CREATE TABLE mmcrec_schema (version INTEGER NOT NULL);
INSERT INTO mmcrec_schema VALUES (1);
CREATE TABLE labels (
    label_id TEXT COLLATE "C" PRIMARY KEY, session_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    annotator TEXT COLLATE "C" NOT NULL DEFAULT '', created_at TEXT COLLATE "C" NOT NULL,
    model_version TEXT NOT NULL DEFAULT '', catalog_id TEXT NOT NULL DEFAULT '',
    turns JSONB NOT NULL DEFAULT '[]', image_sha256 TEXT NOT NULL DEFAULT '',
    image_path TEXT NOT NULL DEFAULT '', item_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    rank BIGINT, score DOUBLE PRECISION, alpha DOUBLE PRECISION, target TEXT NOT NULL,
    label SMALLINT NOT NULL
);
INSERT INTO labels VALUES
  ('old1', 's', 'ann', '2024-03-01T10:00:00.000000Z', 'm0', 'demo', '["blue dress"]', '', '',
   'i1', 1, 0.5, 0.4, 'item', 1),
  ('old2', 's', 'bob', '2024-03-01T11:00:00.000000Z', 'm0', 'demo', '[]', '', '', '', 0, NULL,
   NULL, 'reply', -1);
"""


def test_v1_schema_is_migrated_once_and_newer_is_refused(url, opened):
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(V1_SQL)
    s = opened(url)
    assert s.schema_version == SCHEMA_VERSION == 5
    assert s.get("old1").turns == ["blue dress"] and s.get("old2").score is None
    assert s.get("old1").placed_by == "" and s.get("old1").image_turn is None
    assert [(e["label_id"], e["label"], e["source"]) for e in s.events()] == [
        ("old1", 1, "migration"), ("old2", -1, "migration")]
    s.record(Label(label_id="old1", session_id="s", annotator="ann", turns=["blue dress"],
                   item_id="i1", label=0))
    assert [e["label"] for e in s.events("old1")] == [1, 0]
    assert len(opened(url, "b").events()) == 3  # opening again migrates nothing

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("UPDATE mmcrec_schema SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(FeedbackError, match=f"schema version {SCHEMA_VERSION + 1}"):
        opened(url, "c")


def test_create_false_needs_the_tables(postgres, opened):
    empty = postgres.create_schema()
    with pytest.raises(FeedbackError, match="no feedback database"):
        opened(empty, create=False)
    with psycopg.connect(empty) as con:  # nothing was created
        assert con.execute("SELECT to_regclass('mmcrec_schema')").fetchone()[0] is None


def test_replicas_starting_together_migrate_once(url, opened):
    stores, errors = [], []

    def start(i):
        try:
            stores.append(opened(url, f"r{i}"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(stores) == 6
    with psycopg.connect(url) as con:
        assert con.execute("SELECT version FROM mmcrec_schema").fetchall() == [(SCHEMA_VERSION,)]


# ----------------------------------------------------------------------------- replicas


def test_double_delivery_racing_on_two_replicas_is_one_label(url, opened):
    """The same clicks sent through two stores at once (two app replicas): one label each, one
    event per change of value."""
    a, b = opened(url, "a"), opened(url, "b")
    labels = [item_label(f"u{i % 5}", f"item{i}", session=f"s{i % 7}") for i in range(40)]
    barrier = threading.Barrier(8)
    errors = []

    def send(store, value):
        try:
            barrier.wait()
            for lab in labels:
                store.record(Label(**{**lab.to_dict(), "label": value}))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(s, 1)) for s in (a, b, a, b)]
    threads += [threading.Thread(target=send, args=(s, 1)) for s in (b, a, b, a)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert a.count() == b.count() == 40
    assert len(a.events()) == 40  # duplicates made no events

    # both replicas retract at once: one retraction each
    barrier = threading.Barrier(4)
    threads = [threading.Thread(target=send, args=(s, 0)) for s in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [e["label"] for e in b.events()] == [1] * 40 + [0] * 40
    assert b.stats()["by_label"] == {"1": 0, "-1": 0, "0": 40}


def test_images_travel_through_the_database(url, opened, tmp_path):
    a, b = opened(url, "a"), opened(url, "b")  # two machines: two local image folders
    lab = a.record(item_label(), image_bytes=PNG)
    assert not b.images_dir.exists()
    got = b.get(lab.label_id)
    assert Path(got.image_path) == b.images_dir / f"{PNG_SHA}.png"
    assert Path(got.image_path).read_bytes() == PNG
    # b names the image by its hash only: found (in the database) and kept on the new label
    again = b.record(item_label("bob", image_sha256=PNG_SHA))
    assert again.image_sha256 == PNG_SHA
    c = opened(url, "c")
    assert c.export(tmp_path / "out" / "labels.jsonl") == 2
    assert (tmp_path / "out" / "images" / f"{PNG_SHA}.png").read_bytes() == PNG
    with psycopg.connect(url) as con:
        assert con.execute("SELECT count(*) FROM images").fetchone()[0] == 1  # stored once


# ----------------------------------------------------------------------------- a server that goes away


def test_killed_connections_are_replaced(url, opened):
    s = opened(url)
    s.record(item_label("a"))
    with psycopg.connect(url, autocommit=True) as con:
        killed = con.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             "WHERE application_name = 'mmcrec'").fetchone()[0]
    assert killed >= 1
    assert s.record(item_label("b")).annotator == "b"
    assert s.count() == 2


def test_a_restarting_server_loses_no_confirmed_label(postgres, url, opened, caplog):
    """Writers keep recording while the server stops and starts again: each call either returns
    (and its label is in the database) or raises FeedbackError; with the server back within the
    retry window, all return."""
    s = opened(url, retry_s=30)
    confirmed, errors = [], []
    stop = threading.Event()

    def writer(w):
        i = 0
        while not stop.is_set():
            try:
                confirmed.append(s.record(item_label(f"w{w}", f"i{i}")).label_id)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            i += 1

    caplog.set_level(logging.WARNING, logger="mmcrec.labels.postgres")
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        postgres.stop("fast")  # disconnects every client
        time.sleep(2.0)
    finally:
        postgres.start()
    time.sleep(2.0)
    stop.set()
    for t in threads:
        t.join(60)
    assert not errors
    assert any("retrying" in r.getMessage() for r in caplog.records)  # the outage was seen
    have = {lab.label_id for lab in s.labels()}
    assert confirmed and set(confirmed) <= have
    assert len(s.events()) == len(have) == len(set(confirmed))


def test_a_server_down_too_long_gives_one_line_and_writes_nothing(postgres, url, opened):
    """Past the call bound a call fails with one line that names no host, port, user or database,
    and says how long it waited; while the store is known down the next calls give up at once;
    once the server is back the next call works, however long the outage lasted."""
    from mmcrec.labels.postgres import PROBE_S
    from mmcrec.labels.store import StoreUnavailable

    s = opened(url, call_bound_s=2.0)
    s.record(item_label("before"))
    postgres.stop("fast")
    try:
        for i in range(3):  # a long outage, with clicks failing meanwhile
            t0 = time.monotonic()
            with pytest.raises(StoreUnavailable) as err:
                s.record(item_label("during"))
            took = time.monotonic() - t0
            assert took < (2.0 if i == 0 else PROBE_S) + 1.0
            msg = str(err.value)
            assert msg == f"the label store is not answering (gave up after {err.value.waited_s:.1f} s)", msg
            assert abs(err.value.waited_s - took) < 0.5
            for secret in ("mmcrec@", "127.0.0.1", str(postgres.port), "postgres", "/"):
                assert secret not in msg
    finally:
        postgres.start()
    assert s.record(item_label("after")).annotator == "after"
    assert [lab.annotator for lab in s.labels()] == ["before", "after"]


# ----------------------------------------------------------------------------- pool, train


def test_pool_size_is_configurable(postgres, opened, monkeypatch):
    url = postgres.create_database()  # its own database: its connections can be counted
    monkeypatch.setenv("MMCREC_DB_POOL_SIZE", "2")
    s = opened(url)
    assert s.pool_size == 2
    peak = []

    def work(t):
        for i in range(15):
            s.record(item_label(f"t{t}", f"i{i}"))

    def watch():
        with psycopg.connect(url, autocommit=True) as con:
            while any(th.is_alive() for th in threads):
                peak.append(con.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                        "current_database() AND application_name = 'mmcrec'"
                                        ).fetchone()[0])
                time.sleep(0.01)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    watch()
    for th in threads:
        th.join()
    assert s.count() == 120
    assert 1 <= max(peak) <= 2
    monkeypatch.setenv("MMCREC_DB_POOL_SIZE", "lots")  # a bad setting: one line naming it (mmcrec/settings.py)
    with pytest.raises(SettingsError, match=r'^MMCREC_DB_POOL_SIZE="lots" \(environment\): not a whole number$'):
        opened(url, "b")


def test_train_reads_labels_from_postgresql(url, opened):
    from mmcrec.training import read_labels

    s = opened(url)
    sent = [s.record(item_label(f"a{i}", f"i{i}", session=f"s{i}")) for i in range(3)]
    got, tmp = read_labels(db=url)
    assert tmp is None
    assert [lab.label_id for lab in got] == [lab.label_id for lab in sent]


def test_move_labels_from_sqlite_to_postgresql(url, opened, tmp_path):
    lite = open_store(tmp_path / "lite" / "labels.sqlite")
    try:
        lite.record(item_label("x", "A", 1), image_bytes=PNG)
        lite.record(item_label("y", "A", -1))
        lite.record(Label(session_id="s", annotator="z", turns=["hi"], target="reply", rank=0, label=1))
        lite.record(item_label("y", "A", 0))
        lite.export(tmp_path / "move" / "labels.parquet")
        pg = opened(url)
        assert pg.import_file(tmp_path / "move" / "labels.parquet") == (3, 0, 0)
        assert pg.stats() == lite.stats()
        pg.export(tmp_path / "back" / "labels.jsonl")
        lite.export(tmp_path / "again" / "labels.jsonl")
        assert (tmp_path / "back" / "labels.jsonl").read_text() == \
            (tmp_path / "again" / "labels.jsonl").read_text()
        assert (tmp_path / "back" / "images" / f"{PNG_SHA}.png").read_bytes() == PNG
    finally:
        lite.close()

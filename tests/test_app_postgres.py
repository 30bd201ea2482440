"""The app on a PostgreSQL label store, driven by gradio_client users as browsers would: two app
processes (replicas) on one database lose and double no label, a replica killed mid-stream takes
no confirmed label with it while the other keeps serving, and a database that goes away is a
message in the page, not a lost label."""
from __future__ import annotations

import concurrent.futures as cf
import csv
import os
import signal
import subprocess
import sys
import time

import pytest

from app_support import DEMO_CATALOG, ROOT, chat, client, free_port, launch, stop_processes, wait_until_serving

TURNS = ["show me some hats", "running shoes", "a mug", "headphones"]


def start_replica(url: str, tmp_path, name: str, **settings: str) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free loopback port with MMCREC_FEEDBACK_DB=url; its own data root,
    so images can only reach the other replica through the database; one shared models folder.
    settings: more environment (MMCREC_AUTH=..., MMCREC_ADMINS=...)."""
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1",
               MMCREC_FEEDBACK_DB=url, MMCREC_DATA_DIR=str(tmp_path / name),
               MMCREC_MODELS_DIR=str(tmp_path / "models"), GRADIO_ANALYTICS_ENABLED="False",
               HF_HUB_OFFLINE="1")
    for k in ("MMCREC_AUTH", "MMCREC_ADMINS", "MMCREC_CATALOG", "MMCREC_MODEL_DIR", "SPACE_ID"):
        env.pop(k, None)
    env.update(settings)
    log = open(tmp_path / f"{name}.log", "w")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}/"


def conversation(url: str, turn: str, ids: list[str]):
    """A user (one gradio_client session) after one chat turn; the 50 items it will rate: those
    it was shown first, then others."""
    c = client(url)
    shown = [it["item_id"] for it in chat(c, turn)["explanation"]["items"]]
    return c, (shown + [i for i in ids if i not in shown])[:50]


def rate(c, items: list[str], user: str, confirmed: list, failures: list | None = None) -> int:
    """Thumbs on ``items`` as ``user``; every label the app confirmed goes into ``confirmed`` as
    (label_id, user, item, value).  A failure raises, or with ``failures`` given (its replica
    may be killed) is kept there and ends the stream; returns how many were confirmed."""
    done = 0
    for j, item in enumerate(items):
        value = 1 if (len(user) + j) % 3 else -1
        try:
            stored = c.predict("item", item, value, user, api_name="/feedback")[0]
        except Exception as exc:  # noqa: BLE001
            if failures is None:
                raise
            failures.append(exc)
            break
        assert stored["label"] == value and stored["annotator"] == user
        confirmed.append((stored["label_id"], user, item, value))
        done += 1
    return done


@pytest.mark.slow
def test_two_replicas_on_one_postgresql_database(postgres, tmp_path):
    from mmcrec.labels import open_store

    url = postgres.create_database()
    with open(DEMO_CATALOG, newline="", encoding="utf-8") as fh:
        ids = [row["item_id"] for row in csv.DictReader(fh)]
    store = open_store(url, images_dir=tmp_path / "reader" / "images")
    a = b = None
    try:
        # one after the other: Gradio gives up on a server that does not answer its own first
        # request within 3 s, which two cold starts side by side on a busy CPU can miss
        a, url_a = start_replica(url, tmp_path, "a")
        wait_until_serving(a, url_a, 300, lambda: (tmp_path / "a.log").read_text()[-3000:])
        b, url_b = start_replica(url, tmp_path, "b")
        wait_until_serving(b, url_b, 300, lambda: (tmp_path / "b.log").read_text()[-3000:])

        # 20 users spread over the two replicas, 50 thumbs each: exactly 1,000 labels
        users = [conversation([url_a, url_b][u % 2], TURNS[u % 4], ids) for u in range(20)]
        first: list = []
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(20) as pool:
            done = list(pool.map(lambda u: rate(*users[u], f"user{u:02d}", first), range(20)))
        elapsed = time.monotonic() - t0
        assert done == [50] * 20
        assert store.count() == 1000 and len(store.events()) == 1000
        assert {(lab.annotator, lab.item_id): lab.label for lab in store.labels()} == \
            {(u, item): v for _, u, item, v in first}
        # what the Labels tab reads is the same on either replica, whoever took the label
        cb = users[1][0]
        assert len(cb.predict("user00", api_name="/my_ratings")["data"]) == 50  # taken on a
        assert cb.predict(api_name="/label_stats")[1]["data"][-1] == ["total", 1000]

        # the same users go on under other names (new labels, 20 each); a is killed mid-stream
        second: list = []
        on_a: list = []
        failed_on_a: list = []
        t1 = time.monotonic()
        with cf.ThreadPoolExecutor(20) as pool:
            futures = {pool.submit(rate, c, items[:20], f"late{u:02d}", on_a, failed_on_a): "a"
                       for u, (c, items) in enumerate(users) if u % 2 == 0}
            futures.update({pool.submit(rate, c, items[:20], f"late{u:02d}", second): "b"
                            for u, (c, items) in enumerate(users) if u % 2 == 1})
            kill_by = time.monotonic() + 120
            while len(on_a) < 40 and time.monotonic() < kill_by:
                time.sleep(0.02)
            assert len(on_a) >= 40, "replica a confirmed too few labels to be killed mid-stream"
            os.kill(a.pid, signal.SIGKILL)
            results = {f: f.result(timeout=300) for f in futures}
        streamed = time.monotonic() - t1
        assert a.wait(30) == -signal.SIGKILL
        assert all(n == 20 for f, n in results.items() if futures[f] == "b")  # b kept serving
        assert sum(n for f, n in results.items() if futures[f] == "a") < 200  # a died mid-stream
        assert len(failed_on_a) == 10  # each of a's users saw it go

        have = {lab.label_id: lab for lab in store.labels()}
        for label_id, user, item, value in first + second + on_a:  # every confirmed label is there
            assert have[label_id].label == value and have[label_id].item_id == item, (user, item)
        assert len(second) == 200 and len(have) >= 1000 + 200 + len(on_a)
        assert len(store.events()) == len(have)

        # b still takes new users
        rest: list = []
        c, items = conversation(url_b, "a mug", ids)
        assert rate(c, items[:3], "after", rest) == 3
        assert store.get(rest[-1][0]).annotator == "after"
        print(f"1000 labels from 20 users over 2 replicas in {elapsed:.1f}s; then {len(second)} on b "
              f"in {streamed:.1f}s while a was killed after confirming {len(on_a)}")
    finally:
        store.close()
        stop_processes(a, b)


def test_a_promotion_on_one_replica_is_served_by_the_other_from_its_next_turn(postgres, tmp_path):
    from mmcrec.model import Model
    from mmcrec.registry import Registry

    reg = Registry(tmp_path / "models")
    version, out = reg.new_version_dir()
    out.rmdir()
    Model(card={"version": version, "parent": "v0"}).save(out)
    url = postgres.create_schema()
    logins = {"MMCREC_AUTH": "boss:pw-boss,ann:pw-ann", "MMCREC_ADMINS": "boss"}
    a = b = None
    try:
        a, url_a = start_replica(url, tmp_path, "a", **logins)
        wait_until_serving(a, url_a, 300, lambda: (tmp_path / "a.log").read_text()[-3000:])
        b, url_b = start_replica(url, tmp_path, "b", **logins)
        wait_until_serving(b, url_b, 300, lambda: (tmp_path / "b.log").read_text()[-3000:])
        boss_a, boss_b = client(url_a, auth=("boss", "pw-boss")), client(url_b, auth=("boss", "pw-boss"))
        ann_a, ann_b = client(url_a, auth=("ann", "pw-ann")), client(url_b, auth=("ann", "pw-ann"))
        assert chat(ann_b, "show me some hats")["explanation"]["model_version"] == "v0"

        assert "**v1**" in boss_a.predict("v1", "", api_name="/promote_model")[4]
        after = chat(ann_b, "running shoes")  # b's next turn, nothing restarted
        assert after["explanation"]["model_version"] == "v1" and "v1" in after["header"]
        # the label a thumb records names the model that ranked the item
        item = after["explanation"]["items"][0]["item_id"]
        assert ann_b.predict("item", item, 1, "ann", api_name="/feedback")[0]["model_version"] == "v1"

        # a rollback on b is served by a from its next turn: the defaults again
        assert "**v0**" in boss_b.predict("", api_name="/rollback_model")[4]
        assert chat(ann_a, "a mug")["explanation"]["model_version"] == "v0"
        assert reg.current() is None and [h["version"] for h in reg.history()] == []
    finally:
        stop_processes(a, b)


def test_a_thumb_while_the_database_is_down_is_kept_and_saved_when_it_is_back(postgres, demo_rec, tmp_path):
    """The page answers within the store's call bound, says the rating is kept on this server (naming
    no host, port, user or database), the Labels tab says what waits, and the label reaches the
    database once it is back."""
    from mmcrec.labels import open_store
    from mmcrec.app.config import AppConfig
    from mmcrec.app.context import AppContext

    url = postgres.create_schema()
    store = open_store(url, require_annotator=True, images_dir=tmp_path / "images", call_bound_s=2.0)
    ctx = AppContext(AppConfig(catalog=demo_rec.catalog.path, feedback_db=url, auth=None,
                               admins=None, on_space=False), recommender=demo_rec, store=store)
    demo, app_url = launch(ctx)
    try:
        c = client(app_url)
        items = [it["item_id"] for it in chat(c, "show me some hats")["explanation"]["items"]]
        assert c.predict("item", items[0], 1, "ada", api_name="/feedback")[0]["label"] == 1
        postgres.stop("fast")
        try:
            t0 = time.monotonic()
            kept, status = c.predict("item", items[1], -1, "ada", api_name="/feedback")
            assert time.monotonic() - t0 < 2.0 + 1.5
            assert kept["label"] == -1 and kept["annotator"] == "ada"
            assert status.startswith("⏳ 👎 kept") and "kept on this server" in status, status
            for secret in ("mmcrec@", "127.0.0.1", str(postgres.port), "postgresql", "unreachable", "sec"):
                assert secret not in status, (secret, status)
            waiting = c.predict(api_name="/label_stats")[0]
            assert "1 rating(s) wait on this server" in waiting and "not answering" in waiting, waiting
            mine = c.predict("ada", api_name="/my_ratings")
            assert any(row[1] == "👎 ⏳ waits" for row in mine["data"]), mine
        finally:
            postgres.start()
        deadline = time.monotonic() + 30
        while ctx.outbox.pending().count:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert {(lab.item_id, lab.label) for lab in store.labels()} == {(items[0], 1), (items[1], -1)}
        assert len(store.events(kept["label_id"])) == 1
        assert "wait on this server" not in c.predict(api_name="/label_stats")[0]
    finally:
        demo.close()
        ctx.close()  # closes the outbox and the store too

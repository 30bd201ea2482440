"""The real app, driven over HTTP with gradio_client as a script (or a browser) would."""
from __future__ import annotations

import concurrent.futures as cf
import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from app_support import (
    CHAT_OUT,
    DEMO_CATALOG,
    ROOT,
    chat,
    check_view_matches_explanation,
    client,
    file_path,
    free_port,
    launch,
    make_ctx,
    query_image,
    stop_processes,
    wait_until_serving,
)


@pytest.fixture(scope="module")
def served(demo_rec, tmp_path_factory):
    ctx = make_ctx(demo_rec, tmp_path_factory.mktemp("app"))
    demo, url = launch(ctx)
    yield ctx, url
    demo.close()


def test_api_names_are_stable(served):
    _, url = served
    eps = client(url).view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name in ["/chat", "/rerank", "/reset", "/explanation", "/feedback", "/my_ratings", "/label_stats",
                 "/export_labels", "/train_model", "/promote_model", "/rollback_model", "/model_versions",
                 "/compare_start", "/compare_stop", "/compare_status", "/campaign_next", "/campaign_judge"]:
        assert name in eps, name
    assert [p["parameter_name"] for p in eps["/chat"]["parameters"]] == ["message", "history", "alpha_value"]
    assert [p["parameter_name"] for p in eps["/feedback"]["parameters"]] == ["target", "key", "label", "name"]
    assert [p["parameter_name"] for p in eps["/compare_start"]["parameters"]] == ["candidate", "name"]
    assert [p["parameter_name"] for p in eps["/compare_status"]["parameters"]] == ["name"]


def test_text_turn(served):
    ctx, url = served
    c = client(url)
    v = chat(c, "show me some hats")
    assert v["message"]["text"] == "" and not v["message"]["files"]  # the box is cleared
    user, bot = v["chatbot"]
    assert user["role"] == "user" and user["content"][0]["text"] == "show me some hats"
    assert "Understood" in bot["content"][0]["text"]
    expl = c.predict(api_name="/explanation")
    assert expl == v["explanation"]
    assert expl["model_version"] == ctx.model_version and ctx.model_version in v["header"]
    check_view_matches_explanation(v, expl)
    titles = " ".join(it["title"].lower() for it in expl["items"][:3])
    assert any(w in titles for w in ("hat", "cap", "beanie"))


def test_image_turn(served):
    _, url = served
    c = client(url)
    v = chat(c, image=query_image("sneaker"))
    user, bot = v["chatbot"]
    assert user["content"][0]["type"] == "file"  # the photo shows as the user's turn
    expl = c.predict(api_name="/explanation")
    check_view_matches_explanation(v, expl)
    assert expl["modality_weights"]["image"] > 0.5  # the picture drove it
    assert expl["items"][0]["category"] == "shoes"


def test_image_and_text_turn(served):
    _, url = served
    c = client(url)
    v = chat(c, "like this but in blue", image=query_image("sneaker"))
    user = v["chatbot"][0]
    assert [p["type"] for p in user["content"]] == ["file", "text"]
    expl = c.predict(api_name="/explanation")
    check_view_matches_explanation(v, expl)
    assert 0 < expl["modality_weights"]["image"] < 1
    assert "blue" in expl["items"][0]["color"]


def test_three_turn_refinement(served):
    _, url = served
    c = client(url)
    v1 = chat(c, "I need a gift for my sister")
    assert "?" in v1["chatbot"][-1]["content"][0]["text"]  # a clarifying question
    cats = {it["category"] for it in v1["explanation"]["items"]}
    assert len(cats) >= 3  # a varied first gallery
    v2 = chat(c, "something to wear, under $40", history=v1["chatbot"])
    e2 = c.predict(api_name="/explanation")
    assert all(it["price"] <= 40 for it in e2["items"])
    assert e2["understood"].get("price_max") == 40
    v3 = chat(c, "not black", history=v2["chatbot"])
    e3 = c.predict(api_name="/explanation")
    check_view_matches_explanation(v3, e3)
    assert len(v3["chatbot"]) == 6 and len(e3["turns"]) == 3
    assert all(it["color"] != "black" and it["price"] <= 40 for it in e3["items"])
    assert e3["turn_attention"][1] + e3["turn_attention"][2] > 0.5


def test_rerank_changes_order_without_new_turn(served):
    _, url = served
    c = client(url)
    chat(c, "running shoes")
    out0 = dict(zip(CHAT_OUT[1:], c.predict(0.0, api_name="/rerank")))
    e0 = c.predict(api_name="/explanation")
    out1 = dict(zip(CHAT_OUT[1:], c.predict(1.0, api_name="/rerank")))
    e1 = c.predict(api_name="/explanation")
    assert e0["alpha"] == 0.0 and e1["alpha"] == 1.0 and e0["turns"] == e1["turns"]
    check_view_matches_explanation(out0, e0)
    check_view_matches_explanation(out1, e1)
    assert len(out1["chatbot"]) == 2  # no new turn


def test_bad_upload_is_answered_in_chat(served):
    _, url = served
    c = client(url)
    v = chat(c, "this one", image=ROOT / "tests" / "data" / "not_an_image.png")
    assert "couldn't use that image" in v["chatbot"][-1]["content"][0]["text"]
    v2 = chat(c, "show me some hats", history=v["chatbot"])  # the app keeps working
    assert v2["gallery"]


def test_feedback_over_api_and_errors(served):
    ctx, url = served
    c = client(url)
    v = chat(c, "show me some hats")
    top = v["explanation"]["items"][0]
    out = c.predict("item", top["item_id"], 1, "ada", api_name="/feedback")
    stored = out[0]
    assert stored["label"] == 1 and stored["rank"] == 1 and stored["annotator"] == "ada"
    assert stored["turns"] == ["show me some hats"] and stored["model_version"] == ctx.model_version
    assert stored["catalog_id"] == ctx.rec().catalog.catalog_id
    assert abs(stored["score"] - top["score"]) < 1e-12 and stored["alpha"] == v["explanation"]["alpha"]
    assert "👍 saved" in out[1]
    view = dict(zip(CHAT_OUT[1:], c.predict(v["explanation"]["alpha"], api_name="/rerank")))
    assert view["gallery"][0]["caption"].endswith("✓👍")  # the gallery shows it
    n = ctx.store.count()
    bad = [("item", "no-such-item", 1, "ada", "unknown item"),
           ("item", top["item_id"], 2, "ada", "label must be"),
           ("item", top["item_id"], "x", "ada", "label must be"),
           ("item", top["item_id"], 1, "", "enter your name"),
           ("elsewhere", top["item_id"], 1, "ada", "target must be"),
           ("reply", 7, 1, "ada", "no reply #7")]
    from gradio_client.exceptions import AppError

    for target, key, label, who, msg in bad:
        with pytest.raises(AppError, match=msg):
            c.predict(target, key, label, who, api_name="/feedback")
    assert ctx.store.count() == n  # nothing written
    rep = c.predict("reply", 0, -1, "ada", api_name="/feedback")[0]
    assert rep["target"] == "reply" and rep["rank"] == 0 and rep["item_id"] == ""
    rows = c.predict("ada", api_name="/my_ratings")["data"]
    assert {r[1] for r in rows} >= {"👍", "👎"}


def test_feedback_with_uploaded_image_stores_it_by_hash(served):
    import hashlib

    ctx, url = served
    c = client(url)
    img = query_image("sneaker")
    v = chat(c, "", image=img)
    item = v["explanation"]["items"][2]["item_id"]
    stored = c.predict("item", item, -1, "bo", api_name="/feedback")[0]
    sha = hashlib.sha256(img.read_bytes()).hexdigest()
    assert stored["image_sha256"] == sha and stored["rank"] == 3 and stored["image_turn"] == 0
    assert ctx.store.image_file(sha).read_bytes() == img.read_bytes()


def test_a_photo_sent_later_is_recorded_with_its_turn(served):
    """Words first, then a photo: the label says which turn the photo came with, so training
    replays the conversation as it happened (docs/contracts.md §4 image_turn)."""
    ctx, url = served
    c = client(url)
    v1 = chat(c, "running shoes")
    v = chat(c, "like this", image=query_image("sneaker"), history=v1["chatbot"])
    item = v["explanation"]["items"][0]["item_id"]
    stored = c.predict("item", item, 1, "cy", api_name="/feedback")[0]
    assert stored["turns"] == ["running shoes", "like this"] and stored["image_turn"] == 1
    assert ctx.store.get(stored["label_id"]).image_turn == 1


def test_export_is_for_admins_only(demo_rec, tmp_path):
    from gradio_client.exceptions import AppError

    ctx = make_ctx(demo_rec, tmp_path, admins={"root"}, auth=[("root", "pw-root"), ("ada", "pw-ada")])
    demo, url = launch(ctx)
    try:
        c = client(url, auth=("ada", "pw-ada"))
        chat(c, "show me some hats")
        e = c.predict(api_name="/explanation")
        c.predict("item", e["items"][0]["item_id"], 1, "", api_name="/feedback")
        with pytest.raises(AppError, match="Only admins"):
            c.predict("jsonl", "root", api_name="/export_labels")
        path = client(url, auth=("root", "pw-root")).predict("jsonl", "", api_name="/export_labels")
        rows = [json.loads(x) for x in open(file_path(path), encoding="utf-8")]
        assert len(rows) == 1 and rows[0]["annotator"] == "ada"
    finally:
        demo.close()


def test_password_auth_names_the_annotator(demo_rec, tmp_path):
    from gradio_client.exceptions import AppError

    ctx = make_ctx(demo_rec, tmp_path, auth=[("ann", "pw1"), ("boss", "pw2")], admins={"boss"})
    demo, url = launch(ctx)
    try:
        with pytest.raises(Exception):
            client(url, auth=("ann", "wrong"))
        c = client(url, auth=("ann", "pw1"))
        chat(c, "show me some hats")
        e = c.predict(api_name="/explanation")
        stored = c.predict("item", e["items"][0]["item_id"], 1, "someone-else", api_name="/feedback")[0]
        assert stored["annotator"] == "ann"  # the login, not the typed name
        with pytest.raises(AppError, match="Only admins"):
            c.predict("csv", "boss", api_name="/export_labels")  # typing an admin's name is not enough
        boss = client(url, auth=("boss", "pw2"))
        assert file_path(boss.predict("csv", "", api_name="/export_labels")).endswith(".csv")
    finally:
        demo.close()


@pytest.mark.slow
def test_twenty_concurrent_annotators_then_restart(demo_rec, tmp_path):
    """20 gradio_client users × 50 labels at once → exactly 1,000 labels; a restart keeps them."""
    db = tmp_path / "fb" / "labels.sqlite"
    ctx = make_ctx(demo_rec, tmp_path, feedback_db=db)
    demo, url = launch(ctx)
    ids = demo_rec.catalog.ids
    sent: dict[tuple[str, str], int] = {}

    def user(u: int):
        c = client(url)
        v = chat(c, ["show me some hats", "running shoes", "a mug", "headphones"][u % 4])
        shown = [it["item_id"] for it in v["explanation"]["items"]]
        items = shown + [i for i in ids if i not in shown][: 50 - len(shown)]
        out = []
        for j, item in enumerate(items):
            label = 1 if (u + j) % 3 else -1
            stored = c.predict("item", item, label, f"user{u:02d}", api_name="/feedback")[0]
            assert stored["label"] == label
            out.append(((f"user{u:02d}", item), label, stored["label_id"]))
        return out

    t0 = time.time()
    try:
        with cf.ThreadPoolExecutor(20) as pool:
            results = [r for rs in pool.map(user, range(20)) for r in rs]
    finally:
        demo.close()
    elapsed = time.time() - t0
    for key, label, _ in results:
        sent[key] = label
    assert len(results) == 1000 and len(sent) == 1000
    assert len({lid for *_, lid in results}) == 1000
    ctx.store.close()

    # restart: a new app on the same database
    ctx2 = make_ctx(demo_rec, tmp_path, feedback_db=db)
    demo2, url2 = launch(ctx2)
    try:
        assert ctx2.store.count() == 1000
        out = tmp_path / "export.jsonl"
        assert ctx2.store.export(out) == 1000
        rows = [json.loads(x) for x in out.read_text().splitlines()]
        assert {(r["annotator"], r["item_id"]): r["label"] for r in rows} == sent
        assert len({r["label_id"] for r in rows}) == 1000
        c = client(url2)
        mine = c.predict("user07", api_name="/my_ratings")["data"]
        assert len(mine) == 50
        stats = c.predict(api_name="/label_stats")
        assert "Agreement" in stats[0]
        assert stats[1]["data"][-1] == ["total", 1000]
    finally:
        demo2.close()
    print(f"1000 labels from 20 concurrent clients in {elapsed:.1f}s")


@pytest.mark.slow
def test_python_app_py_serves(tmp_path):
    """`python app.py` in a subprocess: the port from GRADIO_SERVER_PORT, a chat turn works."""
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1",
               MMCREC_FEEDBACK_DB=str(tmp_path / "labels.sqlite"), GRADIO_ANALYTICS_ENABLED="False",
               HF_HUB_OFFLINE="1")
    env.pop("MMCREC_AUTH", None)
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_serving(proc, url, 180, lambda: proc.stdout.read())
        c = client(url)
        v = chat(c, "show me some hats")
        expl = c.predict(api_name="/explanation")
        check_view_matches_explanation(v, expl)
        assert str(DEMO_CATALOG.name) in v["header"]
    finally:
        stop_processes(proc)


def test_only_thumbnails_and_uploads_are_served(served):
    """allowed_paths are the thumbnail cache and the upload folder; nothing else is served."""
    import urllib.error

    ctx, url = served
    c = client(url)
    chat(c, "show me some hats")

    def status(path) -> int:
        try:
            with urllib.request.urlopen(f"{url}gradio_api/file={path}", timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    thumb = next(ctx.thumbs_dir.glob("*.webp"))
    assert status(thumb) == 200
    for forbidden in [DEMO_CATALOG, DEMO_CATALOG.parent / "images" / "acc-001.webp", "/etc/passwd",
                      ROOT / "mmcrec" / "app" / "chat.py", ctx.store.path]:
        assert status(forbidden) in (403, 404), forbidden

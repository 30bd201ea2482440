"""The app's callbacks as plain functions (no server, no browser)."""
from __future__ import annotations

import html
from pathlib import Path

import gradio as gr
import pytest

from app_support import make_ctx, query_image

from mmcrec import reply
from mmcrec.app import chat, config, context, identity, labels_tab, layout, ratings, text
from mmcrec.app.identity import Identity, NotAllowed


@pytest.fixture
def ctx(demo_rec, tmp_path):
    return make_ctx(demo_rec, tmp_path)


def msg(text="", image=None):
    return {"text": text, "files": [str(image)] if image else []}


def test_md_escape_shows_markup_as_text():
    s = text.md_escape("<img src=x onerror=alert(1)> ![a](http://e/x.png) [l](http://e) *b* a&b #1")
    assert "<img" not in s.replace("\\<img", "")
    assert "\\!\\[a\\]" in s and "\\[l\\]" in s and "\\<" in s and "\\&" in s


def test_host_port_from_args_env_default(monkeypatch):
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    assert config.resolve_host_port(None, None) == ("127.0.0.1", 7860)
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7999")
    assert config.resolve_host_port(None, None) == ("0.0.0.0", 7999)
    assert config.resolve_host_port("127.0.0.1", 8001) == ("127.0.0.1", 8001)


def test_auth_and_admin_rules(ctx):
    assert config.parse_auth("a:1, b:2") == [("a", "1"), ("b", "2")]
    assert config.parse_auth("") is None
    with pytest.raises(ValueError):
        config.parse_auth("nopassword")
    assert config.parse_admins(" x, y ,") == {"x", "y"}
    # the settings as the page sees them (identity.py decides; tests/test_identity.py has the rules)
    local = ctx.access
    assert local.is_admin(local.identify("anyone")) and local.is_admin(Identity())
    ctx.config.auth = [("a", "1")]
    login = ctx.access
    assert not login.is_admin(login.identify("", gr.Request(username="a")))  # a login, no admin list: nobody
    assert login.identify("typed", gr.Request(username="a")) == Identity("a", verified=True)
    ctx.config.admins = {"a"}
    assert ctx.access.is_admin(Identity("a", verified=True)) and not ctx.access.is_admin(Identity("b", verified=True))


def test_text_turn_renders_gallery_charts_and_reply(ctx):
    s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
    assert [m["role"] for m in v.messages] == ["user", "assistant"]
    assert v.messages[1]["content"].startswith("Understood")
    assert 0 < len(v.gallery) == len(s.last.items) <= ctx.config.k
    for r, ((path, cap), it) in enumerate(zip(v.gallery, s.last.items), start=1):
        assert cap == chat.item_caption(r, it)
        assert path.startswith(str(ctx.thumbs_root))  # served from the thumbnail cache only
        # the score a caption shows is the item's score, not "0.000" for all but the first few
        shown = cap.split(" · score ")[1].split(" · ")[0]
        assert "e" not in shown, cap  # plain decimals for people, not 8.25e-05
        if shown.startswith("<"):
            assert it["score"] < 1e-6, cap
        else:
            assert float(shown) == pytest.approx(it["score"], rel=0.01, abs=1e-12), cap
    assert set(v.figures) == {"turns", "alpha", "modality", "items"}
    assert v.explanation["items"][0]["item_id"] == s.last.items[0]["item_id"]


def test_photo_turn_and_photo_with_text(ctx):
    img = query_image("sneaker")
    s, v = chat.chat_turn(ctx, msg(image=img), [], None)
    assert isinstance(v.messages[0]["content"], dict) and v.messages[0]["content"]["path"].startswith(str(ctx.uploads_dir))
    assert s.last.modality_weights["image"] > 0.5
    assert s.image_sha256 and s.texts == [""]
    s, v = chat.chat_turn(ctx, msg("like this but in blue", img), v.messages, s)
    assert isinstance(v.messages[2]["content"], list) and len(v.messages[2]["content"]) == 2
    assert s.last.items[0]["color"] == "blue"


def test_bad_image_is_answered_and_app_keeps_working(ctx, tmp_path):
    bomb = tmp_path / "big.png"
    from PIL import Image

    Image.new("1", (8000, 6000)).save(bomb)  # 48 MP: over the pixel limit, a few KB on disk
    for bad in [Path(__file__).parent / "data" / "not_an_image.png", bomb]:
        s, v = chat.chat_turn(ctx, msg("this", bad), [], None)
        assert "couldn't use that image" in v.messages[-1]["content"]
        assert s.last is None and s.texts == []
    s, v = chat.chat_turn(ctx, msg("show me some hats"), v.messages, s)
    assert v.gallery


def test_chat_never_carries_raw_html(ctx):
    s, v = chat.chat_turn(ctx, msg("<img src=x onerror=alert(1)> hats"), [], None)
    assert "<img" not in v.messages[0]["content"].replace("\\<img", "")


def test_alpha_reranks_without_encoding(ctx, monkeypatch):
    s, v = chat.chat_turn(ctx, msg("running shoes"), [], None)
    s, v = chat.chat_turn(ctx, msg("in blue"), v.messages, s)
    rec = ctx.rec()

    def boom(*a, **k):
        raise AssertionError("re-ranking must not encode")

    monkeypatch.setattr(rec.encoder, "encode_text", boom)
    monkeypatch.setattr(rec.encoder, "encode_image", boom)
    orders = []
    for a in (0.0, 0.5, 1.0):
        s, v = chat.rerank(ctx, s, a)
        assert s.last.alpha == a and v.explanation["alpha"] == a
        orders.append([it["item_id"] for it in s.last.items])
    assert len(v.messages) == 4


def test_empty_history_starts_a_new_conversation(ctx):
    s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
    sid = s.session_id
    s, v = chat.chat_turn(ctx, msg("no wait, sunglasses instead"), v.messages, s)
    assert len(s.texts) == 2 and s.session_id == sid
    s, v = chat.chat_turn(ctx, msg("a mug"), [], s)
    assert s.texts == ["a mug"] and s.session_id != sid


def test_item_thumb_toggles_and_retracts(ctx):
    s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
    s, _ = chat.select_item(s, 2)
    s, confirm = ratings.rate_selected(ctx, s, 1, "ada")
    assert "👍 saved" in confirm
    lab = list(ctx.store.labels_for("ada").values())[0]
    assert (lab.label, lab.rank, lab.item_id, lab.target) == (1, 3, s.last.items[2]["item_id"], "item")
    assert lab.session_id == s.session_id and lab.turns == ["show me some hats"]
    assert lab.model_version == ctx.model_version and lab.catalog_id == ctx.rec().catalog.catalog_id
    assert abs(lab.score - s.last.items[2]["score"]) < 1e-12 and lab.alpha == s.last.alpha
    v = chat.render(ctx, s)
    assert v.gallery[2][1].endswith("✓👍")
    s, confirm = ratings.rate_selected(ctx, s, 1, "ada")  # same thumb again: retracted
    assert "taken back" in confirm
    assert ctx.store.get(lab.label_id).label == 0
    s, confirm = ratings.rate_selected(ctx, s, -1, "ada")
    assert ctx.store.get(lab.label_id).label == -1 and ctx.store.count() == 1
    assert [e["label"] for e in ctx.store.events(lab.label_id)] == [1, 0, -1]


def test_reply_like_and_bad_targets(ctx):
    s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
    s, confirm = ratings.rate_reply(ctx, s, 1, True, "ada")
    lab = list(ctx.store.labels_for("ada").values())[0]
    assert (lab.target, lab.rank, lab.item_id, lab.label) == ("reply", 0, "", 1)
    s, _ = ratings.rate_reply(ctx, s, 1, "", "ada")  # second click on 👍: the Chatbot sends "" → retracted
    assert ctx.store.get(lab.label_id).label == 0
    with pytest.raises(ratings.FeedbackInputError):
        ratings.rate_reply(ctx, s, 0, True, "ada")  # the user's own message
    with pytest.raises(ratings.FeedbackInputError, match="name"):
        ratings.rate_reply(ctx, s, 1, False, "")
    with pytest.raises(ratings.FeedbackInputError, match="Select"):
        ratings.rate_selected(ctx, s, 1, "ada")
    assert ctx.store.count() == 1


def test_my_ratings_survive_a_new_context(ctx, demo_rec, tmp_path):
    s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
    for i in range(3):
        ratings.record_feedback(ctx, s, "item", s.last.items[i]["item_id"], 1 if i else -1, "ada")
    ctx.store.close()
    ctx2 = make_ctx(demo_rec, tmp_path)  # same db path: a restart
    rows = ratings.my_ratings(ctx2, "ada")
    assert len(rows) == 3 and sorted(r[1] for r in rows) == sorted(["👎", "👍", "👍"])
    assert ratings.my_ratings(ctx2, "nobody") == []


def test_label_stats_tables_and_figures(ctx):
    s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
    item = s.last.items[0]["item_id"]
    for who, val in (("a", 1), ("b", 1), ("c", -1)):
        ratings.record_feedback(ctx, s, "item", item, val, who)
    st = labels_tab.label_stats(ctx)
    rows, items, agree = labels_tab.stats_tables(ctx, st)
    assert rows[-1] == ["total", 3] and items[0][0] == item and items[0][2:] == [2, 1]
    assert "1 item" in agree
    f1, f2 = labels_tab.stats_figures(ctx, st)
    assert list(f1.data[0].x) == [1, 1, 1]
    assert sum(f2.data[0].y) == 2


def test_export_formats(ctx, tmp_path):
    s, v = chat.chat_turn(ctx, msg(image=query_image("sneaker")), [], None)
    ratings.record_feedback(ctx, s, "item", s.last.items[0]["item_id"], 1, "ada")
    for fmt in ("jsonl", "csv", "parquet"):
        out = labels_tab.export_labels(ctx, fmt, Identity("ada"))
        assert out.endswith(".zip")  # the uploaded image goes with the labels
    ctx.config.admins = {"root"}
    with pytest.raises(NotAllowed, match="admins"):
        labels_tab.export_labels(ctx, "csv", Identity("root"))  # typed, not signed in


def test_set_model_hook_updates_header(ctx):
    from mmcrec.model import Model

    old = ctx.rec().model
    try:
        m = Model()
        m.card["version"] = "v-test-7"
        assert ctx.set_model(m) == "v-test-7"
        assert "v-test-7" in context.header_markdown(ctx)
        s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
        assert s.last.model_version == "v-test-7"
    finally:
        ctx.set_model(old)


def test_catalog_issues_are_listed(ctx):
    text = context.issues_markdown(ctx)
    issues = list(ctx.rec().catalog.issues) + list(getattr(ctx.rec(), "index_issues", []))
    assert (text == "") == (not issues)


def test_build_app_has_the_parts(ctx):
    demo = layout.build_app(ctx)
    names = {d.get("api_name") for d in demo.config["dependencies"]}
    assert {"chat", "rerank", "reset", "explanation", "feedback", "my_ratings", "label_stats", "export_labels"} <= names


def test_page_files_ship_with_the_package(ctx):
    """The stylesheet and scripts in mmcrec/app/static/ are package data (a normal install has them,
    not only a checkout), and launch hands the stylesheet to Gradio."""
    import tomllib
    from fnmatch import fnmatch

    from mmcrec.app import assets, launch_kwargs

    pyproject = Path(assets.__file__).resolve().parents[2] / "pyproject.toml"
    shipped = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["mmcrec.app"]
    files = [p.relative_to(assets.STATIC.parent).as_posix() for p in assets.STATIC.iterdir()]
    assert {"static/app.css", "static/campaign_keys.js", "static/language.js"} <= set(files)
    assert all(any(fnmatch(f, pattern) for pattern in shipped) for f in files), (files, shipped)
    assert launch_kwargs(ctx)["css_paths"] == [assets.CSS_PATH]
    assert assets.script("campaign_keys.js").startswith("() => {")  # the function, not the file's comment


def test_example_conversation_change_of_mind(ctx):
    s, v = chat.play_walkthrough(ctx, "Change of mind", None, None)
    assert len(s.texts) == 2
    assert s.last.understood["kind"] == "sunglasses"
    assert all(any(w in (it["title"] + " " + it.get("description", "")).lower() for w in ("sunglass", "shades"))
               for it in s.last.items[:3])
    assert s.last.turn_attention[0] < 0.2  # the hats' turn gets little attention


def test_example_conversation_photo_first(ctx):
    # walkthrough 2 turn by turn: a sneaker photo alone, "like this but in blue", "cheaper"
    s, v = chat.play_walkthrough(ctx, "Photo first", None, None)
    assert len(s.texts) == 3
    assert s.last.understood.get("color") == "blue" and "price_max" in s.last.understood
    top = s.last.items[0]
    assert top["category"] == "shoes" and top["color"] == "blue"
    assert s.last.turn_labels[0].startswith("[photo]") and s.last.turn_labels[1].startswith("[+ photo]")


def test_loader_reports_progress_to_the_page():
    import threading

    go = threading.Event()

    def load(progress):
        for i in range(5):
            progress(i, 4)
        go.wait(5)
        return "the recommender"

    loader = context.RecommenderLoader(load)
    seen = []

    def bar(value, desc=None, unit=None):
        seen.append(value)
        go.set()

    assert loader.get(bar) == "the recommender"
    assert seen and seen[0] == (4, 4)


def test_loader_failure_is_reported():
    loader = context.RecommenderLoader(lambda p: (_ for _ in ()).throw(FileNotFoundError("no catalog")))
    with pytest.raises(RuntimeError, match="no catalog"):
        loader.get()


class _FakePhraser(reply.ReplyPhraser):
    def __init__(self, delay: float = 0.0, drop_title: bool = False):
        self.delay, self.drop_title = delay, drop_title
        super().__init__("fake", Path("."), timeout=0.5, load=lambda: ("model", "tokenizer"))
        self._ready.wait(5)

    def _generate(self, plain, said):
        import time

        time.sleep(self.delay)
        return "Nice choice. " + ("" if self.drop_title else plain)


def test_optional_reply_model_rephrases_after_the_turn(ctx):
    assert ctx.phraser is None  # off by default
    s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
    plain = v.messages[-1]["content"]
    ctx.phraser = _FakePhraser()
    s, changed = chat.rephrase_last_reply(ctx, s)
    assert changed and s.messages[-1]["content"].startswith("Nice choice")


def test_slow_or_unfaithful_reply_model_keeps_the_plain_reply(ctx):
    s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
    plain = v.messages[-1]["content"]
    for fake in (_FakePhraser(delay=2.0), _FakePhraser(drop_title=True)):
        ctx.phraser = fake
        s, changed = chat.rephrase_last_reply(ctx, s)
        assert not changed and s.messages[-1]["content"] == plain


def test_reply_model_env_switch(monkeypatch, tmp_path):
    monkeypatch.delenv(reply.ENV_REPLY_LLM, raising=False)
    assert reply.ReplyPhraser.from_env(tmp_path) is None
    monkeypatch.setenv(reply.ENV_REPLY_LLM, "off")
    assert reply.ReplyPhraser.from_env(tmp_path) is None


def _find(name):
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_space_build_with_and_without_sign_in(ctx, monkeypatch):
    ctx.config.on_space = True
    assert not ctx.access.is_admin(Identity("someone"))  # on a Space without MMCREC_ADMINS nobody exports
    # without gradio[oauth] the page still builds, with a typed name
    monkeypatch.setattr(identity, "hf_sign_in_available", lambda: False)
    ctx2 = make_ctx(ctx.rec(), Path(ctx.store.path).parent.parent, on_space=True)
    assert not ctx2.hf_sign_in
    demo = layout.build_app(ctx2)
    box = [b for b in demo.config["components"] if b.get("props", {}).get("elem_id") == "mm-annotator"][0]
    assert box["props"]["interactive"] is True
    if _find("authlib") and _find("itsdangerous"):
        monkeypatch.setattr(identity, "hf_sign_in_available", lambda: True)
        ctx3 = make_ctx(ctx.rec(), Path(ctx.store.path).parent.parent, on_space=True)
        demo = layout.build_app(ctx3)
        types = {b.get("type") for b in demo.config["components"]}
        assert "loginbutton" in types


def test_annotator_names_reach_the_charts_as_text(ctx):
    """Plotly draws a subset of HTML in axis labels and hovers (<b>, <a href>): names are escaped."""
    s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
    evil = '<b>x</b><a href="http://e.example/">y</a>'
    ratings.record_feedback(ctx, s, "item", s.last.items[0]["item_id"], 1, evil)
    per_annotator, _ = labels_tab.stats_figures(ctx)
    (shown,) = per_annotator.data[0].y
    assert "<" not in shown and ">" not in shown
    assert html.unescape(shown) == text.one_line(evil, 30)  # Plotly turns the entities back: the name as typed


def test_a_thumb_without_a_name_keeps_the_page_and_says_not_saved(ctx):
    """A stranger's first 👎 before typing a name: a warning and "not saved"; the gallery and the
    pick stay (an error would blank every output), and nothing is stored."""
    from mmcrec.app.recommend_tab import thumb_on_page

    s, v = chat.chat_turn(ctx, msg("show me some hats"), [], None)
    s.selected = 0
    out = thumb_on_page(ctx, s, "", lambda s: ratings.rate_selected(ctx, s, -1, ""))
    session, gallery, selected, confirm, _mine = out
    assert confirm.startswith("Not saved:") and "enter your name" in confirm
    assert len(gallery) == len(v.gallery) and session is s
    assert ctx.store.count() == 0
    with pytest.raises(gr.Error):  # no conversation at all: nothing on the page to keep
        thumb_on_page(ctx, None, "", lambda s: ratings.rate_selected(ctx, s, -1, ""))


def test_the_line_under_the_gallery_is_in_the_shoppers_language(ctx):
    """A Chinese shopper reads the rating hint and the rated line in Chinese; an English one in English."""
    s, v = chat.chat_turn(ctx, msg("想买个保温杯"), [], None)
    assert "评价" in v.selected and "Select a product" not in v.selected
    s, line = chat.select_item(s, 0)
    assert line.startswith("**#1 ") and "还没有评价" in line
    s, v = chat.chat_turn(ctx, msg("a warm hat"), [], None)
    assert v.selected.startswith("Select a product")
    s, line = chat.select_item(s, 1)
    assert "not rated yet" in line

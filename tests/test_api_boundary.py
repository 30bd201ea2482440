"""The app's API as a hostile client sees it: named endpoints through gradio_client, the page's hidden
events through /gradio_api/queue/join (their fn_index from /config), and the closed /run route.
Every bad call gets one clear line (never Python's words, never a server path) and the app keeps
answering normal calls correctly."""
from __future__ import annotations

import json
import math
import re
import urllib.error
import urllib.request
import uuid

import pytest
from gradio_client.exceptions import AppError

from app_support import DEMO_CATALOG, ROOT, chat, client, hidden_event, launch, make_ctx, raw_call

PYTHON_WORDS = re.compile(r"Traceback|object has no attribute|NoneType|not subscriptable|invalid literal|"
                          r"could not convert|unsupported operand|KeyError|TypeError|ValueError|Exception")


@pytest.fixture(scope="module")
def served(demo_rec, tmp_path_factory):
    ctx = make_ctx(demo_rec, tmp_path_factory.mktemp("boundary"))
    demo, url = launch(ctx)
    yield ctx, url
    demo.close()


def refused(call, *args, match: str, **kw) -> str:
    """The call's error line, checked: it says `match`, in plain words, with no server path."""
    with pytest.raises(AppError) as e:
        call(*args, **kw)
    msg = str(e.value)
    assert re.search(match, msg), msg
    assert not PYTHON_WORDS.search(msg), msg
    assert str(ROOT) not in msg and "/tmp/" not in msg, msg
    return msg


def raw_refused(url: str, api_name: str, data: list, match: str) -> str:
    kind, out = raw_call(url, api_name, data)
    assert kind == "error", out
    msg = str(out)
    assert re.search(match, msg) and not PYTHON_WORDS.search(msg), msg
    return msg


def fn_index(url: str, fn_name: str) -> int:
    """The index of the hidden event whose handler is `fn_name` (from /config, as a client finds it)."""
    with urllib.request.urlopen(url + "config", timeout=30) as r:
        cfg = json.load(r)
    from mmcrec.app.layout import build_app  # noqa: F401 — the names below are the handlers'

    for dep in cfg["dependencies"]:
        if dep.get("api_name") == fn_name:
            return dep["id"]
    raise AssertionError(f"{fn_name} not in /config: {[d.get('api_name') for d in cfg['dependencies']]}")


def test_nan_and_out_of_range_alpha_are_refused(served):
    ctx, url = served
    c = client(url)
    msg = {"text": "running shoes under $80", "files": []}
    raw_refused(url, "chat", [msg, [], float("nan")], "α must be a finite number")
    raw_refused(url, "chat", [msg, [], math.inf], "α must be a finite number|greater than maximum")
    raw_refused(url, "rerank", [float("nan")], "α must be a finite number")
    refused(chat, c, "running shoes under $80", alpha=2.0, match="greater than maximum value 1")
    v = chat(c, "running shoes under $80")  # a normal turn is answered
    assert any(w in v["explanation"]["items"][0]["title"].lower() for w in ("shoe", "runner", "sneaker"))
    top = v["explanation"]["items"][0]
    stored = c.predict("item", top["item_id"], 1, "ada", api_name="/feedback")[0]
    assert stored["alpha"] is not None and math.isfinite(stored["alpha"]) and math.isfinite(stored["score"])


def test_wrong_types_get_one_clear_line(served):
    ctx, url = served
    c = client(url)
    chat(c, "a hat")
    n = ctx.store.count()
    raw_refused(url, "feedback", ["item", "x", math.inf, "ada"], "label must be a finite number")
    refused(c.predict, "item", "x", 1e308, "ada", api_name="/feedback", match="label must be between")
    refused(c.predict, {"a": 1}, "x", 1, "ada", api_name="/feedback", match="target must be")
    refused(c.predict, "x" * 5000, "", api_name="/promote_model", match="too long")
    assert ctx.store.count() == n
    # a browser state that is not a dict, through the page's own hidden event
    msg = hidden_event(url, fn_index(url, "reset"), [None, 5])
    assert msg["success"], msg
    # a number as a campaign name, a grade of NaN
    raw_refused(url, "campaign_judge", ["winter", "r1", "x", float("nan"), "ada"], "grade|campaign")


def test_text_the_app_cannot_keep_is_cleaned_by_one_rule(served):
    ctx, url = served
    session, chat_fn, feedback_fn = uuid.uuid4().hex[:10], fn_index(url, "chat"), fn_index(url, "feedback")

    def turn(text: str, history: list) -> tuple[list, str]:
        out = hidden_event(url, chat_fn, [{"text": text, "files": []}, history, 0.5, None], session)
        assert out["success"], out
        data = out["output"]["data"]
        expl = next(d for d in data if isinstance(d, dict) and "items" in d)
        return next(d for d in data if isinstance(d, list) and d and isinstance(d[0], dict) and "role" in d[0]), \
            expl["items"][0]["item_id"]

    def thumb(item: str, value: int) -> dict:
        out = hidden_event(url, feedback_fn, ["item", item, value, "ada", None], session)
        assert out["success"], out
        return next(d for d in out["output"]["data"] if isinstance(d, dict) and "label_id" in d)

    history, top = turn("red \ud800 hats", [])  # a lone surrogate: answered, and the session goes on
    assert thumb(top, 1)["turns"] == ["red \ufffd hats"]
    history, top = turn("and in blue\x00 please", history)  # a NUL: removed, the thumb is kept
    stored = thumb(top, -1)
    assert stored["turns"] == ["red \ufffd hats", "and in blue please"]
    assert ctx.store.get(stored["label_id"]).label == -1
    refused(chat, client(url), "hats " * 1000, match="the message is too long")


def test_explanation_names_no_server_path(served):
    ctx, url = served
    c = client(url)
    v = chat(c, "a blue backpack")
    text = json.dumps(c.predict(api_name="/explanation"))
    assert v["explanation"]["items"] and str(ROOT) not in text and str(DEMO_CATALOG.parent) not in text
    assert all("/" not in it["image"] or it["image"].startswith("http") for it in v["explanation"]["items"])


def test_run_route_is_closed_so_every_call_meets_the_queue(served):
    _, url = served
    req = urllib.request.Request(url + "gradio_api/run/chat", json.dumps({"data": [{"text": "hats", "files": []}, [], None]}).encode(),
                                 {"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=30)
    assert e.value.code == 404


def test_campaign_dashboard_is_for_admins_only_whoever_calls_it(demo_rec, tmp_path):
    from mmcrec.app.campaign_tab import dashboard
    from mmcrec.app.identity import Identity, NotAllowed

    ctx = make_ctx(demo_rec, tmp_path, admins=["boss"])
    with pytest.raises(NotAllowed, match="Only admins"):
        dashboard(ctx, Identity("boss", verified=False), "winter")  # a typed name is not a login
    demo, url = launch(ctx)
    try:
        with urllib.request.urlopen(url + "config", timeout=30) as r:
            cfg = json.load(r)
        idx = [d["id"] for d in cfg["dependencies"] if d.get("api_name") == "on_dashboard"]
        assert idx, "the dashboard's event"
        msg = hidden_event(url, idx[0], ["winter", "boss"])
        assert not msg["success"] and "Only admins" in msg["output"]["error"], msg
    finally:
        demo.close()


def test_campaigns_on_a_public_space_need_a_sign_in():
    """Typed names cost nothing: on a Space without a login, twenty made-up ones could hold every
    slot of a campaign for the whole claim time, so campaign work needs a sign-in there."""
    from mmcrec.app.identity import Access, Identity, NotAllowed

    space = Access(on_space=True)
    with pytest.raises(NotAllowed, match="need a sign-in"):
        space.campaign_annotator(space.identify("made-up-17"))
    signed_in = Access(hf_sign_in=True, on_space=True)
    assert signed_in.campaign_annotator(Identity("ada", verified=True)) == "ada"
    assert Access().campaign_annotator(Access().identify("ada")) == "ada"  # a local run: typed names are fine

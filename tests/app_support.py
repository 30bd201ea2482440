"""Helpers shared by tests/test_app*.py and tests/test_browser*.py: launch the real app in this
process on a free loopback port, and read Gradio's API answers back."""
from __future__ import annotations

import base64
import functools
import json
import socket
import ssl
import urllib.request
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = ROOT / "assets" / "catalog.csv"
QUERY_IMAGES = ROOT / "tests" / "data" / "query_images"
#: Debian's chromium, driven by Playwright (its own browser download is not used)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browser_marks() -> list:
    """pytest marks of a browser test: slow, and skipped with a reason where chromium is absent."""
    import os

    import pytest

    return [pytest.mark.browser, pytest.mark.slow,
            pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is absent (apt-get install chromium)")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query_image(word: str = "sneaker") -> Path:
    """A query photo from tests/data/query_images (fallback: a demo catalog image)."""
    if QUERY_IMAGES.is_dir():
        for p in sorted(QUERY_IMAGES.iterdir()):
            if word in p.name.lower() and p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"):
                return p
    return ROOT / "assets" / "images" / "sho-008.webp"


def make_ctx(rec, tmp_path: Path, **config):
    from mmcrec.app.config import AppConfig
    from mmcrec.app.context import AppContext

    config.setdefault("auth", None)
    config.setdefault("admins", None)
    config.setdefault("on_space", False)
    cfg = AppConfig(catalog=rec.catalog.path, feedback_db=config.pop("feedback_db", tmp_path / "fb" / "labels.sqlite"),
                    **config)
    return AppContext(cfg, recommender=rec)


PROMPTS = ["something nice", "show me a few ideas", "what do you have", "a present", "anything fun",
           "something useful", "surprise me", "what's popular", "a thing I'd like", "treat myself"]


def record_favouring(ctx, category: str, sessions: int = 25, seed: int = 0, annotator: str = "ann") -> int:
    """Annotators who thumb up `category` items and thumb down the rest of what they were shown,
    recorded through the app's label store (~6 labels a session)."""
    from mmcrec.dialogue import DialogueState, Turn
    from mmcrec.labels import Label, make_label_id

    rec = ctx.rec()
    rng = np.random.default_rng(seed)
    items = rec.catalog.items
    pool = items.loc[items["category"] == category, "item_id"].tolist()
    n = 0
    for s in range(sessions):
        prompt = PROMPTS[s % len(PROMPTS)]
        sid = f"sess-{seed}-{s}"
        st = DialogueState()
        st.add(Turn(prompt), rec.vocab)
        shown = [it["item_id"] for it in rec.recommend(st, k=4).items]
        shown += list(rng.choice(pool, 2, replace=False))
        for r, iid in enumerate(dict.fromkeys(shown)):
            good = items.loc[items["item_id"] == iid, "category"].iat[0] == category
            ctx.store.record(Label(label_id=make_label_id(sid, annotator, "item", iid, [prompt]), session_id=sid,
                                   annotator=annotator, model_version=rec.model.version,
                                   catalog_id=rec.catalog.catalog_id, turns=[prompt], item_id=iid, rank=r + 1,
                                   target="item", label=1 if good else -1))
            n += 1
    return n


def launch(ctx, concurrency: int = 4):
    """(demo, url) of the real app on 127.0.0.1:<free port>; call demo.close() after."""
    from mmcrec.app import launch_kwargs, with_queue
    from mmcrec.app.layout import build_app

    demo = with_queue(build_app(ctx), concurrency)
    kw = launch_kwargs(ctx, "127.0.0.1", free_port())
    demo.launch(prevent_thread_lock=True, quiet=True, **kw)
    return demo, f"http://127.0.0.1:{kw['server_port']}/"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every client, as benchmarks/load_app.py has: gradio_client otherwise has
    httpx load the CA bundle again for each HTTP request (~50 ms of CPU each, even on plain http)."""
    return ssl.create_default_context()


def client(url: str, **kw):
    from gradio_client import Client

    kw.setdefault("download_files", False)  # the answers carry file URLs; tests need not fetch them
    kw.setdefault("ssl_verify", tls_context())
    # httpx's 5 s default covers the API-info request too: 20 users connecting at once on two busy
    # cores can wait longer than that, and these tests check what is stored, not how fast
    kw.setdefault("httpx_kwargs", {"timeout": 120})
    return Client(url, verbose=False, **kw)


def file_path(v) -> str:
    """A file output: a local path (downloaded) or, with download_files=False, its FileData."""
    return v["path"] if isinstance(v, dict) else v


def _arr(v):
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return v


def plot_traces(plot: dict) -> list[dict]:
    """gr.Plot's API value → its traces with arrays decoded (Plotly 7 encodes them as bdata)."""
    assert plot and plot.get("type") == "plotly", plot
    fig = json.loads(plot["plot"]) if isinstance(plot["plot"], str) else plot["plot"]
    return [{k: _arr(v) for k, v in tr.items()} for tr in fig["data"]]


# the /chat endpoint's outputs, in order (gr.State outputs are hidden from the API)
CHAT_OUT = ["message", "chatbot", "gallery", "plot_turns", "plot_alpha", "plot_modality", "plot_items",
            "explanation", "selected", "status", "header"]


def chat(c, text: str = "", image: str | Path | None = None, history: list | None = None, alpha: float | None = None):
    from gradio_client import handle_file

    msg = {"text": text, "files": [handle_file(str(image))] if image else []}
    args = [msg, history or []]
    if alpha is not None:
        args.append(alpha)
    out = c.predict(*args, api_name="/chat")
    return dict(zip(CHAT_OUT, out))


def check_view_matches_explanation(view: dict, expl: dict) -> None:
    """Gallery order and captions, and every chart's numbers, equal the explanation JSON."""
    from mmcrec.app.chat import item_caption

    items = expl["items"]
    assert len(view["gallery"]) == len(items) > 0
    for r, (g, it) in enumerate(zip(view["gallery"], items), start=1):
        cap = g["caption"]
        assert cap.startswith(item_caption(r, it)), (cap, it["title"])
    tol = 1e-6
    (turns,) = plot_traces(view["plot_turns"])
    assert np.allclose(turns["x"], [100 * a for a in expl["turn_attention"]], atol=tol)
    assert len(turns["y"]) == len(expl["turns"])
    mr, mc = plot_traces(view["plot_alpha"])
    assert np.allclose(mr["x"], [100 * it["alpha_contribution"]["m_r"] for it in items], atol=tol)
    assert np.allclose(mc["x"], [100 * it["alpha_contribution"]["m_c"] for it in items], atol=tol)
    assert [y.split(". ", 1)[0] for y in mr["y"]] == [str(i) for i in range(1, len(items) + 1)]
    img, txt = plot_traces(view["plot_modality"])
    assert np.allclose(img["x"], [100 * expl["modality_weights"]["image"]] + [100 * it["modality"]["image"] for it in items],
                       atol=tol)
    assert np.allclose(np.array(img["x"]) + np.array(txt["x"]), 100, atol=tol)
    (att,) = plot_traces(view["plot_items"])
    assert np.allclose(att["y"], [100 * a for a in expl["item_attention"]], atol=tol)
    # α·m_r + (1−α)·m_c = score, as docs/contracts.md §5 says
    for it in items:
        assert abs(it["alpha_contribution"]["m_r"] + it["alpha_contribution"]["m_c"] - it["score"]) < 1e-9


def wait_until_serving(proc, url: str, timeout_s: float, output=lambda: "") -> None:
    """Wait until the app process answers 200 on url; fail with its output if it exits or is late."""
    import time
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        assert proc.poll() is None, output()
        assert time.monotonic() < deadline, f"{url} did not start:\n{output()}"
        time.sleep(0.5)


def stop_processes(*procs) -> None:
    """Terminate the app processes still running (killed after 20 s)."""
    import subprocess

    for p in procs:
        if p is not None and p.poll() is None:
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def hidden_event(url: str, fn_index: int, data: list, session: str | None = None) -> dict:
    """Call one of the page's events as its JavaScript does (queue/join, then the SSE stream; the
    same `session` keeps the same conversation); returns the completion message."""
    session = session or uuid.uuid4().hex[:10]
    body = json.dumps({"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None,
                       "trigger_id": None}).encode()
    req = urllib.request.Request(url + "gradio_api/queue/join", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200
    with urllib.request.urlopen(url + f"gradio_api/queue/data?session_hash={session}", timeout=120) as r:
        for line in r:
            line = line.decode().strip()
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return msg
    raise AssertionError("no completion")


def raw_call(url: str, api_name: str, data: list) -> tuple[str, object]:
    """POST /gradio_api/call/<name> with a JSON body as a script writes it (NaN and Infinity
    literals included, which gradio_client will not send); ("complete"|"error", the data)."""
    body = json.dumps({"data": data}).encode()  # allow_nan: NaN, Infinity
    req = urllib.request.Request(url + f"gradio_api/call/{api_name}", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        event = json.load(r)["event_id"]
    kind = None
    with urllib.request.urlopen(url + f"gradio_api/call/{api_name}/{event}", timeout=120) as r:
        for line in r:
            line = line.decode().strip()
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                return kind, json.loads(line[5:])
    raise AssertionError("no answer")

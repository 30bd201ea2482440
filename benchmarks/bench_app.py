"""Chat-turn latency of the app, request → response over gradio_client (not a test).

    python benchmarks/bench_app.py [--url http://127.0.0.1:7860/] [--turns 30] [--catalog P]

Without --url it starts the app in this process (demo catalog, a throw-away labels db) on a free
loopback port. Each conversation has three turns (text, refinement, refinement) and one photo
turn; the α slider re-rank is timed too. Prints p50 / p95 / max per kind, in milliseconds.
Use --download to also time fetching the gallery images through the client.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CONVERSATIONS = [
    ["show me some hats", "in blue", "under $30"],
    ["I need a gift for my sister", "something to wear, under $40", "not black"],
    ["running shoes", "in red", "cheaper"],
    ["a coffee mug", "something for the kitchen", "under $20"],
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=None, help="a running app; default: start one here")
    ap.add_argument("--catalog", default=str(ROOT / "assets" / "catalog.csv"))
    ap.add_argument("--turns", type=int, default=30, help="text turns to time (default 30)")
    ap.add_argument("--download", action="store_true", help="let gradio_client download the output files too")
    args = ap.parse_args(argv)

    demo = None
    url = args.url
    if url is None:
        from mmcrec.app import create_app, launch_kwargs

        tmp = tempfile.mkdtemp(prefix="mmcrec-bench-")
        demo, ctx = create_app(catalog=args.catalog, feedback_db=os.path.join(tmp, "labels.sqlite"))
        kw = launch_kwargs(ctx, "127.0.0.1", _free_port())
        demo.launch(prevent_thread_lock=True, quiet=True, **kw)
        t0 = time.perf_counter()
        ctx.rec()
        print(f"recommender ready in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        url = f"http://127.0.0.1:{kw['server_port']}/"

    from gradio_client import Client, handle_file

    # download_files=False: time the answer itself (the gallery's image URLs come back in it), not
    # the client fetching ten thumbnails one by one afterwards, which a browser does in parallel
    c = Client(url, verbose=False, **({} if args.download else {"download_files": False}))
    photo = ROOT / "tests" / "data" / "query_images"
    photos = sorted(p for p in photo.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp")) \
        if photo.is_dir() else []
    photos = photos or sorted((ROOT / "assets" / "images").glob("sho-*.webp"))[:5]

    # warm: the first request pays for connections and lazy set-up
    c.predict({"text": "hello", "files": []}, [], api_name="/chat")
    times: dict[str, list[float]] = {"text turn": [], "photo turn": [], "alpha re-rank": []}
    done = 0
    while done < args.turns:
        for conv in CONVERSATIONS:
            history: list = []
            for text in conv:
                t = time.perf_counter()
                out = c.predict({"text": text, "files": []}, history, api_name="/chat")
                times["text turn"].append(time.perf_counter() - t)
                history = out[1]
                done += 1
            t = time.perf_counter()
            c.predict(0.2 + 0.1 * (done % 6), api_name="/rerank")
            times["alpha re-rank"].append(time.perf_counter() - t)
            p = photos[done % len(photos)]
            t = time.perf_counter()
            c.predict({"text": "", "files": [handle_file(str(p))]}, [], api_name="/chat")
            times["photo turn"].append(time.perf_counter() - t)
            if done >= args.turns:
                break
    print(f"{'kind':<14} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for k, xs in times.items():
        ms = [x * 1000 for x in xs]
        print(f"{k:<14} {len(ms):>4} {statistics.median(ms):8.0f} {_pct(ms, 95):8.0f} {max(ms):8.0f}")
    if demo is not None:
        demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time per recommendation and indexing throughput; prints a markdown table.

    python benchmarks/bench_recommend.py [--sizes 10000 100000] [--repeats 30]

Recommendation: a text turn, an image turn and a three-turn dialogue on the demo catalog, then a
text turn on synthetic catalogs with precomputed embeddings (the encoder still encodes the turn).
Indexing: items/s of `build_index` on the demo catalog against the encoder's raw batched
throughput (the same images and texts, straight through encode_image / encode_text).
Targets on a 2-core CPU: text turn < 50 ms (demo), < 150 ms (100k items); indexing ≥ 80 % of raw.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mmcrec.catalog import Catalog, load_catalog  # noqa: E402
from mmcrec.dialogue import DialogueState, Turn  # noqa: E402
from mmcrec.encoders import create_encoder  # noqa: E402
from mmcrec.index import ItemIndex, build_index  # noqa: E402
from mmcrec.recommender import Recommender, serving_threads  # noqa: E402

DEMO = ROOT / "assets" / "catalog.csv"


def timed(fn, repeats: int) -> tuple[float, float]:
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    return statistics.median(ts), ts[min(len(ts) - 1, int(0.95 * len(ts)))]


def dialogue(rec: Recommender, turns: list[Turn]):
    def run():
        s = DialogueState()
        for t in turns:
            s.add(t, rec.vocab)
            r = rec.recommend(s, k=10)
        return r

    return run


def fresh_text_turns(rec: Recommender, texts: list[str]):
    """Each call encodes a new sentence: no turn cache hit, as for a new user message."""
    counter = iter(range(10**9))

    def run():
        i = next(counter)
        s = DialogueState()
        s.add(Turn(f"{texts[i % len(texts)]} #{i}"), rec.vocab)
        return rec.recommend(s, k=10)

    return run


TEXTS = ["something warm for winter evenings", "a gift for a coffee lover", "blue running shoes under $90",
         "headphones for the train", "a toy for a five year old"]


def synthetic(n: int, enc, seed: int = 0) -> Recommender:
    rng = np.random.default_rng(seed)
    cats = ["clothing", "shoes", "bags", "accessories", "electronics", "audio", "kitchen", "home", "sports",
            "toys", "instruments", "food"]
    colors = ["black", "white", "red", "blue", "green", "pink", "brown", "grey"]
    nouns = ["shirt", "shoe", "bag", "hat", "lamp", "mug", "ball", "drum", "phone", "speaker", "jacket", "kite"]
    c = rng.integers(0, len(cats), n)
    items = pd.DataFrame(
        {
            "item_id": [f"s{i}" for i in range(n)],
            "title": [f"Item {i} {nouns[i % len(nouns)]}" for i in range(n)],
            "image": [""] * n,
            "description": [""] * n,
            "category": [cats[k] for k in c],
            "price": rng.uniform(5, 300, n).round(2),
            "color": [colors[k] for k in rng.integers(0, len(colors), n)],
        }
    )
    items["_text"] = items["title"]
    items["_key"] = items["item_id"]
    cat = Catalog(path=Path(tempfile.gettempdir()) / "synthetic.csv", items=items, catalog_id=f"synthetic{n}")

    def unit(d):
        x = rng.standard_normal((n, d), dtype=np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    ix = ItemIndex(enc.name, unit(enc.dim), unit(enc.dim), unit(enc.native_dim), np.ones(n, bool))
    return Recommender(cat, ix, enc)


def indexing_throughput(enc, n_items: int = 96) -> tuple[float, float]:
    cat = load_catalog(DEMO)
    with tempfile.TemporaryDirectory() as d:
        os.environ["MMCREC_CACHE_DIR"] = d
        sub = Catalog(cat.path, cat.items.head(n_items).reset_index(drop=True), [], cat.catalog_id)
        t0 = time.perf_counter()
        build_index(sub, enc, cache=True)
        pipeline = n_items / (time.perf_counter() - t0)
        del os.environ["MMCREC_CACHE_DIR"]
    images = [sub.load_image(i) for i in range(n_items)]
    texts = sub.texts()
    t0 = time.perf_counter()
    for s in range(0, n_items, enc.batch_size):
        enc.encode_image(images[s : s + enc.batch_size])
    enc.encode_text(texts)
    raw = n_items / (time.perf_counter() - t0)
    return pipeline, raw


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--encoder", default="offline")
    args = ap.parse_args()

    enc = create_encoder(args.encoder)
    demo = Recommender(load_catalog(DEMO), build_index(load_catalog(DEMO), enc), enc)
    serving_threads()  # as the app and the CLI serve
    shoe = int(demo.catalog.items.query("category == 'shoes'").index[0])
    photo = demo.catalog.load_image(shoe)
    rows = []

    def add(what, catalog, fn):
        p50, p95 = timed(fn, args.repeats)
        rows.append((what, catalog, p50, p95))

    add("text turn (new sentence)", f"demo ({len(demo.catalog)})", fresh_text_turns(demo, TEXTS))
    add("text turn (α re-rank, cached)", f"demo ({len(demo.catalog)})", dialogue(demo, [Turn("blue running shoes")]))
    add("image turn (new photo)", f"demo ({len(demo.catalog)})",
        lambda: dialogue(demo, [Turn("", photo, f"p{time.perf_counter_ns()}")])())
    add("three-turn dialogue (new)", f"demo ({len(demo.catalog)})",
        lambda: dialogue(demo, [Turn(f"something to wear #{time.perf_counter_ns()}"), Turn("under $40"),
                                Turn("not black")])())
    for n in args.sizes:
        rec = synthetic(n, enc)
        add("text turn (new sentence)", f"synthetic {n:,}", fresh_text_turns(rec, TEXTS))
        add("three-turn dialogue (new)", f"synthetic {n:,}",
            lambda rec=rec: dialogue(rec, [Turn(f"a red jacket #{time.perf_counter_ns()}"), Turn("under $50"),
                                           Turn("not black")])())
        del rec

    pipeline, raw = indexing_throughput(enc)
    print(f"## Recommendation latency ({enc.name}, {os.cpu_count()} CPUs, {args.repeats} runs after warm-up)\n")
    print("| query | catalog | p50 ms | p95 ms |\n|---|---|---|---|")
    for what, cat, p50, p95 in rows:
        print(f"| {what} | {cat} | {p50:.1f} | {p95:.1f} |")
    print("\n## Indexing throughput (demo images + texts)\n")
    print("| pipeline items/s | raw encoder items/s | ratio |\n|---|---|---|")
    print(f"| {pipeline:.1f} | {raw:.1f} | {pipeline / raw:.0%} |")


if __name__ == "__main__":
    main()

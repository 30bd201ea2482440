"""What the label memory adds to a text turn, by memory size (the target: at most 1 ms at 10,000
entries on the demo catalog).

Memories of N labelled requests are built from the shoppers' own kind of sentences: each entry's
dialogue vector is a real sentence embedding (the benchmark's requests reworded with a number, so
every request recalls some entries) and it judged three random items. The same fresh text turns
(each a new sentence: no turn cache hit) are timed with the model serving no memory and each
memory, alternating, on one thread. Above memory.EXACT_MAX entries the memory searches an HNSW
graph, as served.

    .venv/bin/python benchmarks/bench_memory.py [--sizes 1000 10000 50000] [--repeats 60]

Writes benchmarks/results/memory_latency.md.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from mmcrec.dialogue import DialogueState, Turn  # noqa: E402

# asks whose words are all query, and asks with a budget the query leaves out: the memory compares
# the query as the turn already encoded it (the words as said would be one more sentence through
# the encoder, +5 ms a turn here: docs/memory.md)
PLAIN = ["something warm for winter evenings", "a gift for a coffee lover", "blue running shoes",
         "headphones for the train", "a toy for a five year old"]
BUDGET = [f"{t} {{i}} under ${p}" for t, p in zip(PLAIN, (60, 30, 90, 80, 25))]


def fresh_turns(rec, texts: list[str]):
    """Each call asks a new sentence (a counter where {i} is, else at the end): no cache hit."""
    counter = iter(range(10**9))

    def run(served):
        i = next(counter)
        t = texts[i % len(texts)]
        s = DialogueState()
        s.add(Turn(t.format(i=i) if "{i}" in t else f"{t} {i}"), rec.vocab)
        return rec.recommend(s, k=10, served=served)

    return run
from mmcrec.memory import EXACT_MAX, LabelMemory, catalog_hashes  # noqa: E402
from mmcrec.model import Model  # noqa: E402
from mmcrec.recommender import load_recommender  # noqa: E402

DEMO = ROOT / "assets" / "catalog.csv"


def synthetic_memory(rec, n: int, seed: int = 0) -> LabelMemory:
    """n entries around real request embeddings (noise keeps them distinct), 3 judged items each."""
    rng = np.random.default_rng(seed)
    base = rec.lm([f"{t} please" for t in PLAIN] + ["a present for my sister", "shoes for hiking", "a lamp for reading"])
    text = base[rng.integers(0, len(base), n)] + rng.normal(0, 0.6 / np.sqrt(base.shape[1]), (n, base.shape[1]))
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    ids = rec.catalog.ids
    hashes = catalog_hashes(rec.catalog)
    entry = np.repeat(np.arange(n), 3)
    items = [ids[i] for i in rng.integers(0, len(ids), 3 * n)]
    return LabelMemory(text=text.astype(np.float32), photo=np.zeros((n, rec.index.native.shape[1]), np.float32),
                       has_text=np.ones(n, bool), has_photo=np.zeros(n, bool),
                       entries=[{"turns": [f"request {i}"]} for i in range(n)], entry=entry, item_ids=items,
                       value=rng.choice([-0.5, 0.5, 0.75], 3 * n).astype(np.float32), up=np.ones(3 * n, np.int32),
                       down=np.zeros(3 * n, np.int32), grade=np.full(3 * n, np.nan, np.float32),
                       item_hashes={i: hashes[i] for i in set(items)}, threshold=0.6, strength=4.0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 50_000])
    ap.add_argument("--repeats", type=int, default=60)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "memory_latency.md"))
    args = ap.parse_args(argv)
    rec = load_recommender(DEMO, "offline")
    plain = Model()
    rows = []
    for n, kind in [(n, k) for n in args.sizes for k in ("plain", "budget")]:
        mem = synthetic_memory(rec, n)
        # both models prepared once (swapping the served model between turns would rebuild the
        # memory's graph before every timed turn and time the caches it evicted)
        plain_served, mem_served = rec.prepare(plain), rec.prepare(Model(memory=mem))
        run = fresh_turns(rec, [f"{t} size{n}" for t in (PLAIN if kind == "plain" else BUDGET)])
        t_plain, t_mem, recalled = [], [], 0
        for i in range(args.repeats + 5):  # alternate: the machine's drift hits both alike
            for served, out in ((plain_served, t_plain), (mem_served, t_mem)):
                t0 = time.perf_counter()
                r = run(served)
                if i >= 5:
                    out.append((time.perf_counter() - t0) * 1000)
                    recalled += served is mem_served and r.memory is not None
        p0, p1 = statistics.median(t_plain), statistics.median(t_mem)
        rows.append((n, kind, "graph (HNSW)" if n > EXACT_MAX else "exact", p0, p1, p1 - p0, recalled / args.repeats))
        print(f"{n:>6} entries, {kind} asks: text turn p50 {p0:.2f} ms without memory, {p1:.2f} ms with (+{p1 - p0:.2f} ms); "
              f"recalled for {recalled}/{args.repeats} turns", flush=True)
    md = ["# Label memory: cost per text turn (demo catalog)", "",
          f"Written by `benchmarks/bench_memory.py --sizes {' '.join(map(str, args.sizes))} --repeats {args.repeats}`. "
          "Fresh text turns (new sentences, no cache hit), timed alternately without a memory and with one of N "
          "entries; p50 wall ms on one thread. Target: at most +1 ms at 10,000 entries.", "",
          "Plain asks: all their words are the query. Budget asks (\"... under $60\"): the query leaves the "
          "budget out, and the memory compares the query as the turn encoded it (no second encoding).", "",
          "| entries | asks | search | p50 without | p50 with | added | turns that recalled entries |", "|---|---|---|---|---|---|---|"]
    for n, kind, how, p0, p1, d, share in rows:
        md.append(f"| {n:,} | {kind} | {how} | {p0:.2f} ms | {p1:.2f} ms | {d:+.2f} ms | {share:.0%} |")
    Path(args.out).write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())

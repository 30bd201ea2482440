"""Shoppers in other languages: the same needs asked in English and in Chinese, a Chinese catalog
asked in both, a two-request smoke set in each language the multilingual encoder reads, and what
the second encoder costs (a text turn's latency, indexing time).

- demo: the demo catalog's requests (`dev` or `test`) and their hand-written Chinese versions
  (`dev_zh` / `test_zh`, same needs, same answer keys): NDCG@10 of each, and Chinese / English;
- demo, other wordings (dev only, `dev_zh_paraphrases`): Chinese versions of the other shoppers'
  wordings of the dev needs, written after the packs were tuned on `dev_zh` — a check that what was
  tuned holds for wordings no one tuned on;
- openmoji (dev only, `dev_zh` of openmoji): the second catalog's worded dev requests in Chinese,
  also written after the packs were tuned, on a catalog they were not tuned on;
- zh: the Chinese demo catalog's own requests (half Chinese, half English), by language;
- smoke: `smoke_multilingual`, two requests per language (reported on every split: it is not tuned on);
- latency: a text turn on the demo catalog, English and Chinese, p50 and p95 over repeated
  distinct requests (the multilingual encoder loaded once and shared);
- indexing: the demo catalog indexed from scratch, without and with its multilingual vectors.

    .venv/bin/python benchmarks/bench_multilingual.py --split dev|test

Writes benchmarks/results/multilingual_<split>.{md,json}.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from mmcrec.dialogue import DialogueState, Turn  # noqa: E402
from mmcrec.evaluate import ModelSystem, SemanticSystem, evaluate, load_queries  # noqa: E402
from mmcrec.recommender import load_recommender  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def worded(qs):
    return [q for q in qs if q.turns and any(t.strip() for t in q.turns)]


def ndcg(system, qs) -> dict:
    r = evaluate(system, qs, k=10)
    return {"n": r["overall"]["n"], "ndcg": r["overall"]["ndcg"], "by_kind": {k: v["ndcg"] for k, v in r["by_kind"].items()},
            "by_language": {k: {"n": v["n"], "ndcg": v["ndcg"]} for k, v in (r.get("by_language") or {}).items()}}


def latency(rec, texts: list[str], repeats: int = 3) -> dict:
    times = []
    for rep in range(repeats):
        for t in texts:
            st = DialogueState()
            st.add(Turn(f"{t} {'!' * (rep + 1)}"), rec.vocab)  # distinct text: no cached turn
            t0 = time.perf_counter()
            rec.recommend(st, k=10)
            times.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)), "turns": len(times)}


def index_time(catalog: Path) -> dict:
    from mmcrec.catalog import load_catalog
    from mmcrec.encoders import create_encoder
    from mmcrec.embedding_cache import build_index
    from mmcrec.multilingual import CrossLingual

    cat = load_catalog(catalog)
    enc = create_encoder("offline")
    t0 = time.perf_counter()
    build_index(cat, enc, cache=False)
    base = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        CrossLingual(cat.texts(), cat.row_keys(), Path(d)).items
        extra = time.perf_counter() - t0
    return {"index_s": round(base, 2), "multilingual_s": round(extra, 2), "ratio": round((base + extra) / base, 3)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=["dev", "test"], default="dev")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    sets = json.loads((ROOT / "assets" / "eval" / "sets.json").read_text())
    out: dict = {"split": args.split}
    demo = load_recommender(ROOT / sets["demo"]["catalog"], "offline")
    en = worded(load_queries(ROOT / sets["demo"][args.split]))
    zh = load_queries(ROOT / sets["demo"][f"{args.split}_zh"])
    same = {q.query_id.removesuffix("-zh") for q in zh}
    en = [q for q in en if q.query_id in same]
    out["demo"] = {"english": ndcg(ModelSystem(demo), en), "chinese": ndcg(ModelSystem(demo), zh),
                   "semantic_english": ndcg(SemanticSystem(demo.catalog, demo.index, demo.encoder), en), "semantic_chinese": ndcg(SemanticSystem(demo.catalog, demo.index, demo.encoder), zh)}
    out["demo"]["ratio"] = out["demo"]["chinese"]["ndcg"] / out["demo"]["english"]["ndcg"]
    key = f"{args.split}_zh_paraphrases"  # other shoppers' wordings, in Chinese (dev: a fresh check of the packs)
    if key in sets["demo"]:
        zp = load_queries(ROOT / sets["demo"][key])
        ep = {q.query_id: q for q in load_queries(ROOT / sets["demo"][f"{args.split}_paraphrases"])}
        ep = [ep[q.query_id.removesuffix("-zh")] for q in zp]
        out["demo_other_wordings"] = {"english": ndcg(ModelSystem(demo), ep), "chinese": ndcg(ModelSystem(demo), zp)}
        o = out["demo_other_wordings"]
        o["ratio"] = o["chinese"]["ndcg"] / o["english"]["ndcg"]
    if f"{args.split}_zh" in sets["openmoji"]:  # a second English catalog, asked in Chinese
        orec = load_recommender(ROOT / sets["openmoji"]["catalog"], "offline")
        oz = load_queries(ROOT / sets["openmoji"][f"{args.split}_zh"])
        oe = {q.query_id: q for q in load_queries(ROOT / sets["openmoji"][args.split])}
        oe = [oe[q.query_id.removesuffix("-zh")] for q in oz]
        out["openmoji"] = {"english": ndcg(ModelSystem(orec), oe), "chinese": ndcg(ModelSystem(orec), oz)}
        out["openmoji"]["ratio"] = out["openmoji"]["chinese"]["ndcg"] / out["openmoji"]["english"]["ndcg"]
        del orec
    zrec = load_recommender(ROOT / sets["zh"]["catalog"], "offline")
    out["zh_catalog"] = {"model": ndcg(ModelSystem(zrec), load_queries(ROOT / sets["zh"][args.split])),
                         "semantic": ndcg(SemanticSystem(zrec.catalog, zrec.index, zrec.encoder), load_queries(ROOT / sets["zh"][args.split]))}
    out["smoke"] = ndcg(ModelSystem(demo), load_queries(ROOT / sets["demo"]["smoke_multilingual"]))
    texts_en = [" ".join(q.turns) for q in en if q.kind == "text"][:20]
    texts_zh = [" ".join(q.turns) for q in zh if q.kind == "text"][:20]
    out["latency"] = {"english": latency(demo, texts_en), "chinese": latency(demo, texts_zh)}
    out["indexing"] = index_time(ROOT / sets["demo"]["catalog"])
    d = out["demo"]
    md = [f"# Shoppers in other languages ({args.split} split)", "",
          f"Written by `benchmarks/bench_multilingual.py --split {args.split}`; the protocol is in its docstring. NDCG@10.", "",
          "| set | n | model | plain semantic search |", "|---|---|---|---|",
          f"| demo, English | {d['english']['n']} | {d['english']['ndcg']:.3f} | {d['semantic_english']['ndcg']:.3f} |",
          f"| demo, the same needs in Chinese | {d['chinese']['n']} | {d['chinese']['ndcg']:.3f} | {d['semantic_chinese']['ndcg']:.3f} |",
          f"| Chinese / English | | **{d['ratio']:.2f}** | |"]
    if "demo_other_wordings" in out:
        o = out["demo_other_wordings"]
        md += [f"| demo, other shoppers' wordings, English | {o['english']['n']} | {o['english']['ndcg']:.3f} | |",
               f"| demo, the same in Chinese | {o['chinese']['n']} | {o['chinese']['ndcg']:.3f} | |",
               f"| Chinese / English, other wordings | | **{o['ratio']:.2f}** | |"]
    if "openmoji" in out:
        o = out["openmoji"]
        md += [f"| openmoji, English | {o['english']['n']} | {o['english']['ndcg']:.3f} | |",
               f"| openmoji, the same needs in Chinese | {o['chinese']['n']} | {o['chinese']['ndcg']:.3f} | |",
               f"| Chinese / English, openmoji | | **{o['ratio']:.2f}** | |"]
    for lg, m in out["zh_catalog"]["model"]["by_language"].items():
        md.append(f"| Chinese catalog, asked in {lg} | {m['n']} | {m['ndcg']:.3f} | "
                  f"{out['zh_catalog']['semantic']['by_language'].get(lg, {}).get('ndcg', float('nan')):.3f} |")
    md += ["", "By kind (model): " + ", ".join(f"{k} {d['english']['by_kind'][k]:.3f} → {v:.3f} in Chinese"
                                               for k, v in d["chinese"]["by_kind"].items() if k in d["english"]["by_kind"]), "",
           "Smoke set, two requests per language (model NDCG@10): " + ", ".join(
               f"{lg} {m['ndcg']:.2f}" for lg, m in out["smoke"]["by_language"].items()), "",
           f"A text turn on the demo catalog: English p50 {out['latency']['english']['p50_ms']:.1f} ms "
           f"(p95 {out['latency']['english']['p95_ms']:.1f}), Chinese p50 {out['latency']['chinese']['p50_ms']:.1f} ms "
           f"(p95 {out['latency']['chinese']['p95_ms']:.1f}).", "",
           f"Indexing the demo catalog: {out['indexing']['index_s']} s, plus {out['indexing']['multilingual_s']} s for its "
           f"multilingual vectors ({out['indexing']['ratio']:.2f}×)."]
    o = Path(args.out)
    o.mkdir(parents=True, exist_ok=True)
    (o / f"multilingual_{args.split}.md").write_text("\n".join(md) + "\n")
    (o / f"multilingual_{args.split}.json").write_text(json.dumps(out, indent=2))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())

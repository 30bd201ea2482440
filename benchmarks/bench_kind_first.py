"""What the shopper asks for comes first (issue 30): the model against plain semantic search on each
catalog's requests and its hand-written "kind first" requests (a kind plus a colour, a setting, a
budget nothing of the kind meets, a narrow grain, a refinement or a change of mind), by kind; how
often the asked kind fills the top 5 where the catalog holds five of it; and the stakeholder
examples of the issue.

    .venv/bin/python benchmarks/bench_kind_first.py --split dev|test

Writes benchmarks/results/kind_first_<split>.{md,json}. The graded items of a kind-first request are
the items of the asked kind (assets/eval/README.md), so "fills the top 5" = the top 5 are all graded.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from mmcrec.dialogue import DialogueState, Turn  # noqa: E402
from mmcrec.evaluate import ModelSystem, SemanticSystem, evaluate, load_queries  # noqa: E402
from mmcrec.recommender import load_recommender  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
EXAMPLES = [("red running shoes under $80", "both runners in budget in the top 3"),
            ("a blue backpack under $20", "the blue backpack first, marked over budget"),
            ("a warm hat for skiing", "hats first")]


def by_kind(r: dict) -> dict:
    return {k: {"n": v["n"], "ndcg": v["ndcg"]} for k, v in r["by_kind"].items()}


def fills_top5(system, queries) -> tuple[int, int]:
    hit = n = 0
    for q in queries:
        if sum(1 for g in q.relevant.values() if g > 0) < 5:
            continue
        n += 1
        hit += all(q.relevant.get(i, 0) > 0 for i in system.rank(q, 5))
    return hit, n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=["dev", "test"], default="dev")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    sets = json.loads((ROOT / "assets" / "eval" / "sets.json").read_text())
    out: dict = {"split": args.split, "catalogs": {}}
    md = [f"# What the shopper asks for comes first ({args.split} split)", "",
          f"Written by `benchmarks/bench_kind_first.py --split {args.split}`; NDCG@10, worded requests "
          "(text and multi-turn).", "",
          "| catalog | set | kind | n | model | semantic | model / semantic |", "|---|---|---|---|---|---|---|"]
    for name in ("demo", "openmoji"):
        spec = sets[name]
        rec = load_recommender(ROOT / spec["catalog"], "offline")
        model, sem = ModelSystem(rec), SemanticSystem(rec.catalog, rec.index, rec.encoder)
        res = {}
        for label, key in (("requests", args.split), ("kind first", f"{args.split}_kind_first")):
            qs = [q for q in load_queries(ROOT / spec[key]) if q.kind in ("text", "multi-turn")]
            m, s = by_kind(evaluate(model, qs)), by_kind(evaluate(sem, qs))
            res[label] = {"model": m, "semantic": s}
            for kd in m:
                md.append(f"| {name} | {label} | {kd} | {m[kd]['n']} | {m[kd]['ndcg']:.3f} | {s[kd]['ndcg']:.3f} | "
                          f"{m[kd]['ndcg'] / max(s[kd]['ndcg'], 1e-9):.2f}× |")
            if label == "kind first":
                hit, n = fills_top5(model, qs)
                hs, _ = fills_top5(sem, qs)
                res[label]["fills_top5"] = {"model": hit, "semantic": hs, "n": n}
        out["catalogs"][name] = res
    md += ["", "The asked kind fills the top 5 (kind-first requests whose catalog holds five of the kind): " + ", ".join(
        f"{c} model {r['kind first']['fills_top5']['model']}/{r['kind first']['fills_top5']['n']}, semantic "
        f"{r['kind first']['fills_top5']['semantic']}/{r['kind first']['fills_top5']['n']}" for c, r in out["catalogs"].items()), ""]
    rec = load_recommender(ROOT / sets["demo"]["catalog"], "offline")
    md += ["The issue's examples on the demo catalog (top 5):", ""]
    out["examples"] = {}
    for text, want in EXAMPLES:
        st = DialogueState()
        st.add(Turn(text), rec.vocab)
        items = rec.recommend(st, k=5).items
        shown = [f"{it['title']} (${it['price']:.2f}{', over budget' if it['over_budget'] else ''})" for it in items]
        out["examples"][text] = shown
        md.append(f"- \"{text}\" (wanted: {want}): " + "; ".join(shown))
    o = Path(args.out)
    o.mkdir(parents=True, exist_ok=True)
    (o / f"kind_first_{args.split}.md").write_text("\n".join(md) + "\n")
    (o / f"kind_first_{args.split}.json").write_text(json.dumps(out, indent=2))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())

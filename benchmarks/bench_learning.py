"""Learning from labels, judged twice: on repeat needs (other shoppers' wordings of needs that were
labelled) and on new needs (nothing like them was labelled).

Per catalog (assets/eval/sets.json) and split (`--split dev` while tuning, `--split test` to report):
the split's requests are its needs, and `*_paraphrases` holds a hand-written other wording of each
worded one (`paraphrase_of`). The needs are halved by picture and by request (requests sharing a
photo stay together; simulate_annotators.halves). Simulated annotators (simulate_annotators.
simulate_labels: the untrained model's top 12, each looked at with a probability that falls with
its rank, 10% of thumbs flipped) rate the FIRST wording of the needs of one half until the budget
of thumbs is reached; `train_next` (the code of `mmcrec train`: label memory, its threshold and
strength fitted on its own training sessions) trains the next model on them alone. Then, NDCG@10
before (the untrained model) and after:

- repeat needs: the other wordings of the labelled half's needs (never labelled themselves);
- new needs: the other half, both wordings;
- seen: the labelled wordings themselves (for reference: what a memory of exact asks gives).

The halves swap, every seed splits and simulates afresh, and a request's result is its mean over
the seeds. Brackets are 95% bootstrap intervals over requests.

    .venv/bin/python benchmarks/bench_learning.py --split dev [--budgets 100,300,1000,3000] [--seeds 0,1]

Writes benchmarks/results/learning_memory_<split>.{md,json,svg}.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from mmcrec.evaluate import ModelSystem, evaluate, load_queries, ndcg_at  # noqa: E402
from mmcrec.model import Model  # noqa: E402
from mmcrec.recommender import load_recommender  # noqa: E402
from mmcrec.registry import Registry  # noqa: E402
from mmcrec.training import train_next  # noqa: E402
from simulate_annotators import SHOWN, bootstrap, halves, simulate_labels  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
GROUPS = ("repeat", "new", "seen")


def needs(spec: dict, split: str) -> tuple[list, list]:
    """(first wordings, other wordings) of a split's needs."""
    first = load_queries(ROOT / spec[split])
    other = load_queries(ROOT / spec[f"{split}_paraphrases"])
    ids = {q.query_id for q in first}
    missing = [q.query_id for q in other if q.paraphrase_of not in ids]
    if missing:
        raise SystemExit(f"{spec[f'{split}_paraphrases']}: paraphrase_of names no request of {spec[split]}: {missing[:3]}")
    return first, other


def run_catalog(name: str, spec: dict, split: str, budgets: list[int], seeds: list[int], encoder: str | None) -> dict:
    rec = load_recommender(ROOT / spec["catalog"], encoder)
    first, other = needs(spec, split)
    every = first + other
    base = {r["query_id"]: r["ndcg"] for r in evaluate(ModelSystem(rec), every, k=10)["per_query"]}
    ranked = {q.query_id: ModelSystem(rec).rank(q, SHOWN) for q in first}
    # results per budget, group, request: the NDCG@10 after training, one per seed
    after = {b: {g: {} for g in GROUPS} for b in budgets}
    runs = []
    for seed in seeds:
        half = halves(first, np.random.default_rng(seed))
        for h in (0, 1):
            labelled = [q for q in first if half[q.query_id] == h]
            groups = {"seen": labelled,
                      "repeat": [q for q in other if half[q.paraphrase_of] == h],
                      "new": [q for q in first if half[q.query_id] != h] + [q for q in other if half[q.paraphrase_of] != h]}
            pool = simulate_labels(ranked, labelled, max(budgets), np.random.default_rng(seed + 100 + h), name,
                                   position_bias=True)
            for b in budgets:
                with tempfile.TemporaryDirectory() as tmp:
                    res = train_next(pool[:b], rec.catalog, rec, Registry(tmp), seed=seed + h, current=Model())
                shadow = copy.copy(rec)
                shadow.set_model(res.model)
                line = []
                for g, qs in groups.items():
                    r = evaluate(ModelSystem(shadow), qs, k=10)
                    for row in r["per_query"]:
                        after[b][g].setdefault(row["query_id"], []).append(row["ndcg"])
                    recalled = sum(row["need"] == "repeat" for row in r["per_query"])
                    line.append(f"{g} {np.mean([base[q.query_id] for q in qs]):.3f}→{r['overall']['ndcg']:.3f} "
                                f"(recalled {recalled}/{len(qs)})")
                mem = res.model.card.get("memory") or {}
                exp = res.model.card.get("expansion") or {}
                runs.append({"catalog": name, "seed": seed, "labelled_half": h, "labels": b, "seconds": round(res.seconds, 1),
                             "expansion": [exp.get("pull"), exp.get("push")], "scalars_kept": exp.get("trained_scalars_kept"),
                             "threshold": mem.get("threshold"), "strength": mem.get("strength"), "entries": mem.get("entries", 0),
                             "promotable": res.promotable, "verdict": res.verdict})
                print(f"{name} {split} seed {seed} half {h} {b:>5} labels: " + "; ".join(line)
                      + f"  θ={mem.get('threshold')} λ={mem.get('strength')} expansion {runs[-1]['expansion']} scalars kept {runs[-1]['scalars_kept']} ({res.seconds:.0f}s)", flush=True)
    rng = np.random.default_rng(7)
    table = {}
    for b in budgets:
        table[str(b)] = {}
        for g in GROUPS:
            ids = sorted(after[b][g])
            table[str(b)][g] = bootstrap(np.array([base[i] for i in ids]), np.array([np.mean(after[b][g][i]) for i in ids]), rng)
            kinds = sorted({q.kind for q in every if q.query_id in after[b][g]})
            table[str(b)][g]["by_kind"] = {
                k: bootstrap(np.array([base[i] for i in ids if kind_of(every, i) == k]),
                             np.array([np.mean(after[b][g][i]) for i in ids if kind_of(every, i) == k]), rng) for k in kinds}
    return {"catalog": spec["catalog"], "split": split, "needs": len(first), "other_wordings": len(other),
            "encoder": rec.encoder.name, "by_budget": table, "runs": runs, "ceiling": ceiling(rec, first, other, ranked)}


def ceiling(rec, first: list, other: list, ranked: dict) -> dict:
    """What a perfect memory could give repeat needs under this protocol: annotators only ever see
    the untrained model's first SHOWN items, so at best every relevant one of those (by its true
    grade) tops another wording's ranking, the rest of it unchanged. `thumbs`: the same with what
    thumbs can say, relevant or not (no grades): the relevant ones on top in the other wording's own
    order."""
    grades = {q.query_id: q.relevant for q in first}
    before, after, thumbs = [], [], []
    for p in other:
        g = grades[p.paraphrase_of]
        own = ModelSystem(rec).rank(p, 100)
        liked = [i for i in ranked[p.paraphrase_of][:SHOWN] if g.get(i, 0) > 0]
        lift = sorted(liked, key=lambda i: -g[i])
        as_ranked = sorted(liked, key=lambda i: own.index(i) if i in own else len(own))
        before.append(ndcg_at(own, p.relevant, 10))
        after.append(ndcg_at(lift + [i for i in own if i not in lift], p.relevant, 10))
        thumbs.append(ndcg_at(as_ranked + [i for i in own if i not in as_ranked], p.relevant, 10))
    b, a, t = float(np.mean(before)), float(np.mean(after)), float(np.mean(thumbs))
    return {"before": b, "after": a, "gain": a / b - 1 if b else 0.0, "thumbs": t, "thumbs_gain": t / b - 1 if b else 0.0}


def kind_of(queries: list, qid: str) -> str:
    return next(q.kind for q in queries if q.query_id == qid)


def fmt(d: dict) -> str:
    lo, hi = d["gain_ci"]
    return f"{d['before']:.3f} → {d['after']:.3f} ({d['gain']:+.0%} [{lo:+.0%}, {hi:+.0%}])"


def svg_curves(results: dict, budgets: list[int], path: Path) -> None:
    """The learning curves as a small SVG (relative gain by budget, one line per catalog and group):
    no plotting library needed to draw it or to view it."""
    w, h, pad = 640, 360, 56
    colors = {"repeat": "#d1495b", "new": "#2a6fdb", "seen": "#888888"}
    dash = {0: "", 1: "6,4"}
    gains = [r["by_budget"][str(b)][g]["gain"] for r in results.values() for b in budgets for g in GROUPS]
    lo, hi = min(0.0, min(gains)), max(0.05, max(gains))
    xs = {b: pad + (w - 2 * pad) * i / max(1, len(budgets) - 1) for i, b in enumerate(budgets)}
    y = lambda v: h - pad - (h - 2 * pad) * (v - lo) / (hi - lo)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<line x1="{pad}" y1="{y(0):.1f}" x2="{w - pad}" y2="{y(0):.1f}" stroke="#bbb"/>',
           f'<text x="{pad}" y="20" font-size="14">NDCG@10 gain over the untrained model, by number of thumbs</text>']
    for b, x in xs.items():
        out.append(f'<text x="{x:.1f}" y="{h - pad + 18}" text-anchor="middle">{b}</text>')
    for v in np.linspace(lo, hi, 5):
        out.append(f'<text x="{pad - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:+.0%}</text>')
    for ci, (name, r) in enumerate(results.items()):
        for g in GROUPS:
            pts = " ".join(f"{xs[b]:.1f},{y(r['by_budget'][str(b)][g]['gain']):.1f}" for b in budgets)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colors[g]}" stroke-width="2" stroke-dasharray="{dash[ci % 2]}"/>')
    legend = [(f"{name} {g}", colors[g], dash[ci % 2]) for ci, name in enumerate(results) for g in GROUPS]
    for i, (label, c, d) in enumerate(legend):
        ly = pad + 16 * i
        out.append(f'<line x1="{w - pad - 150}" y1="{ly}" x2="{w - pad - 125}" y2="{ly}" stroke="{c}" stroke-width="2" stroke-dasharray="{d}"/>')
        out.append(f'<text x="{w - pad - 120}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default=str(ROOT / "assets" / "eval" / "sets.json"))
    ap.add_argument("--catalogs", default="demo,openmoji")
    ap.add_argument("--split", choices=["dev", "test"], default="dev", help="dev while tuning; test to report")
    ap.add_argument("--encoder", default=None)
    ap.add_argument("--budgets", default="100,300,1000,3000")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    budgets = sorted(int(b) for b in args.budgets.split(","))
    seeds = [int(x) for x in args.seeds.split(",")]
    sets = json.loads(Path(args.sets).read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    results = {name: run_catalog(name, sets[name], args.split, budgets, seeds, args.encoder) for name in args.catalogs.split(",")}
    stem = f"learning_memory_{args.split}"
    md = [f"# Learning from labels: repeat needs and new needs ({args.split} split)", "",
          f"Written by `benchmarks/bench_learning.py --split {args.split} --budgets {args.budgets} --seeds {args.seeds}` "
          f"({time.perf_counter() - t0:.0f}s); the protocol is in the script's docstring. NDCG@10 before (untrained) → "
          "after training on the thumbs, relative gain with its 95% bootstrap interval over requests. Repeat needs: "
          "other shoppers' wordings of the labelled needs (never labelled themselves); new needs: needs nobody "
          "labelled; seen: the labelled wordings themselves.", "",
          f"![learning curves]({stem}.svg)", "",
          "| catalog | labels | repeat needs | new needs | seen wordings |", "|---|---|---|---|---|"]
    for name, r in results.items():
        for b in budgets:
            t = r["by_budget"][str(b)]
            md.append(f"| {name} | {b} | {fmt(t['repeat'])} | {fmt(t['new'])} | {fmt(t['seen'])} |")
    md += ["", "The ceiling of this protocol: a perfect memory (every relevant item among the first "
           f"{SHOWN} the annotators were shown, by its true grade, on top of another wording's ranking) gives repeat needs "
           + "; ".join(f"{name} {r['ceiling']['before']:.3f} → {r['ceiling']['after']:.3f} ({r['ceiling']['gain']:+.0%})"
                       for name, r in results.items()) + "; with what thumbs can say (relevant or not, no grades), "
           + "; ".join(f"{name} {r['ceiling']['thumbs_gain']:+.0%}" for name, r in results.items()) + "."]
    md += ["", "## By kind, at the largest budget", "", "| catalog | group | kind | n | NDCG@10 |", "|---|---|---|---|---|"]
    for name, r in results.items():
        t = r["by_budget"][str(budgets[-1])]
        for g in GROUPS:
            for k, d in t[g]["by_kind"].items():
                md.append(f"| {name} | {g} | {k} | {d['n']} | {fmt(d)} |")
    md += ["", "## Training runs", "", "| catalog | seed | half | labels | memory entries | θ | λ | verdict |", "|---|---|---|---|---|---|---|---|"]
    for r in results.values():
        for run in r["runs"]:
            md.append(f"| {run['catalog']} | {run['seed']} | {run['labelled_half']} | {run['labels']} | {run['entries']} | "
                      f"{run['threshold']} | {run['strength']} | {run['verdict']} |")
    (out / f"{stem}.md").write_text("\n".join(md) + "\n")
    (out / f"{stem}.json").write_text(json.dumps({"budgets": budgets, "seeds": seeds, "split": args.split,
                                                  "catalogs": results}, indent=2))
    svg_curves(results, budgets, out / f"{stem}.svg")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Ranking quality on every catalog and split, against plain semantic search and BM25.

The sets are listed in assets/eval/sets.json: each catalog has a dev split (tune on it) and a
test split (report only; never tune on it). For each catalog and split this runs the full model,
the semantic baseline and BM25 (mmcrec.evaluate, the same code as `mmcrec eval --system all`)
and reports NDCG@10 per kind, the model/semantic ratio, and how often the model's list is full
(k items: hard constraints can leave fewer). Cross-catalog rows score the settings tuned on one
catalog's dev split on the *other* catalog's test split.

Settings are the built-in defaults unless --config names tuned ones, per catalog they were tuned
on (the catalog whose dev split was used):

    {"demo": {"model": "models/v3", "params": {"alpha": 0.6}},
     "openmoji": {"params": {"tau_r": 0.4}}}

"model" is a model directory (`mmcrec train` output; default: the built-in v0), "params"
overrides fields of mmcrec.model.ModelParams.

    .venv/bin/python benchmarks/eval_quality.py [--config tuned.json] [--k 10] [--out benchmarks/results/quality]

Writes <out>.md and <out>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from mmcrec.evaluate import BM25System, ModelSystem, SemanticSystem, evaluate, load_queries  # noqa: E402
from mmcrec.model import Model, ModelParams  # noqa: E402
from mmcrec.recommender import load_recommender  # noqa: E402

SETS = ROOT / "assets" / "eval" / "sets.json"
KINDS = ["text", "image", "text+image", "multi-turn"]
SPLITS = ["dev", "test"]


def settings_for(config: dict, tuned_on: str) -> tuple[Model, str]:
    """The model a catalog's dev split was tuned to, and a short description of it."""
    spec = config.get(tuned_on) or {}
    model = Model.load(ROOT / spec["model"]) if spec.get("model") else Model()
    if spec.get("params"):
        model.params = ModelParams.from_dict({**model.params.to_dict(), **spec["params"]})
    if not spec:
        return model, "built-in defaults (v0)"
    parts = [f"model {spec['model']}" if spec.get("model") else "v0"]
    if spec.get("params"):
        parts.append("params " + ", ".join(f"{k}={v}" for k, v in sorted(spec["params"].items())))
    return model, f"tuned on {tuned_on} dev: " + "; ".join(parts)


def summary(result: dict, k: int) -> dict:
    """A system's result on one split, with the share of full lists overall and per kind."""
    ranked = {r["query_id"]: r["ranked"] for r in result["runs"]}
    full = {i: len(r) >= k for i, r in ranked.items()}
    kinds = {q["query_id"]: q["kind"] for q in result["per_query"]}

    def share(kind: str) -> float:
        ids = [i for i in full if kind == "all" or kinds[i] == kind]
        return sum(full[i] for i in ids) / len(ids)

    return {
        "system": result["system"],
        "overall": result["overall"],
        "by_kind": result["by_kind"],
        "lists_full": {kd: share(kd) for kd in ["all", *sorted(set(kinds.values()))]},
        "latency_ms": result["latency_ms"],
        "per_query": [{**q, "listed": len(ranked[q["query_id"]])} for q in result["per_query"]],
    }


def run(config: dict, k: int) -> dict:
    sets = json.loads(SETS.read_text())
    catalogs = list(sets)
    rows = []
    for name in catalogs:
        rec = load_recommender(ROOT / sets[name]["catalog"])
        queries = {s: load_queries(ROOT / sets[name][s]) for s in SPLITS}
        baselines = {
            s: [summary(evaluate(sys_, queries[s], k=k), k) for sys_ in
                (SemanticSystem(rec.catalog, rec.index, rec.encoder), BM25System(rec.catalog))]
            for s in SPLITS
        }
        # settings tuned on this catalog (dev and test), then each other catalog's settings (test only)
        plans = [(name, s) for s in SPLITS] + [(other, "test") for other in catalogs if other != name]
        done: dict[tuple[str, str], dict] = {}  # (split, settings) -> result: the same settings run once
        for tuned_on, split in plans:
            model, described = settings_for(config, tuned_on)
            t0 = time.perf_counter()
            if (split, described) not in done:
                rec.set_model(model)
                done[split, described] = summary(evaluate(ModelSystem(rec), queries[split], k=k), k)
            res = done[split, described]
            rows.append({
                "catalog": name, "split": split, "tuned_on": tuned_on, "settings": described,
                "queries": str(Path(sets[name][split])), "n": len(queries[split]),
                "seconds": round(time.perf_counter() - t0, 1),
                "systems": [res] + baselines[split],
            })
            print(f"{name} {split} (settings from {tuned_on}): model {res['overall']['ndcg']:.3f}, "
                  f"semantic {baselines[split][0]['overall']['ndcg']:.3f}, bm25 {baselines[split][1]['overall']['ndcg']:.3f}",
                  file=sys.stderr)
    return {"k": k, "encoder": rec.encoder.name, "config": config, "sets": sets, "rows": rows}


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "-"


def _title(row: dict) -> str:
    if row["tuned_on"] == row["catalog"]:
        return f"{row['catalog']} {row['split']}"
    return f"{row['tuned_on']} settings → {row['catalog']} {row['split']}"


def to_markdown(out: dict) -> str:
    k = out["k"]
    baseline_full = min(x["lists_full"]["all"] for row in out["rows"] for x in row["systems"][1:])
    baselines = ("the baselines always returned full lists" if baseline_full == 1
                 else f"the baselines returned full lists for at least {baseline_full:.0%} of requests")
    lines = [
        f"# Ranking quality: full model vs plain semantic search vs BM25 (NDCG@{k})",
        "",
        "Produced by `benchmarks/eval_quality.py` from the sets in `assets/eval/sets.json` "
        f"(encoder `{out['encoder']}`). Dev splits may be tuned on; test splits are report-only. "
        "**model**: the full design with the settings named per row; **semantic**: the same packaged "
        "encoders, the turns joined into one text (a photo through the image model's class-name bridge), "
        "one cosine against each item's text + picture, no dialogue state; **bm25**: words only. "
        f"**lists full**: share of requests for which the model returned {k} items (a hard constraint "
        f"can leave fewer); {baselines}.",
        "",
        "## Summary",
        "",
        "| set | settings | n | model | semantic | bm25 | model/semantic | lists full |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in out["rows"]:
        m, s, b = (x["overall"]["ndcg"] for x in row["systems"])
        lines.append(f"| {_title(row)} | {row['settings']} | {row['n']} | {m:.3f} | {s:.3f} | {b:.3f} | "
                     f"{_ratio(m, s)} | {row['systems'][0]['lists_full']['all']:.0%} |")
    for row in out["rows"]:
        lines += ["", f"## {_title(row)}", "",
                  f"`{row['queries']}`, {row['n']} requests; settings: {row['settings']}.", "",
                  "| kind | n | model | semantic | bm25 | model/semantic | lists full |",
                  "|---|---|---|---|---|---|---|"]
        for kind in KINDS + ["all"]:
            ms = [x["overall"] if kind == "all" else x["by_kind"].get(kind) for x in row["systems"]]
            if ms[0] is None:
                continue
            full = row["systems"][0]["lists_full"][kind]
            lines.append(f"| {kind} | {ms[0]['n']} | {ms[0]['ndcg']:.3f} | {ms[1]['ndcg']:.3f} | {ms[2]['ndcg']:.3f} | "
                         f"{_ratio(ms[0]['ndcg'], ms[1]['ndcg'])} | {full:.0%} |")
    lines += ["", f"Machine: {platform.machine()}, {os.cpu_count()} CPUs; total {out['seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=None, help="JSON of tuned settings per catalog (see above)")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "quality"),
                    help="output path without extension (.md and .json are written)")
    args = ap.parse_args(argv)
    config = json.loads(Path(args.config).read_text()) if args.config else {}
    unknown = set(config) - set(json.loads(SETS.read_text()))
    if unknown:
        ap.error(f"--config names catalogs not in {SETS.name}: {sorted(unknown)}")
    t0 = time.perf_counter()
    out = run(config, args.k)
    out["seconds"] = time.perf_counter() - t0
    base = Path(args.out)
    base.parent.mkdir(parents=True, exist_ok=True)
    base.with_suffix(".json").write_text(json.dumps(out, indent=1) + "\n")
    base.with_suffix(".md").write_text(to_markdown(out))
    print(base.with_suffix(".md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Does training on thumbs help? Simulated annotators on the labelled queries, a learning curve.

Labelled queries (tests/data/queries.jsonl) know which items are relevant. We split them by query
(a query = a session, so held-out queries are never trained on) into k folds. For each fold, the
training queries are "asked" by simulated annotators in sessions: the current (untrained) model
shows its top 10 (sometimes a second page), the annotator looks at each shown item with a
probability that falls with its rank, and gives thumbs up when the item is relevant, down when it
is not, with 10% of thumbs flipped. Models are trained (mmcrec.train.train_next, the same code as
`mmcrec train`) on the first 100, 300, 1,000 and 3,000 labels, and scored on the fold's held-out
queries (NDCG@10, by kind). Every query is held out exactly once across the folds.

    .venv/bin/python benchmarks/simulate_annotators.py [--folds 4] [--budgets 100,300,1000,3000] [--seed 0]

Writes benchmarks/results/learning_curve.{md,json} and .png (kaleido) or .html.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
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

from mmcrec.evaluate import ModelSystem, evaluate, load_queries  # noqa: E402
from mmcrec.labels import Label, make_label_id  # noqa: E402
from mmcrec.model import Model  # noqa: E402
from mmcrec.recommender import load_recommender  # noqa: E402
from mmcrec.registry import Registry  # noqa: E402
from mmcrec.train import TrainConfig, train_next  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def simulate_labels(rec, queries, n_labels: int, rng, flip: float = 0.10, page2: float = 0.3) -> list[Label]:
    """Sessions over the training queries (round-robin in random order) until n_labels thumbs."""
    ranked = {q.query_id: ModelSystem(rec).rank(q, 20) for q in queries}
    sha = {q.query_id: hashlib.sha256(Path(q.image).read_bytes()).hexdigest() if q.image else "" for q in queries}
    labels: list[Label] = []
    s = 0
    while len(labels) < n_labels:
        for qi in rng.permutation(len(queries)):
            q = queries[qi]
            s += 1
            session, annotator = f"sim-{s}", f"annotator-{s % 7}"
            shown = ranked[q.query_id][: 20 if rng.random() < page2 else 10]
            for r, item in enumerate(shown):
                if rng.random() > 0.85 / (1 + r) ** 0.5:  # position bias: the top is looked at most
                    continue
                good = q.relevant.get(item, 0) > 0
                if rng.random() < flip:
                    good = not good
                turns = list(q.turns)
                labels.append(Label(
                    label_id=make_label_id(session, annotator, "item", item, turns), session_id=session,
                    annotator=annotator, created_at="2026-01-01T00:00:00Z", model_version="v0", catalog_id="demo",
                    turns=turns, image_sha256=sha[q.query_id], image_path=q.image or "", item_id=item, rank=r + 1,
                    target="item", label=1 if good else -1,
                ))
                if len(labels) >= n_labels:
                    return labels
    return labels


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", default=str(ROOT / "assets" / "catalog.csv"))
    ap.add_argument("--queries", default=str(ROOT / "tests" / "data" / "queries.jsonl"))
    ap.add_argument("--encoder", default=None)
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--budgets", default="100,300,1000,3000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--config", default="{}", help='TrainConfig overrides as JSON, e.g. {"rank": 0}')
    args = ap.parse_args(argv)
    budgets = [int(b) for b in args.budgets.split(",")]
    over = json.loads(args.config)
    config = TrainConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in over.items()})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    rec = load_recommender(args.catalog, args.encoder)
    queries = load_queries(args.queries)
    rng = np.random.default_rng(args.seed)
    fold_of = {q.query_id: f for q, f in zip(queries, rng.permutation(np.arange(len(queries)) % args.folds))}

    # per held-out query: NDCG@10 of the untrained model and of each budget's model
    per_query: dict[str, dict] = {q.query_id: {"kind": q.kind} for q in queries}
    runs = []
    for fold in range(args.folds):
        train_q = [q for q in queries if fold_of[q.query_id] != fold]
        held_q = [q for q in queries if fold_of[q.query_id] == fold]
        base = evaluate(ModelSystem(rec), held_q, k=10)
        for r in base["per_query"]:
            per_query[r["query_id"]][0] = r["ndcg"]
        pool = simulate_labels(rec, train_q, max(budgets), np.random.default_rng(args.seed + 100 + fold))
        for b in budgets:
            with tempfile.TemporaryDirectory() as tmp:
                res = train_next(pool[:b], rec.catalog, rec, Registry(tmp), seed=args.seed + fold, current=Model(), config=config)
            shadow = copy.copy(rec)
            shadow.set_model(res.model)
            ev = evaluate(ModelSystem(shadow), held_q, k=10)
            for r in ev["per_query"]:
                per_query[r["query_id"]][b] = r["ndcg"]
            h = res.metrics["heldout"]
            runs.append({"fold": fold, "labels": b, "seconds": round(res.seconds, 1), "epochs": res.model.card["train"]["epochs"],
                         "heldout_labels_ndcg": [h["current"]["ndcg"], h["new"]["ndcg"]], "promotable": res.promotable,
                         "params": res.model.params.to_dict(), "queries_ndcg": ev["overall"]["ndcg"],
                         "queries_ndcg_untrained": base["overall"]["ndcg"]})
            print(f"fold {fold} labels {b:>5}: held-out queries NDCG@10 {base['overall']['ndcg']:.3f} → {ev['overall']['ndcg']:.3f}"
                  f"  ({res.seconds:.1f}s, {runs[-1]['epochs']} epochs, promotable={res.promotable})", flush=True)

    kinds = sorted({v["kind"] for v in per_query.values()})
    xs = [0] + budgets
    table = {kd: [float(np.mean([v[x] for v in per_query.values() if v["kind"] == kd])) for x in xs] for kd in kinds}
    table["all"] = [float(np.mean([v[x] for v in per_query.values()])) for x in xs]
    counts = {kd: sum(v["kind"] == kd for v in per_query.values()) for kd in kinds}
    counts["all"] = len(per_query)

    md = [
        f"# Learning curve: held-out NDCG@10 vs number of simulated labels ({args.folds}-fold by query)",
        "",
        f"Catalog {Path(args.catalog).name}, {len(queries)} labelled queries, encoder {rec.encoder.name}, seed {args.seed}, "
        f"TrainConfig overrides {json.dumps(over)}. "
        "0 labels = the untrained model (built-in defaults). Each query is held out once; labels come from "
        "simulated annotators on the other folds' queries (top-10 shown, 30% look at page 2, position-biased "
        "looks, 10% flipped thumbs).",
        "",
        "| kind | n | " + " | ".join(f"{x} labels" for x in xs) + " |",
        "|---|---|" + "---|" * len(xs),
    ]
    for kd, vals in table.items():
        md.append(f"| {kd} | {counts[kd]} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    md += ["", "Training time per model (CPU unless noted): "
           + ", ".join(f"{b} labels {np.mean([r['seconds'] for r in runs if r['labels'] == b]):.1f}s" for b in budgets),
           f"Total benchmark time {time.perf_counter() - t0:.0f}s."]
    (out / "learning_curve.md").write_text("\n".join(md) + "\n")
    (out / "learning_curve.json").write_text(json.dumps({"budgets": xs, "ndcg": table, "n": counts, "runs": runs}, indent=2))
    print("\n".join(md))

    import plotly.graph_objects as go

    fig = go.Figure()
    for kd, vals in table.items():
        fig.add_trace(go.Scatter(x=[max(x, 30) for x in xs], y=vals, mode="lines+markers", name=f"{kd} (n={counts[kd]})",
                                 line={"width": 4 if kd == "all" else 2}))
    fig.update_xaxes(type="log", title="labels (0 = untrained, drawn at 30)")
    fig.update_yaxes(title="held-out NDCG@10")
    fig.update_layout(title="Held-out NDCG@10 vs simulated labels, by query kind", template="plotly_white", width=800, height=480)
    try:
        fig.write_image(str(out / "learning_curve.png"))
        print(f"wrote {out / 'learning_curve.png'}")
    except Exception as e:  # noqa: BLE001 — kaleido (and a browser for it) may be absent
        fig.write_html(str(out / "learning_curve.html"), include_plotlyjs="cdn")
        print(f"no PNG ({type(e).__name__}); wrote {out / 'learning_curve.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

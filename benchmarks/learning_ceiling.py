"""How much can labels on half of a catalog's requests teach about the other half? Upper bounds.

`simulate_annotators.py` measures what `mmcrec train` learns from ~800 noisy thumbs. This script
asks how far any learner of each kind could go on the same protocol (the same halves: split by
picture and by request, each half held out once), by giving it more than labels can:

1. **perfect annotators**: `train_next` (the code of `mmcrec train`) from every shown item of
   every labelled session judged rightly (top 12, no position bias, no flipped thumbs);
2. **scalars tuned on the answers**: α, the temperatures, the turn weighting and the dialogue
   terms' weights (every `ModelParams` field) chosen by coordinate search on the held-out half's
   own grades — a bound for every learner that moves only these numbers, labels or not;
3. **neighbour requests' answers**: each held-out request re-ranked with the graded answers of
   the labelled requests most like it (sentence embedding of its words, image features of its
   photo), the strength and number of neighbours picked on the held-out grades — a bound for
   click-through expansion and other memory of what similar requests liked.

Bounds 2 and 3 read the held-out grades; they are ceilings, not results. NDCG@10 gains are
relative to the untrained model, as in the learning curve.

    .venv/bin/python benchmarks/learning_ceiling.py [--catalogs demo,openmoji] [--rounds 1]

Writes benchmarks/results/learning_ceiling.{md,json}.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
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

from simulate_annotators import SHOWN, all_requests, halves, simulate_labels  # noqa: E402

from mmcrec.dialogue import DialogueState  # noqa: E402
from mmcrec.evaluate import ModelSystem, evaluate, ndcg_at  # noqa: E402
from mmcrec.model import Model, ModelParams  # noqa: E402
from mmcrec.recommender import load_recommender  # noqa: E402
from mmcrec.registry import Registry  # noqa: E402
from mmcrec.training import train_next  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
TARGET = 0.15  # the overall target


def per_query(rec, queries, params: ModelParams | None = None) -> dict[str, float]:
    if params is not None:
        rec = copy.copy(rec)
        rec.set_model(Model(params=params))
    return {r["query_id"]: r["ndcg"] for r in evaluate(ModelSystem(rec), queries, k=10)["per_query"]}


def perfect_annotators(rec, queries, labelled, held, seed: int, name: str) -> dict[str, float]:
    ranked = {q.query_id: ModelSystem(rec).rank(q, SHOWN) for q in labelled}
    budget = SHOWN * len(labelled)  # every labelled request judged once, every shown item
    labels = simulate_labels(ranked, labelled, budget, np.random.default_rng(seed), name, flip=0.0, position_bias=False)
    with tempfile.TemporaryDirectory() as tmp:
        res = train_next(labels, rec.catalog, rec, Registry(tmp), seed=seed, current=Model())
    shadow = copy.copy(rec)
    shadow.set_model(res.model)
    return per_query(shadow, held)


def _candidates(name: str, value: float, kind: str) -> list[float]:
    if kind == "positive":
        return [value * m for m in (0.25, 0.5, 2.0, 4.0)]
    if kind == "unit":
        return [0.1, 0.3, 0.7, 0.9]
    return [value + d for d in (-2.0, -1.0, 1.0, 2.0)]


def tuned_scalars(rec, held, rounds: int) -> tuple[dict[str, float], dict]:
    """Coordinate search over every ModelParams field, scored on the held-out grades."""
    p = ModelParams()
    best_rows = per_query(rec, held, p)
    best = float(np.mean(list(best_rows.values())))
    for _ in range(rounds):
        for f in dataclasses.fields(ModelParams):
            for v in _candidates(f.name, getattr(p, f.name), f.metadata["range"]):
                trial = dataclasses.replace(p, **{f.name: v})
                rows = per_query(rec, held, trial)
                if np.mean(list(rows.values())) > best + 1e-4:
                    p, best, best_rows = trial, float(np.mean(list(rows.values()))), rows
    return best_rows, p.to_dict()


def final_scores(rec, q) -> tuple[np.ndarray, np.ndarray]:
    """The model's scores over the catalog after the request's last turn, as the page ranks them."""
    state, shown = DialogueState(), []
    for t in q.dialogue_turns():
        state.shown_prices = shown
        state.add(t, rec.vocab)
        r = rec.recommend(state, k=10)
        shown = [it["price"] for it in r.items[:5] if it["price"] is not None]
    s = rec.scores(state, full=True, fill=10)
    y = s.y.copy()
    if s.strict is not None:
        y = y + s.strict * (1.0 + np.abs(y).max())
    return y, s.mask


def neighbour_answers(rec, queries, half: dict, scores: dict) -> tuple[dict[str, float], dict]:
    """Held-out requests re-ranked with the labelled neighbours' grades; the best (β, K) on the grades."""
    ids = rec.catalog.ids
    pos = {i: k for k, i in enumerate(ids)}

    def unit(v):
        return v / max(float(np.linalg.norm(v)), 1e-12)

    text = {q.query_id: unit(rec.encoder.encode_text([" ".join(q.turns)])[0]) for q in queries if q.turns}
    photos = {q.query_id: np.asarray(rec.encoder.encode_image([q.open_image()]).native[0], float) for q in queries if q.image}
    mu = np.mean(list(photos.values()), 0) if photos else 0
    photos = {k: unit(v - mu) for k, v in photos.items()}

    def similarity(a: str, b: str) -> float:
        parts = [float(text[a] @ text[b])] if a in text and b in text else []
        parts += [float(photos[a] @ photos[b])] if a in photos and b in photos else []
        return float(np.mean(parts)) if parts else 0.0

    grades = {}
    for q in queries:
        g = np.zeros(len(ids))
        for item, grade in q.relevant.items():
            if item in pos:
                g[pos[item]] = grade / 2
        grades[q.query_id] = g
    grid = [(beta, k) for beta in (0.25, 0.5, 1.0, 2.0) for k in (1, 3, 5)]
    rows = {cfg: {} for cfg in grid}
    for q in queries:
        others = [o for o in queries if half[o.query_id] != half[q.query_id]]
        sims = np.array([similarity(q.query_id, o.query_id) for o in others])
        y, mask = scores[q.query_id]
        sd = float(np.std(y[mask])) if mask.sum() > 1 else 1.0
        cand = np.flatnonzero(mask)
        for beta, k in grid:
            near = np.argsort(-sims)[:k]
            bonus = sum(max(sims[j], 0.0) * grades[others[j].query_id] for j in near)
            yy = y + beta * sd * bonus
            top = cand[np.argsort(-yy[cand], kind="stable")[:10]]
            rows[(beta, k)][q.query_id] = ndcg_at([ids[i] for i in top], q.relevant, 10)
    means = {c: float(np.mean(list(rows[c].values()))) for c in grid}
    best = max(grid, key=lambda c: means[c])
    return rows[best], {"beta": best[0], "neighbours": best[1], "grid": {f"β={b} K={k}": m for (b, k), m in means.items()}}


def summarize(queries, base: dict, after: dict) -> dict:
    out = {}
    for kind in sorted({q.kind for q in queries}) + ["all"]:
        ids = [q.query_id for q in queries if kind == "all" or q.kind == kind]
        b, a = float(np.mean([base[i] for i in ids])), float(np.mean([after[i] for i in ids]))
        out[kind] = {"n": len(ids), "before": b, "after": a, "gain": a / max(b, 1e-12) - 1}
    return out


def run_catalog(name: str, spec: dict, seed: int, rounds: int, encoder: str | None) -> dict:
    rec = load_recommender(ROOT / spec["catalog"], encoder)
    queries = all_requests(spec)
    half = halves(queries, np.random.default_rng(seed))
    base = per_query(rec, queries)
    perfect, scalars, settings = {}, {}, []
    for h in (0, 1):
        labelled = [q for q in queries if half[q.query_id] == h]
        held = [q for q in queries if half[q.query_id] != h]
        perfect.update(perfect_annotators(rec, queries, labelled, held, seed + h, name))
        rows, params = tuned_scalars(rec, held, rounds)
        scalars.update(rows)
        settings.append({"held_out_half": 1 - h, "params": params})
        print(f"{name}: half {1 - h} held out done", flush=True)
    scores = {q.query_id: final_scores(rec, q) for q in queries}
    neighbours, grid_pick = neighbour_answers(rec, queries, half, scores)
    return {
        "requests": len(queries),
        "bounds": {
            "perfect annotators → mmcrec train": summarize(queries, base, perfect),
            "scalars tuned on the held-out grades": summarize(queries, base, scalars),
            "neighbour requests' graded answers": summarize(queries, base, neighbours),
        },
        "scalar_settings": settings,
        "neighbour_setting": grid_pick,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default=str(ROOT / "assets" / "eval" / "sets.json"))
    ap.add_argument("--catalogs", default="demo,openmoji")
    ap.add_argument("--encoder", default=None)
    ap.add_argument("--rounds", type=int, default=1, help="coordinate-search rounds over the scalars")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    sets = json.loads(Path(args.sets).read_text())
    t0 = time.perf_counter()
    results = {name: run_catalog(name, sets[name], args.seed, args.rounds, args.encoder) for name in args.catalogs.split(",")}
    md = [
        "# Learning ceiling: what labels on half the requests could teach the other half, at best",
        "",
        f"Written by `benchmarks/learning_ceiling.py --rounds {args.rounds} --seed {args.seed}` "
        f"({time.perf_counter() - t0:.0f}s), on the halves of `simulate_annotators.py` (split by picture and by "
        "request, each held out once). NDCG@10 on the held-out half, untrained model → bound; the target of issue 13 "
        f"is +{TARGET:.0%} overall and +5% for text and for image requests. The last two rows read the held-out "
        "grades: they are upper bounds, not results.",
        "",
        "| catalog | bound | " + " | ".join(["image", "multi-turn", "text", "text+image", "all"]) + " |",
        "|---|---|" + "---|" * 5,
    ]
    for name, r in results.items():
        for bound, table in r["bounds"].items():
            cells = [f"{table[k]['before']:.3f} → {table[k]['after']:.3f} ({table[k]['gain']:+.1%})" if k in table else "–"
                     for k in ["image", "multi-turn", "text", "text+image", "all"]]
            md.append(f"| {name} | {bound} | " + " | ".join(cells) + " |")
    for n, r in results.items():
        pick, before = r["neighbour_setting"], r["bounds"]["scalars tuned on the held-out grades"]["all"]["before"]
        worse = sum(m < before - 1e-9 for m in pick["grid"].values())
        md += ["", f"{n}, neighbour requests: best of {len(pick['grid'])} settings (strength β × the request's score spread, "
               f"K nearest labelled requests) was β={pick['beta']}, K={pick['neighbours']}; {worse} of them scored below the "
               f"untrained model ({before:.3f}): " + ", ".join(f"{k}: {m:.3f}" for k, m in pick["grid"].items())]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "learning_ceiling.md").write_text("\n".join(md) + "\n")
    (out / "learning_ceiling.json").write_text(json.dumps(results, indent=2))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())

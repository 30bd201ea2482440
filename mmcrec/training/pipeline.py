"""`train_next`: the next model from labels, as a list of named stages, and the stages that are
only glue (the card, assembling the new model, judging it, saving it). The machinery they call
lives by concern: data.py (labels, sides, batches), trainable.py (parameters and `fit`),
expansion.py (click-through expansion), verdict.py (metrics and the verdict), report.py (the table).
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..catalog import Catalog
from ..clock import utc_now
from ..memory import moved_scores
from ..model import Model
from ..recommender import Recommender
from ..registry import Registry
from .config import TrainConfig
from .data import Batches, Split, featurize, featurize_splits, read_examples, split_sessions, training_items
from .expansion import (
    choose_expansion,
    expansion_offsets,
    expansion_sums,
    make_expansion,
    request_vectors,
    to,
    with_expansion,
)
from .memory import Remembered, heldout_shift, remember
from .report import TrainResult, format_result
from .trainable import Fitted, fit, frozen, score_examples, with_photo_style
from .verdict import label_metrics, query_metrics, summary, verdict, within_one_error

Progress = Callable[[float, str], None]


def _say(progress: Progress | None, frac: float, msg: str) -> None:
    if progress:
        progress(float(frac), msg)


def _epoch_progress(progress: Progress | None, max_epochs: int) -> Callable[[int, float, float], None]:
    """fit's on_epoch as progress messages, from 10% to 80% of the run."""
    return lambda epochs, v, best: _say(progress, 0.1 + 0.7 * epochs / max_epochs,
                                        f"epoch {epochs}: validation loss {v:.4f} (best {best:.4f})")


def train_next(labels: list, catalog: Catalog, rec: Recommender, registry: Registry, seed: int = 0,
               progress: Progress | None = None, queries: list | None = None, current: Model | None = None,
               config: TrainConfig | None = None, device: str | None = None) -> TrainResult:
    """Train the next model from labels (feedback.Label objects) on `rec`'s item embeddings of
    `catalog`, compare it with the current one on held-out sessions (and labelled queries), and
    save it as the next version of `registry`.

    progress(fraction, message) is called as it goes. Raises TrainError for unusable labels.
    The served model is not touched: promote with registry.promote(version) and
    Recommender.set_model(model).
    """
    t0 = time.perf_counter()
    if current is None:
        current = registry.load(registry.current())
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    cfg = config or TrainConfig()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)  # drawn from by split_sessions, training_items and fit, in that order

    _say(progress, 0.02, "reading labels")
    examples, counts = read_examples(labels, catalog)  # labels → labelled dialogues, counts
    split = split_sessions(examples, counts, seed, rng)  # fit │ validation │ held-out
    items = training_items(examples, len(catalog), rng)
    _say(progress, 0.08, f"encoding {len(examples)} labelled dialogues")
    batches = featurize_splits(split, rec, catalog, items, device)
    start, photos = with_photo_style(current, batches.fit)
    choice = choose_expansion(cfg, *frozen(start, device), batches.items_raw, batches.exp, batches.exp_train,
                              batches.local, seed)
    fitted = fit(start, cfg, rec.dims, split, batches, rng, seed, device, on_epoch=_epoch_progress(progress, cfg.max_epochs))
    _say(progress, 0.85, "comparing with the current model on held-out sessions")
    card = new_card(current, rec, catalog, seed, counts, cfg, fitted, device, len(items))
    new, sums = assemble(start, fitted, choice, photos, card, split, batches, device)
    _say(progress, 0.82, "building the label memory")
    memory = remember(labels, split, batches, new, rec, catalog, seed, device)  # labelled requests, θ and λ
    heldout = judge(current, new, memory, split, batches, rec, catalog, seed, device)  # current vs new on held-out sessions
    add_memory(new, memory)
    add_heldout_expansion(new, sums, choice, rec, batches, device)
    metrics, rows = compare(current, new, heldout, rec, queries, progress)  # (+ labelled queries)
    version, out_dir, new = save(new, heldout, metrics, registry)
    decision = heldout["verdict"]
    _say(progress, 1.0, f"{version}: {'promotable' if decision['promotable'] else 'not promotable'}: {decision['text']}")
    res = TrainResult(version, out_dir, current.version, decision["promotable"], rows, metrics,
                      registry.metrics_by_version(), counts, time.perf_counter() - t0, model=new, verdict=decision["text"])
    res.table = format_result(res)
    return res


def new_card(current: Model, rec: Recommender, catalog: Catalog, seed: int, counts: dict, cfg: TrainConfig,
             fitted: Fitted, device: str, n_items: int) -> dict:
    """The new version's card as training leaves it: where it comes from, the data and the run
    (the later stages add the expansion, the photo style, the metrics and the version)."""
    return {
        "parent": current.version,
        "created_at": utc_now(),
        "encoder": rec.encoder.name,
        "catalog_id": catalog.catalog_id,
        "seed": seed,
        "data": counts,
        "train": {"config": dataclasses.asdict(cfg), "epochs": fitted.epochs, "device": device,
                  "validation_loss": fitted.validation_loss, "items": int(n_items)},
    }


def assemble(start: Model, fitted: Fitted, choice: dict, photos: dict, card: dict, split: Split, batches: Batches,
             device: str) -> tuple[Model, dict]:
    """The new model: the trained scalars and maps, kept only if the validation sessions rank
    clearly better with them than with `start`'s (both with the expansion the fitting sessions give),
    with the click-through expansion (choice's λ, μ) the training sessions give. Returns it and
    that expansion's sums (add_heldout_expansion adds the held-out sessions' to them)."""
    b = batches
    trained = fitted.model.to_model(card)
    pull, push = choice["pull"], choice["push"]

    def val_ndcg(m: Model) -> np.ndarray:
        p, a = frozen(m, device)
        off = expansion_offsets(expansion_sums(split.fit, request_vectors(p, a, b.fit), b.local, len(b.items)), pull, push,
                                b.items_raw["has_image"])
        return np.array(label_metrics(score_examples(p, a, {**b.items_raw, **to(off, device)}, b.val), split.val, b.local)["per_dialogue"])

    # kept only if the validation side's requests (other needs than the fitted ones) rank clearly
    # better: a handful of them is a noisy judge, and maps that win by less than the noise rank
    # new needs worse about as often as better
    keep_trained = split.val is not split.fit and clearly_better(val_ndcg(trained), val_ndcg(Model(start.params, start.adapter)))
    base = trained if keep_trained else Model(start.params, start.adapter, card)
    p_base, a_base = frozen(base, device)
    sums = expansion_sums(b.exp_train, request_vectors(p_base, a_base, b.exp), b.local, len(b.items))
    new = Model(base.params, base.adapter, card, make_expansion(sums, pull, push, b.items_raw["has_image"], b.ids))
    card["expansion"] = {"pull": pull, "push": push, "cv_ndcg": choice["cv_ndcg"], "grid": choice["grid"],
                         "trained_scalars_kept": keep_trained}
    card["photo_centring"] = photos
    return new, sums


def clearly_better(new: np.ndarray, old: np.ndarray) -> bool:
    """Per validation dialogue NDCG@10, paired: better by more than one standard error of the mean
    difference. The validation requests are other needs than the fitted ones, and a handful of them
    is a noisy judge: scalars that win by less rank new needs worse as often as better."""
    return len(new) >= 2 and not within_one_error(new, old)


def judge(current: Model, new: Model, memory: Remembered, split: Split, batches: Batches, rec: Recommender,
          catalog: Catalog, seed: int, device: str) -> dict:
    """Current vs new on the held-out sessions, each scored as served (its own expansion, and its
    own label memory: the new one's from the training sessions only), repeat and new needs apart:
    {"current": label_metrics, "new": label_metrics, "verdict": verdict(new, current)}."""
    def held_metrics(m: Model, mem) -> tuple[dict, np.ndarray]:
        y = score_examples(*frozen(m, device), with_expansion(batches.items_raw, m, batches.ids, device), batches.held)
        shift, recalled = heldout_shift(mem, m, batches.held, split.held, rec, catalog, batches.items)
        return label_metrics(y if shift is None else moved_scores(y, shift), split.held, batches.local), recalled

    m_cur, _ = held_metrics(current, current.memory)
    m_new, recalled = held_metrics(new, memory.train)
    per = [bool(recalled[e.row]) for e in split.held if e.up]  # as label_metrics' per_dialogue
    return {"current": m_cur, "new": m_new, "verdict": verdict(m_new, m_cur, seed=seed, recalled=per)}


def add_memory(new: Model, memory: Remembered) -> None:
    """The saved label memory (every label, the fitted θ and λ) into `new`, and into its card what
    it holds and how it was fitted, or why there is none."""
    new.memory = memory.saved
    if memory.saved is None:
        new.card["memory"] = {"entries": 0, "why": memory.fitted.get("why", "none")}
    else:
        new.card["memory"] = {**memory.saved.card, "threshold": memory.saved.threshold, "strength": memory.saved.strength}


def add_heldout_expansion(new: Model, sums: dict, choice: dict, rec: Recommender, batches: Batches, device: str) -> None:
    """The verdict measured the expansion from the training sessions; the saved one also learns
    from the held-out sessions (same λ, μ: more labels, no new choices). Changes `new` in place."""
    b = batches
    pull, push = choice["pull"], choice["push"]
    if len(new.expansion) or pull > 0:
        p_base, a_base = frozen(new, device)
        held_sums = expansion_sums(b.exp_held, request_vectors(p_base, a_base, featurize(b.exp_held, rec, b.items, device)),
                                   b.local, len(b.items))
        new.expansion = make_expansion({k: sums[k] + held_sums[k] for k in sums}, pull, push, b.items_raw["has_image"], b.ids)
        new.card["expansion"]["items"] = len(new.expansion)


def compare(current: Model, new: Model, heldout: dict, rec: Recommender, queries: list | None,
            progress: Progress | None) -> tuple[dict, list[dict]]:
    """The metrics (held-out labels, the verdict, and labelled queries scored with the model as
    saved) and the current-vs-new table rows."""
    m_cur, m_new = heldout["current"], heldout["new"]
    metrics = {"heldout": {"current": summary(m_cur), "new": summary(m_new)}, "verdict": heldout["verdict"]}
    rows = [{"set": "held-out labels", "kind": "all", "metric": m, "current": m_cur[m], "new": m_new[m], "n": m_new["n"]}
            for m in ("auc", "ndcg", "mrr")]  # the verdict line gives the whole-ranking NDCG@10
    if queries:
        _say(progress, 0.9, f"evaluating on {len(queries)} labelled queries")
        metrics["queries"] = {"current": query_metrics(rec, current, queries), "new": query_metrics(rec, new, queries)}
        q_cur, q_new = metrics["queries"]["current"], metrics["queries"]["new"]
        for kind in [*q_new["by_kind"], "overall"]:
            c, nn = (q_cur["overall"], q_new["overall"]) if kind == "overall" else (q_cur["by_kind"][kind], q_new["by_kind"][kind])
            for m in ("ndcg", "recall", "mrr"):
                rows.append({"set": "labelled queries", "kind": kind, "metric": m, "current": c[m], "new": nn[m], "n": nn["n"]})
    return metrics, rows


def save(new: Model, heldout: dict, metrics: dict, registry: Registry) -> tuple[str, Path, Model]:
    """Write the metrics and the verdict into the card and `new` as the next version of the
    registry; returns the version, its directory and the model as loaded back from it."""
    decision = heldout["verdict"]
    new.card.update(metrics={"heldout": summary(heldout["new"]), "heldout_parent": summary(heldout["current"]),
                             "verdict": decision, **({"queries": metrics["queries"]["new"]} if "queries" in metrics else {})},
                    promotable=decision["promotable"])
    version, out_dir = registry.new_version_dir()
    new.card["version"] = version
    out_dir.rmdir()  # reserved above; Model.save creates it (and never overwrites)
    new.save(out_dir)
    return version, out_dir, Model.load(out_dir)

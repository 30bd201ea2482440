"""Click-through expansion (model.Expansion): each labelled item is pulled toward the (centred)
requests whose shoppers liked it and pushed away from those that rejected it.

Only explicit thumbs count: an item shown without one is no evidence. The pull λ and push μ are
chosen by cross-validation over the training sessions (λ = 0: none), on the NDCG@10 of the
thumbs-up items in the whole ranking, so an item liked elsewhere crowding a request's top 10 counts
against it. The saved expansion also learns from the held-out sessions (same λ, μ), after the
verdict.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import torch

from ..model import Expansion, Model, adapt_queries, masked_softmax, normalize, turn_logits
from .config import TrainConfig
from .data import Example, fold_of, session_groups
from .trainable import score_examples
from .verdict import label_metrics, within_one_error


@torch.no_grad()
def request_vectors(p, a: dict, batch: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each labelled dialogue as one request vector per item space, its turns mixed by the model's
    own turn attention: (B, d) shared space (words, and photos' shared vectors), (B, dn) image
    features (photo turns only), and (B,) whether it had a photo."""
    q = adapt_queries(batch, a)
    ht, hi = q["has_text"], q["has_image"]
    w = masked_softmax(turn_logits(q, p), ht | hi).to(q["text"].dtype)
    htf, hif = ht.to(w.dtype)[..., None], hi.to(w.dtype)[..., None]
    shared = (htf * q["text"] + hif * q["image_shared"]) / (htf + hif).clamp(min=1.0)
    wi = w * hi.to(w.dtype)
    native = (wi[..., None] * q["image_native"]).sum(-2)
    return normalize((w[..., None] * shared).sum(-2)), normalize(native), wi.sum(-1) > 0


def expansion_sums(examples: list[Example], vecs: tuple, local: dict[int, int], n: int) -> dict:
    """Per item (local positions): the summed request vectors of the dialogues that liked it and
    of those that rejected it, and their counts. Only explicit thumbs count: an item shown
    without a thumb (not looked at, often far down the page) is no evidence either way."""
    shared, native, has_img = (v.cpu() for v in vecs)
    # centred on the average request: what is shared by all asks would pull a liked item
    # toward every request alike
    seen = sorted({ex.row for ex in examples})
    shared = shared - shared[seen].mean(0)
    photo = [r for r in seen if has_img[r]]
    if photo:
        native = native - native[photo].mean(0)
    out = {}
    for side in ("up", "down"):
        rows = [(ex.row, local[i]) for ex in examples for i in getattr(ex, side) if i in local]
        r = torch.tensor([a for a, _ in rows], dtype=torch.long)
        it = torch.tensor([b for _, b in rows], dtype=torch.long)
        img = has_img[r] if len(r) else torch.zeros(0, dtype=torch.bool)
        out[side] = torch.zeros(n, shared.shape[1]).index_add_(0, it, shared[r].float())
        out[side + "_n"] = torch.zeros(n).index_add_(0, it, torch.ones(len(it)))
        out[side + "_img"] = torch.zeros(n, native.shape[1]).index_add_(0, it[img], native[r[img]].float())
        out[side + "_img_n"] = torch.zeros(n).index_add_(0, it[img], torch.ones(int(img.sum())))
    return out


def expansion_offsets(sums: dict, pull: float, push: float, has_image: torch.Tensor) -> dict:
    """offset = pull·mean(liked requests) − push·mean(rejected ones), per item space; zero for
    items without labels (and, in the image-feature space, for items without a picture)."""
    def mean(key: str) -> torch.Tensor:
        return sums[key] / sums[key + "_n"].clamp(min=1.0)[:, None]

    text = pull * mean("up") - push * mean("down")
    native = (pull * mean("up_img") - push * mean("down_img")) * has_image.cpu()[:, None].float()
    return {"text_offset": text, "native_offset": native}


def to(d: dict, device: str) -> dict:
    """Each tensor of `d` on `device`."""
    return {k: v.to(device) for k, v in d.items()}


def make_expansion(sums: dict, pull: float, push: float, has_image: torch.Tensor, ids: list[str]) -> Expansion:
    """The Expansion a model saves: the labelled items' offsets (none when λ = μ = 0)."""
    if pull == 0 and push == 0:
        return Expansion()
    off = expansion_offsets(sums, pull, push, has_image)
    rows = np.flatnonzero((sums["up_n"] + sums["down_n"]).numpy() > 0)
    return Expansion([ids[r] for r in rows], off["text_offset"][rows].numpy().astype(np.float32),
                     off["native_offset"][rows].numpy().astype(np.float32))


def with_expansion(items_raw: dict, model: Model, ids: list[str], device: str) -> dict:
    """The training items' matrices with `model`'s expansion offsets, as serving applies them."""
    dims = (items_raw["text"].shape[1], items_raw["native"].shape[1])
    return {**items_raw, **to(model.expansion.offsets(ids, dims), device)}


def choose_expansion(cfg: TrainConfig, p, a: dict, items_raw: dict, batch: dict, examples: list[Example],
                     local: dict[int, int], seed: int) -> dict:
    """λ (pull) and μ (push) by cross-validation over the training sessions: each fold's dialogues
    are scored with the expansion learned from the other folds, on the NDCG@10 of the judged items;
    the weakest pair within one standard error of the best wins (λ = 0 is no expansion)."""
    n = items_raw["text"].shape[0]
    k = min(cfg.expand_folds, len(set(session_groups(examples).values())))
    if k < 2:
        return {"pull": 0.0, "push": 0.0, "cv_ndcg": None, "grid": []}
    folds = fold_of(examples, k, seed)
    vecs = request_vectors(p, a, batch)
    dev = items_raw["text"].device
    grid = []
    per_fold = []
    for f in range(k):
        tr = [e for e, g in zip(examples, folds) if g != f]
        te = [e for e, g in zip(examples, folds) if g == f]
        rows = sorted({e.row for e in te})
        sub = {key: v[rows] for key, v in batch.items()}
        remap = {r: j for j, r in enumerate(rows)}
        te = [dataclasses.replace(e, row=remap[e.row]) for e in te]
        per_fold.append((expansion_sums(tr, vecs, local, n), sub, te))
    for pull in cfg.expand_pull:
        for push in (cfg.expand_push if pull > 0 else (0.0,)):
            vals = []
            for sums, sub, te in per_fold:
                off = {key: v.to(dev) for key, v in expansion_offsets(sums, pull, push, items_raw["has_image"]).items()}
                y = score_examples(p, a, {**items_raw, **off}, sub)
                vals += label_metrics(y, te, local)["per_dialogue"]
            grid.append({"pull": pull, "push": push, "ndcg": float(np.mean(vals)) if vals else 0.0, "per_dialogue": vals})
    best = max(grid, key=lambda g: g["ndcg"])
    # the one-standard-error rule: the weakest setting (the grid runs smallest first, λ = 0 first)
    # whose dialogues do not rank worse than the best's by more than the paired standard error.
    # Expansion borrows what similar requests liked; on request sets that rarely share answers a
    # lucky fold would otherwise switch it on, and it crowds new requests' pages.
    pick = best
    for g in grid:
        if len(best["per_dialogue"]) < 2 or within_one_error(best["per_dialogue"], g["per_dialogue"]):
            pick = g
            break
    for g in grid:
        g.pop("per_dialogue")
    return {"pull": pick["pull"], "push": pick["push"], "cv_ndcg": pick["ndcg"], "best_cv_ndcg": best["ndcg"], "grid": grid}

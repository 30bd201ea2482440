"""The trainable parameters: the parent model's numbers as free parameters plus low-rank
residual maps (W = W_parent + A·B, so training starts at the parent model exactly), scored through
model.py's own scoring core (so what is trained is what is served), and `fit`, the gradient loop.

Two losses:

  * pairwise (BPR) on log Y: a thumbs-up item above the thumbs-down items and above unseen items
    of the same dialogue (sampled among those the hard constraints allow);
  * the catalog's own image↔text pairs (InfoNCE): each item's picture, mapped to the shared space,
    should find the item's own text, so the image side learns even from few labels.

Early stopping watches the pairwise loss on validation sessions (taken from the training side).
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ..model import (
    Adapter,
    Model,
    ModelParams,
    adapt_items,
    adapt_queries,
    adapter_tensors,
    constrained,
    score,
    turn_scores,
    unconstrained,
)
from .config import RANK, TrainConfig
from .data import Batches, Split, pairs_of

MIN_PHOTOS = 30  # distinct shopper photos before their average is worth learning (Adapter.photo_mean): from 8 or 9, the average is mostly those photos' own content, and it cost unlabelled requests 1.4 to 2.3 points of NDCG@10 in 2 of 3 simulated runs


# -- the trainable model: ModelParams + low-rank residual adapters ------------------------------


class LowRank:
    """x @ LowRank = x @ base + (x @ A) @ B, never building the full matrix (base None: identity,
    or zero for a non-square map such as the bridge)."""

    def __init__(self, base, a, b):
        self.base, self.a, self.b = base, a, b

    def __rmatmul__(self, x):
        if self.base is not None:
            y = x @ self.base
        elif self.a.shape[0] == self.b.shape[1]:
            y = x
        else:
            y = 0
        return y + (x @ self.a) @ self.b


class Trainable(torch.nn.Module):
    """The parent model's numbers as free parameters, one per ModelParams field, read through
    the field's range (α in (0, 1), temperatures > 0), plus residual maps that start at zero."""

    def __init__(self, parent: Model, dims: tuple[int, int, int], rank: int = RANK, learn=("text", "image", "bridge")):
        super().__init__()
        d, dn, _ = dims
        self.free = torch.nn.ParameterDict({
            f.name: torch.nn.Parameter(torch.tensor(unconstrained(getattr(parent.params, f.name), f.metadata["range"])))
            for f in dataclasses.fields(ModelParams)
        })
        self.base = adapter_tensors(parent.adapter)
        # native (image ↔ image) keeps the parent's map: labels say little about it, and it is the costly one
        self.shapes = {k: v for k, v in {"text": (d, d), "image": (d, d), "bridge": (dn, d)}.items() if k in learn and rank > 0}
        self.lr_a = torch.nn.ParameterDict({k: torch.nn.Parameter(torch.zeros(s[0], rank)) for k, s in self.shapes.items()})
        self.lr_b = torch.nn.ParameterDict({k: torch.nn.Parameter(torch.randn(rank, s[1]) * 0.01) for k, s in self.shapes.items()})

    def params(self) -> ModelParams:
        """The parameters as the scoring core reads them: tensors, each in its range."""
        return ModelParams(**{f.name: constrained(self.free[f.name], f.metadata["range"]) for f in dataclasses.fields(ModelParams)})

    def adapter(self) -> dict:
        """The adapter as the scoring core reads it: parent's map (identity; zero bridge) + A·B."""
        out = {k: v for k, v in self.base.items() if k not in self.shapes}
        for k in self.shapes:
            out[k] = LowRank(self.base.get(k), self.lr_a[k], self.lr_b[k])
        return out

    def full_adapter(self) -> dict:
        out = {k: v for k, v in self.base.items() if k not in self.shapes}
        for k, (r, c) in self.shapes.items():
            base = self.base.get(k)
            if base is None:
                base = torch.eye(r) if k != "bridge" else torch.zeros(r, c)
            out[k] = base.to(self.lr_a[k].device) + self.lr_a[k] @ self.lr_b[k]
        return out

    def residual_norm(self) -> torch.Tensor:
        return sum(((self.lr_a[k] @ self.lr_b[k]).pow(2).sum() for k in self.shapes), torch.zeros(()))

    def to_model(self, card: dict) -> Model:
        with torch.no_grad():
            p = self.params()
            params = ModelParams(**{f.name: float(getattr(p, f.name)) for f in dataclasses.fields(p)})
            a = self.full_adapter()
        adapter = Adapter(**{k: v.detach().cpu().numpy().astype(np.float32) for k, v in a.items()})
        return Model(params, adapter, card)


def frozen(model: Model, device: str) -> tuple[ModelParams, dict]:
    """A saved model as `forward` reads it (to score current vs new): its params and adapter tensors."""
    return model.params, adapter_tensors(model.adapter, device)


def forward(p: ModelParams, a: dict, items_raw: dict, batch: dict, idx=None) -> torch.Tensor:
    """Y (B, n) for a batch of dialogues: the scoring pipeline the Recommender serves with."""
    d = batch if idx is None else {k: v[idx] for k, v in batch.items()}
    q = adapt_queries(d, a)
    f, _, _ = turn_scores(adapt_items(items_raw, a), q, p)
    return score(p, q, f, d["mask"], d["color"], p.alpha, d["kind"]).y


def catalog_infonce(a: dict, items_raw: dict, temp: float = 0.05) -> torch.Tensor:
    """Each item's picture (in the shared space) should pick out the item's own text."""
    it = adapt_items(items_raw, a)
    ok = items_raw["has_image"]
    img, txt = it["image"][ok], it["text"][ok].detach()  # the picture learns to find the text, not back
    if len(img) < 2:
        return torch.zeros((), device=img.device)
    logits = img @ txt.T / temp
    target = torch.arange(len(img), device=img.device)
    return 0.5 * (torch.nn.functional.cross_entropy(logits, target) + torch.nn.functional.cross_entropy(logits.T, target))


@torch.no_grad()
def score_examples(p: ModelParams, a: dict, items_raw: dict, batch: dict, chunk: int = 512) -> np.ndarray:
    """Y (B, n) as numpy, `forward` over the batch `chunk` dialogues at a time, without gradients."""
    n = batch["mask"].shape[0]
    return np.concatenate([forward(p, a, items_raw, batch, slice(s, s + chunk)).float().cpu().numpy() for s in range(0, n, chunk)]) if n else np.zeros((0, 0))


# -- where training starts: the parent with the shoppers' photo style -----------------------------


def photo_style(b_fit: dict) -> tuple[np.ndarray | None, int]:
    """(the average features of the distinct photos of the fitting sessions, how many there are);
    None under MIN_PHOTOS (Adapter.photo_mean: the parent's stays).

    A statistic of what shoppers send, not a fit to their thumbs, so it is not chosen on them:
    thumbs given under the current model cannot credit the items it brings up, which that model
    never showed (simulated, validation thumbs called it worse on the demo catalog while photo
    requests nobody labelled gained 8%). The verdict on held-out sessions still decides promotion."""
    feats = b_fit["image_native"][b_fit["has_image"]].cpu()
    photos = torch.unique(feats, dim=0) if len(feats) else feats
    if len(photos) < MIN_PHOTOS:
        return None, int(len(photos))
    return photos.mean(0).numpy().astype(np.float32), int(len(photos))


def with_photo_style(current: Model, b_fit: dict) -> tuple[Model, dict]:
    """Where training starts: the current model with the shoppers' photo style (photo_style) when
    the fitting sessions have enough photos, else the current model itself; and what the card says
    about it ({"photos", "kept"}). The verdict compares with `current` as served."""
    photo_mean, n_photos = photo_style(b_fit)
    start = current if photo_mean is None else \
        Model(current.params, dataclasses.replace(current.adapter, photo_mean=photo_mean), current.card)
    return start, {"photos": n_photos, "kept": photo_mean is not None}


# -- the gradient loop ---------------------------------------------------------------------------


@dataclass
class Fitted:
    """What `fit` returns: the trained parameters (at the best validation loss), the epochs run,
    and the validation loss before the first step and at its best."""

    model: Trainable
    epochs: int
    validation_loss: dict  # {"start": ..., "best": ...}


def fit(start: Model, cfg: TrainConfig, dims: tuple[int, int, int], split: Split, batches: Batches,
        rng: np.random.Generator, seed: int, device: str,
        on_epoch: Callable[[int, float, float], None] | None = None) -> Fitted:
    """Adam on the pairwise loss of the fitting dialogues (+ cfg.ssl_weight × the catalog's
    image↔text InfoNCE + cfg.reg_weight × the residuals' L2), starting at `start`; stops when the
    validation dialogues' pairwise loss has not improved for cfg.patience epochs and keeps the best
    state. on_epoch(epochs, validation loss, best) is called after each epoch."""
    fit_ex, val_ex, local = split.fit, split.val, batches.local
    items_raw, b_fit, b_val = batches.items_raw, batches.fit, batches.val
    vpairs = pairs_of(val_ex, local, b_val["mask"], cfg.n_unseen, np.random.default_rng(seed + 7))

    model = Trainable(start, dims, cfg.rank, cfg.learn).to(device)
    model.base = {k: v.to(device) for k, v in model.base.items()}
    maps = [*model.lr_a.parameters(), *model.lr_b.parameters()]
    opt = torch.optim.Adam([{"params": list(model.free.parameters()), "lr": cfg.lr_scalars}, {"params": maps, "lr": cfg.lr_maps}])
    ssl_weight, reg_weight, batch_size = cfg.ssl_weight, cfg.reg_weight, cfg.batch_size
    max_epochs = cfg.max_epochs

    def pair_loss(y, pb):
        b, hi, lo, w = (t.to(device) for t in pb)
        if len(b) == 0:
            return torch.zeros((), device=device)
        s = torch.log(y + 1e-9)
        return (w * torch.nn.functional.softplus(-(s[b, hi] - s[b, lo]))).sum() / w.sum()

    @torch.no_grad()
    def val_loss() -> float:
        y = torch.from_numpy(score_examples(model.params(), model.adapter(), items_raw, b_val)).to(device)
        return float(pair_loss(y, vpairs))  # the catalog loss is not a verdict: it is about items, not asks

    best, best_state, bad, patience, epochs = val_loss(), copy.deepcopy(model.state_dict()), 0, cfg.patience, 0
    start_val = best
    for epoch in range(max_epochs):
        epochs = epoch + 1
        pb_all = pairs_of(fit_ex, local, b_fit["mask"], cfg.n_unseen, rng)
        n_rows = b_fit["mask"].shape[0]
        # shuffled, but dialogues with a photo batched together: text-only batches skip the image side
        with_image = b_fit["has_image"].any(-1).cpu().numpy()
        chunks = [g[s : s + batch_size] for g in (rng.permutation(np.flatnonzero(with_image)),
                                                  rng.permutation(np.flatnonzero(~with_image))) for s in range(0, len(g), batch_size)]
        for c in rng.permutation(len(chunks)):
            sel = torch.from_numpy(np.sort(chunks[c]))
            keep = torch.isin(pb_all[0], sel)
            remap = torch.full((n_rows,), -1, dtype=torch.long)
            remap[sel] = torch.arange(len(sel))
            pb = (remap[pb_all[0][keep]], pb_all[1][keep], pb_all[2][keep], pb_all[3][keep])
            a = model.adapter()
            y = forward(model.params(), a, items_raw, b_fit, sel.to(device))
            loss = pair_loss(y, pb) + ssl_weight * catalog_infonce(a, items_raw, cfg.ssl_temp) + reg_weight * model.residual_norm()
            opt.zero_grad()
            loss.backward()
            opt.step()
        v = val_loss()
        if v < best - 1e-4:
            best, best_state, bad = v, copy.deepcopy(model.state_dict()), 0
        else:
            bad += 1
        if on_epoch:
            on_epoch(epochs, v, best)
        if bad >= patience:
            break
    model.load_state_dict(best_state)
    return Fitted(model, epochs, {"start": start_val, "best": best})

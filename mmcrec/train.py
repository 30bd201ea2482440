"""`mmcrec train`: the next model from thumbs, and proof that it is better.

    labels ──group by (session, turns, image)──► labelled dialogues: items up, items down
           ──split by session (seeded)──► train │ validation (early stopping) │ held-out (the verdict)

What is learned is what model.py names, through model.py's own scoring core (so what is trained
is what is served): α, the temperatures, the turn weighting (recency, correction, superseded),
the colour bonus, the image prior, and low-rank residual maps on the frozen embeddings
(W = W_parent + A·B, so training starts at the parent model exactly). By default only the bridge
(native image features → shared space) gets one; the text and image maps can be switched on in
TrainConfig.learn. Two losses:

  * pairwise (BPR) on log Y: a thumbs-up item above the thumbs-down items and above unseen items
    of the same dialogue (sampled among those the hard constraints allow);
  * the catalog's own image↔text pairs (InfoNCE): each item's picture, mapped to the shared space,
    should find the item's own text, so the image side learns even from few labels.

The shoppers' photo style (Adapter.photo_mean): the average features of the distinct photos of
the fitting sessions, removed from photo turns before they meet item pictures (photo_style).

Early stopping watches the pairwise loss on validation sessions (taken from the training side);
the trained scalars and maps are kept only if the validation sessions rank better with them.

Click-through expansion (model.Expansion): each labelled item is pulled toward the (centred)
requests whose shoppers liked it and pushed away from those that rejected it. Only explicit thumbs
count: an item shown without one is no evidence. The pull λ and push μ are chosen by cross-
validation over the training sessions (λ = 0: none), on the NDCG@10 of the thumbs-up items in the
whole ranking, so an item liked elsewhere crowding a request's top 10 counts against it.

The verdict is on held-out sessions (whole groups of sessions that asked the same thing or showed
the same photo): promotable only with at least MIN_HELDOUT_SESSIONS of them and a 95% bootstrap
interval of the NDCG@10 gain above 0; otherwise it says the evidence is too thin, or that the gain
is not shown. The new model is written as the next version (v1, v2, ...) of the model registry
(registry.py) with a card; its saved expansion also learns from the held-out sessions (same λ, μ).
"""
from __future__ import annotations

import copy
import dataclasses
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .clock import utc_now
from .catalog import Catalog
from .dialogue import DialogueState, dialogue_turns
from .evaluate import ModelSystem, evaluate, mrr, ndcg_at
from .images import ImageError, open_image
from .labels import Label
from .model import (
    Adapter,
    Expansion,
    Model,
    ModelParams,
    adapt_items,
    adapt_queries,
    adapter_tensors,
    constrained,
    dialogue_tensors,
    masked_softmax,
    normalize,
    score,
    turn_logits,
    turn_scores,
    unconstrained,
)
from .recommender import Recommender
from .registry import Registry

HELDOUT_FRACTION = 0.2  # of sessions: the verdict
MIN_HELDOUT_SESSIONS = 15  # fewer held-out sessions than this: the evidence is too thin to promote
BOOTSTRAP = 2000  # resamples of the held-out sessions for the verdict's 95% interval
VALID_FRACTION = 0.15  # of the remaining sessions: early stopping
MAX_TRAIN_ITEMS = 4096  # bigger catalogs train on the labelled items plus a sample of the rest
RANK = 64  # of the residual maps
MIN_PHOTOS = 8  # distinct shopper photos before their average is worth learning (Adapter.photo_mean)


@dataclass
class TrainConfig:
    """The knobs of one training run (defaults measured with benchmarks/simulate_annotators.py)."""

    rank: int = RANK  # of the residual maps
    # which maps get a residual ("text", "image", "bridge"; native keeps the parent's). The bridge
    # alone generalised best to unseen asks in the simulation (text maps learn the asks by heart)
    learn: tuple = ("bridge",)
    ssl_weight: float = 1.0  # catalog image↔text InfoNCE, next to the pairwise loss
    ssl_temp: float = 0.05
    reg_weight: float = 1e-3  # L2 on the residuals: stay near the parent
    lr_scalars: float = 0.03
    lr_maps: float = 3e-3
    batch_size: int = 256  # distinct dialogues per step
    n_unseen: int = 8  # unseen items sampled per thumbs-up
    max_epochs: int = 60
    patience: int = 10
    # click-through expansion: the pull toward liking requests (λ) and push from rejecting ones (μ),
    # each chosen by cross-validation over the training sessions from these grids
    expand_pull: tuple = (0.0, 0.1, 0.25, 0.5, 1.0)
    expand_push: tuple = (0.0, 0.25, 0.5)
    expand_folds: int = 4


class TrainError(ValueError):
    """Bad training input (no labels, one-sided labels, one session, unknown catalog...)."""


Progress = Callable[[float, str], None]


def _say(progress: Progress | None, frac: float, msg: str) -> None:
    if progress:
        progress(float(frac), msg)


# -- labels → labelled dialogues ---------------------------------------------------------------


@dataclass
class Example:
    """One dialogue as it was when thumbs were given, and the items judged in it."""

    session_id: str
    turns: list[str]
    image_path: str
    image_sha256: str
    up: list[int] = field(default_factory=list)  # catalog positions
    down: list[int] = field(default_factory=list)
    row: int = -1  # this dialogue's row in its featurized batch (identical dialogues share one)
    image_turn: int | None = None  # the turn the image came with (None: the first)
    exact: list[int] = field(default_factory=list)  # up items judged "exactly what was asked" (grade 2)


def read_labels(db: str | Path | None = None, labels: str | Path | None = None) -> tuple[list, tempfile.TemporaryDirectory | None]:
    """Labels from the feedback database, or from an exported file (JSONL/CSV/Parquet, read with
    the store's own import logic so image paths resolve relative to the file). Returns the labels
    and the temporary folder holding an imported file's images (keep it until images are read)."""
    from .labels import FeedbackError, SQLiteLabelStore, is_database_url, open_store

    if db:
        if not is_database_url(db) and not Path(db).is_file():
            raise TrainError(f"feedback database not found: {db}")
        store = open_store(db, create=False, sync_repo="")
        try:
            return store.labels(), None
        finally:
            store.close()
    if not labels or not Path(labels).is_file():
        raise TrainError(f"labels file not found: {labels}")
    tmp = tempfile.TemporaryDirectory(prefix="mmcrec-train-")
    store = SQLiteLabelStore(Path(tmp.name) / "labels.db", sync_repo="", synchronous="OFF")
    try:
        store.import_file(labels)
        return store.labels(), tmp
    except FeedbackError as e:
        tmp.cleanup()
        raise TrainError(str(e).splitlines()[0]) from e
    finally:
        store.close()


@dataclass
class GradedLabel(Label):
    """A campaign judgement as a training label: the thumb it amounts to, and its grade (in
    memory only: files and stores keep thumbs)."""

    grade: int = 0


def campaign_labels(db: str | Path, name: str) -> list:
    """A campaign's graded judgements as item labels beside the thumbs: grade 2 or 1 is a thumbs
    up, 0 a thumbs down, and training also ranks 2 above 1.  Each request is one session
    (``campaign/<name>/<request_id>``), so its annotators' votes meet in one dialogue (the
    majority counts) and it is held out whole."""
    from .labels import FeedbackError, make_label_id, open_store
    from .labels.campaigns import Campaigns

    if not is_database_url_or_file(db):
        raise TrainError(f"feedback database not found: {db}")
    store = open_store(db, create=False, sync_repo="")
    try:
        campaigns = Campaigns(store)
        campaigns.get(name)
        requests = {r.request_id: r for r in campaigns.requests(name)}
        out = []
        for j in campaigns.judgements(name):
            req = requests[j["request_id"]]
            sid = f"campaign/{name}/{j['request_id']}"
            sha = Path(req.image).name.split(".")[0] if req.image else ""
            out.append(GradedLabel(label_id=make_label_id(sid, j["annotator"], "item", j["item_id"], req.turns),
                                   session_id=sid, annotator=j["annotator"], created_at=j["created_at"],
                                   turns=list(req.turns), image_sha256=sha, image_path=req.image or "",
                                   item_id=j["item_id"], target="item", label=1 if j["grade"] > 0 else -1,
                                   grade=int(j["grade"])))
        return out
    except FeedbackError as e:
        raise TrainError(str(e).splitlines()[0]) from e
    finally:
        store.close()


def is_database_url_or_file(db: str | Path) -> bool:
    from .labels import is_database_url

    return is_database_url(db) or Path(db).is_file()


def make_examples(labels: list, catalog) -> tuple[list[Example], dict]:
    """Group item labels by dialogue; the latest value of each label counts, retracted ones don't;
    an item with both thumbs in one dialogue keeps the majority (a tie drops it). Graded labels
    (GradedLabel, from campaigns) also mark the items more than half their annotators graded 2."""
    pos = {iid: i for i, iid in enumerate(catalog.ids)}
    groups: dict[tuple, dict] = {}
    counts = {"labels": 0, "up": 0, "down": 0, "retracted": 0, "replies": 0, "unknown_items": 0}
    for lab in labels:
        if getattr(lab, "target", "item") != "item":
            counts["replies"] += 1
            continue
        if lab.label == 0:
            counts["retracted"] += 1
            continue
        if lab.item_id not in pos:
            counts["unknown_items"] += 1
            continue
        counts["labels"] += 1
        counts["up" if lab.label > 0 else "down"] += 1
        key = (lab.session_id, tuple(lab.turns), lab.image_sha256, getattr(lab, "image_turn", None))
        g = groups.setdefault(key, {"path": lab.image_path, "votes": {}, "grades": {}})
        g["votes"][pos[lab.item_id]] = g["votes"].get(pos[lab.item_id], 0) + int(lab.label)
        if getattr(lab, "grade", None) is not None:
            g["grades"].setdefault(pos[lab.item_id], []).append(int(lab.grade))
    out = []
    for (sid, turns, sha, image_turn), g in groups.items():
        ex = Example(sid, list(turns), g["path"], sha, image_turn=image_turn)
        ex.up = sorted(i for i, v in g["votes"].items() if v > 0)
        ex.down = sorted(i for i, v in g["votes"].items() if v < 0)
        # graded judgements: an up item most of its annotators called exact (2) ranks above the merely acceptable (1)
        ex.exact = [i for i in ex.up if _mostly_exact(g["grades"].get(i, []))]
        if ex.up or ex.down:
            out.append(ex)
    counts["exact"] = sum(len(e.exact) for e in out)
    counts["dialogues"] = len(out)
    counts["sessions"] = len({e.session_id for e in out})
    return out, counts


def _mostly_exact(grades: list[int]) -> bool:
    """More than half the annotators who graded an item gave it 2."""
    return 2 * sum(g == 2 for g in grades) > len(grades) > 0


def precheck(labels: list) -> None:
    """Fail fast (before any model loads) on label sets nothing can be learned from."""
    live = [lab for lab in labels if getattr(lab, "target", "item") == "item" and lab.label != 0]
    ups = sum(lab.label > 0 for lab in live)
    check_labels({"labels": len(live), "up": ups, "down": len(live) - ups, "unknown_items": 0,
                  "retracted": sum(lab.label == 0 for lab in labels),
                  "replies": sum(getattr(lab, "target", "item") != "item" for lab in labels),
                  "sessions": max(2, len({lab.session_id for lab in live}))})
    if len({lab.session_id for lab in live}) < 2:
        raise TrainError("labels come from a single session: need at least 2 sessions to hold some out")


def check_labels(counts: dict) -> None:
    if counts["labels"] == 0:
        why = []
        if counts["unknown_items"]:
            why.append(f"{counts['unknown_items']} name items this catalog does not have")
        if counts["retracted"]:
            why.append(f"{counts['retracted']} were retracted")
        if counts["replies"]:
            why.append(f"{counts['replies']} are on replies")
        raise TrainError("no item labels to train on" + (f" ({'; '.join(why)})" if why else ""))
    if counts["up"] == 0 or counts["down"] == 0:
        side = "thumbs-up" if counts["down"] == 0 else "thumbs-down"
        raise TrainError(f"all {counts['labels']} labels are {side}: training needs both thumbs up and thumbs down")
    if counts["sessions"] < 2:
        raise TrainError("labels come from a single session: need at least 2 sessions to hold some out")


def session_groups(examples: list[Example]) -> dict[str, str]:
    """Each session's group: sessions that asked the very same thing (same turns and image) or
    showed the same photo are one group, so a held-out side measures asks and pictures the model
    has not seen, not memory. Fewer than 5 groups: plain sessions."""
    sessions = sorted({e.session_id for e in examples})
    parent = {s: s for s in sessions}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[tuple, str] = {}
    for e in examples:
        for key in [(tuple(e.turns), e.image_sha256)] + ([("photo", e.image_sha256)] if e.image_sha256 else []):
            if key in first:
                a, b = find(first[key]), find(e.session_id)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first[key] = e.session_id
    group = {s: find(s) for s in sessions}
    if len(set(group.values())) < 5:
        group = {s: s for s in sessions}
    return group


def split_by_session(examples: list[Example], seed: int, fraction: float = HELDOUT_FRACTION) -> tuple[list, list]:
    """Whole sessions go to one side: a session's dialogues never straddle train and held-out,
    and neither do the sessions of one group (`session_groups`: same ask or same photo)."""
    group = session_groups(examples)
    units = sorted(set(group.values()))
    rng = np.random.default_rng(seed)
    order = [units[i] for i in rng.permutation(len(units))]
    k = min(len(units) - 1, max(1, round(fraction * len(units))))
    held = set(order[:k])
    return [e for e in examples if group[e.session_id] not in held], [e for e in examples if group[e.session_id] in held]


# -- batches: labelled dialogues as scoring-core tensors ------------------------------------------


def featurize(examples: list[Example], rec: Recommender, items: np.ndarray, device: str) -> dict:
    """Stack the distinct dialogues (left-padded to the longest, so the latest turn is last) with
    their constraint masks and colour matches over the training items `items` (catalog positions).
    Sets each example's `row`: sessions asking the same thing share a row, and are scored once."""
    rows: dict[tuple, int] = {}
    uniq: list[Example] = []
    for ex in examples:
        key = (tuple(ex.turns), ex.image_sha256, ex.image_turn)
        if key not in rows:
            rows[key] = len(uniq)
            uniq.append(ex)
        ex.row = rows[key]
    states = []
    for ex in uniq:
        img = None
        if ex.image_path:
            try:
                img = open_image(ex.image_path)
            except (ImageError, OSError):
                img = None
        st = DialogueState()
        for t in dialogue_turns(ex.turns, img, ex.image_sha256, ex.image_turn):
            st.add(t, rec.vocab)
        states.append(st)
    pairs = [(st.turns[j], st.query(j)) for st in states for j in range(len(st.turns))]
    raws = rec.raw_turns(pairs)
    T = max(len(st.turns) for st in states)
    per, at = [], 0
    for st in states:
        r = raws[at : at + len(st.turns)]
        at += len(st.turns)
        r = rec.matched(st, r)
        per.append(dialogue_tensors(st, [r[c] for c in st.content_of], rec.dims))
    out = {}
    for key in per[0]:
        rows = []
        for d in per:
            x = d[key]
            pad = T - x.shape[0]
            if pad:
                x = torch.cat([torch.zeros((pad, *x.shape[1:]), dtype=x.dtype), x])
            rows.append(x)
        out[key] = torch.stack(rows)
    masks, colors, kinds = [], [], []
    at = 0
    for st in states:
        m, _ = st.mask(rec.vocab)
        kind, color = rec.soft_preferences(st, raws[at : at + len(st.turns)])
        at += len(st.turns)
        masks.append(m[items])
        colors.append(color[items])
        kinds.append(np.concatenate([np.zeros((T - len(kind), len(items)), np.float32), kind[:, items]]))
    out["mask"] = torch.from_numpy(np.stack(masks))
    out["color"] = torch.from_numpy(np.stack(colors).astype(np.float32))
    out["kind"] = torch.from_numpy(np.stack(kinds).astype(np.float32))
    return {k: (v.float() if v.dtype == torch.float64 else v).to(device) for k, v in out.items()}


def pairs_of(examples: list[Example], local: dict[int, int], mask: torch.Tensor, n_unseen: int, rng) -> tuple:
    """(dialogue, better, worse, weight) index tensors: up over down (weight 1), up over
    `n_unseen` sampled unseen items the constraints allow (weight ½ in all), and, from graded
    judgements, exact (2) over acceptable (1) items (weight 1)."""
    b, hi, lo, w = [], [], [], []
    mask = mask.cpu().numpy()
    for ex in examples:
        k = ex.row
        up = [local[i] for i in ex.up if mask[k, local[i]]]
        down = [local[i] for i in ex.down if mask[k, local[i]]]
        seen = set(up) | set(down)
        exact = {local[i] for i in ex.exact if i in local}
        for e in exact & set(up):
            for u in set(up) - exact:
                b.append(k), hi.append(e), lo.append(u), w.append(1.0)
        cand = np.flatnonzero(mask[k])
        for u in up:
            for d in down:
                b.append(k), hi.append(u), lo.append(d), w.append(1.0)
            if n_unseen and len(cand) > len(seen):
                s = [int(x) for x in rng.choice(cand, size=min(n_unseen * 2, len(cand)), replace=False) if x not in seen][:n_unseen]
                for x in s:
                    b.append(k), hi.append(u), lo.append(x), w.append(0.5 / max(len(s), 1))
    t = lambda x, dt=torch.long: torch.tensor(x, dtype=dt)  # noqa: E731
    return t(b), t(hi), t(lo), t(w, torch.float32)


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


# -- click-through expansion: items pulled toward the requests that liked them ------------------


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


def fold_of(examples: list[Example], k: int, seed: int) -> np.ndarray:
    """A fold per example for cross-validation, whole session groups (`session_groups`) at a time."""
    group = session_groups(examples)
    units = sorted(set(group.values()))
    perm = np.random.default_rng(seed).permutation(len(units))
    unit_fold = {units[u]: int(i % k) for i, u in enumerate(perm)}
    return np.array([unit_fold[group[e.session_id]] for e in examples])


def choose_expansion(cfg: "TrainConfig", p, a: dict, items_raw: dict, batch: dict, examples: list[Example],
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
        d = np.asarray(best["per_dialogue"]) - np.asarray(g["per_dialogue"])
        if len(d) < 2 or d.mean() <= d.std(ddof=1) / np.sqrt(len(d)):
            pick = g
            break
    for g in grid:
        g.pop("per_dialogue")
    return {"pull": pick["pull"], "push": pick["push"], "cv_ndcg": pick["ndcg"], "best_cv_ndcg": best["ndcg"], "grid": grid}


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


# -- metrics on labelled dialogues -------------------------------------------------------------


def label_metrics(y: np.ndarray, examples: list[Example], local: dict[int, int], k: int = 10) -> dict:
    """AUC of up vs down (pairs within a dialogue); NDCG@k and MRR of the thumbs-up items among
    the judged items of each dialogue (condensed lists: a model is not penalised for surfacing
    good items the labelling model never showed); and NDCG@k of the thumbs-up items in the whole
    ranking (`ndcg_all`, per dialogue in `per_dialogue`): the condensed lists cannot see an item
    liked elsewhere pushing into a request's top k, this one does, so it is what settings are
    chosen and verdicts given on."""
    wins, pairs, ndcgs, mrrs, full, sessions = 0.0, 0, [], [], [], []
    for ex in examples:
        s = y[ex.row]
        up = [local[i] for i in ex.up]
        down = [local[i] for i in ex.down]
        for u in up:
            for d in down:
                pairs += 1
                wins += 1.0 if s[u] > s[d] else 0.5 if s[u] == s[d] else 0.0
        rel = {str(u): 1 for u in up}
        if up and down:
            judged = np.array(up + down)
            ranked = [str(i) for i in judged[np.argsort(-s[judged], kind="stable")]]
            ndcgs.append(ndcg_at(ranked, rel, k))
            mrrs.append(mrr(ranked, rel))
        if up:
            top = np.argsort(-s, kind="stable")[:k]
            full.append(ndcg_at([str(i) for i in top], rel, k))
            sessions.append(ex.session_id)
    return {
        "auc": wins / pairs if pairs else None,
        "ndcg": float(np.mean(ndcgs)) if ndcgs else None,
        "mrr": float(np.mean(mrrs)) if mrrs else None,
        "ndcg_all": float(np.mean(full)) if full else None,
        "pairs": pairs,
        "n": len(ndcgs),
        "per_dialogue": full,
        "sessions": sessions,
    }


@torch.no_grad()
def score_examples(p: ModelParams, a: dict, items_raw: dict, batch: dict, chunk: int = 512) -> np.ndarray:
    n = batch["mask"].shape[0]
    return np.concatenate([forward(p, a, items_raw, batch, slice(s, s + chunk)).float().cpu().numpy() for s in range(0, n, chunk)]) if n else np.zeros((0, 0))


def bootstrap_ci(diffs: list[float], units: list[str], seed: int = 0, n_boot: int = BOOTSTRAP) -> tuple[float, float]:
    """95% interval of the mean difference, resampling whole units (sessions) with replacement."""
    by: dict[str, list[float]] = {}
    for d, u in zip(diffs, units):
        by.setdefault(u, []).append(d)
    sums = np.array([sum(v) for v in by.values()])
    counts = np.array([len(v) for v in by.values()])
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(sums), size=(n_boot, len(sums)))
    means = sums[pick].sum(1) / counts[pick].sum(1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def verdict(new: dict, cur: dict, min_sessions: int = MIN_HELDOUT_SESSIONS, seed: int = 0) -> dict:
    """Promotable only when the held-out sessions say so: at least `min_sessions` of them, and the
    95% bootstrap interval (over sessions) of the NDCG@10 gain above 0. Says when it is too thin."""
    diffs = [a - b for a, b in zip(new.get("per_dialogue") or [], cur.get("per_dialogue") or [])]
    units = list(new.get("sessions") or [])
    n = len(set(units))
    out = {"sessions": n, "min_sessions": min_sessions, "gain": float(np.mean(diffs)) if diffs else None, "ci": None}
    if n < 2:
        return {**out, "promotable": False, "too_thin": True,
                "text": f"evidence too thin: {n} held-out session{'s' * (n != 1)} with a thumbs up (need {min_sessions})"}
    lo, hi = bootstrap_ci(diffs, units, seed)
    out["ci"] = [lo, hi]
    gain = f"NDCG@10 of the thumbs-up items in the whole ranking {out['gain']:+.3f} (95% CI {lo:+.3f} to {hi:+.3f}, {n} held-out sessions)"
    if n < min_sessions:
        return {**out, "promotable": False, "too_thin": True,
                "text": f"evidence too thin: {gain}; need at least {min_sessions} held-out sessions"}
    if lo > 0:
        return {**out, "promotable": True, "too_thin": False, "text": f"better on held-out labels: {gain}"}
    return {**out, "promotable": False, "too_thin": False,
            "text": f"not shown better on held-out labels: {gain}; the interval includes no gain" if hi >= 0 else
                    f"worse on held-out labels: {gain}"}


def summary(m: dict) -> dict:
    """label_metrics without the per-dialogue lists (for the card and the table)."""
    return {k: v for k, v in m.items() if k not in ("per_dialogue", "sessions")}


# -- training ------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    version: str
    model_dir: Path
    parent: str
    promotable: bool
    rows: list[dict]  # {"set", "kind", "metric", "current", "new"} for the table
    metrics: dict  # {"heldout": {"current": {...}, "new": {...}}, "queries": {...}}
    history: list[dict]  # metrics by version, for a chart
    counts: dict
    seconds: float
    table: str = ""
    model: Model | None = None
    verdict: str = ""  # the verdict in words: the gain with its interval, or why there is none


def train_next(
    labels: list,
    catalog: Catalog,
    rec: Recommender,
    registry: Registry,
    seed: int = 0,
    progress: Progress | None = None,
    queries: list | None = None,
    current: Model | None = None,
    config: TrainConfig | None = None,
    device: str | None = None,
) -> TrainResult:
    """Train the next model from labels (feedback.Label objects) on `rec`'s item embeddings of
    `catalog`, compare it with the current one on held-out sessions (and labelled queries), and
    save it as the next version of `registry`.

    progress(fraction, message) is called as it goes. Raises TrainError for unusable labels.
    The served model is not touched: promote with registry.promote(version) and
    Recommender.set_model(model).
    """
    t0 = time.perf_counter()
    reg = registry
    if current is None:
        current = reg.load(reg.current())
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)

    _say(progress, 0.02, "reading labels")
    examples, counts = make_examples(labels, catalog)
    check_labels(counts)
    train_ex, held_ex = split_by_session(examples, seed)
    fit_ex, val_ex = split_by_session(train_ex, seed + 1, VALID_FRACTION) if len({e.session_id for e in train_ex}) >= 4 else (train_ex, train_ex)
    if not any(e.up for e in held_ex):
        # a verdict needs thumbs-up items in held-out sessions: move one session that has some
        have = sorted({e.session_id for e in train_ex if e.up})
        if len(have) > 1:
            s = have[int(rng.integers(len(have)))]
            held_ex += [e for e in train_ex if e.session_id == s]
            train_ex = [e for e in train_ex if e.session_id != s]
            fit_ex = [e for e in fit_ex if e.session_id != s]
            val_ex = [e for e in val_ex if e.session_id != s] or fit_ex
    if not any(e.up for e in fit_ex):
        raise TrainError("no thumbs-up labels left to train on after holding out sessions")
    counts.update(train_sessions=len({e.session_id for e in train_ex}), heldout_sessions=len({e.session_id for e in held_ex}),
                  train_dialogues=len(train_ex), heldout_dialogues=len(held_ex))

    # the items trained on: all of them for a demo catalog; labelled ones + a sample for a big one
    n = len(catalog)
    if n <= MAX_TRAIN_ITEMS:
        items = np.arange(n)
    else:
        labelled = sorted({i for e in examples for i in e.up + e.down})
        rest = np.setdiff1d(np.arange(n), labelled)
        items = np.sort(np.concatenate([labelled, rng.choice(rest, size=max(0, MAX_TRAIN_ITEMS - len(labelled)), replace=False)]))
    local = {int(i): k for k, i in enumerate(items)}
    ix = rec.index
    items_raw = {
        "text": torch.from_numpy(ix.text[items]).float().to(device),
        "image": torch.from_numpy(ix.image[items]).float().to(device),
        "native": torch.from_numpy(ix.native[items]).float().to(device),
        "has_image": torch.from_numpy(ix.has_image[items]).to(device),
    }

    _say(progress, 0.08, f"encoding {len(examples)} labelled dialogues")
    cfg = config or TrainConfig()
    ids = [catalog.ids[i] for i in items]
    # the expansion's own copies of the dialogues (featurize numbers each list's rows)
    exp_train = [dataclasses.replace(e) for e in train_ex]
    exp_held = [dataclasses.replace(e) for e in held_ex]
    b_exp = featurize(exp_train, rec, items, device)
    b_fit = featurize(fit_ex, rec, items, device)
    b_val = featurize(val_ex, rec, items, device) if val_ex is not fit_ex else b_fit
    photo_mean, n_photos = photo_style(b_fit)
    # training starts from the current model with the shoppers' photo style; the verdict compares with `current` as served
    start = current if photo_mean is None else \
        Model(current.params, dataclasses.replace(current.adapter, photo_mean=photo_mean), current.card)
    parent_p, parent_a = frozen(start, device)
    choice = choose_expansion(cfg, parent_p, parent_a, items_raw, b_exp, exp_train, local, seed)
    b_held = featurize(held_ex, rec, items, device)
    vpairs = pairs_of(val_ex, local, b_val["mask"], cfg.n_unseen, np.random.default_rng(seed + 7))

    model = Trainable(start, rec.dims, cfg.rank, cfg.learn).to(device)
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
        _say(progress, 0.1 + 0.7 * epochs / max_epochs, f"epoch {epochs}: validation loss {v:.4f} (best {best:.4f})")
        if bad >= patience:
            break
    model.load_state_dict(best_state)

    _say(progress, 0.85, "comparing with the current model on held-out sessions")
    card = {
        "parent": current.version,
        "created_at": utc_now(),
        "encoder": rec.encoder.name,
        "catalog_id": catalog.catalog_id,
        "seed": seed,
        "data": counts,
        "train": {"config": dataclasses.asdict(cfg), "epochs": epochs, "device": device, "validation_loss": {"start": start_val, "best": best},
                  "items": int(len(items))},
    }
    trained = model.to_model(card)
    # the trained scalars and maps are kept only if the validation sessions prefer them, both
    # with the expansion the fitting sessions give
    pull, push = choice["pull"], choice["push"]

    def val_ndcg(m: Model) -> float:
        p, a = frozen(m, device)
        off = expansion_offsets(expansion_sums(fit_ex, request_vectors(p, a, b_fit), local, len(items)), pull, push, items_raw["has_image"])
        return label_metrics(score_examples(p, a, {**items_raw, **to(off, device)}, b_val), val_ex, local)["ndcg_all"] or 0.0

    keep_trained = val_ex is not fit_ex and val_ndcg(trained) > val_ndcg(Model(start.params, start.adapter))
    base = trained if keep_trained else Model(start.params, start.adapter, card)
    p_base, a_base = frozen(base, device)
    sums = expansion_sums(exp_train, request_vectors(p_base, a_base, b_exp), local, len(items))
    new = Model(base.params, base.adapter, card, make_expansion(sums, pull, push, items_raw["has_image"], ids))
    card["expansion"] = {"pull": pull, "push": push, "cv_ndcg": choice["cv_ndcg"], "grid": choice["grid"],
                         "trained_scalars_kept": keep_trained}
    card["photo_centring"] = {"photos": n_photos, "kept": photo_mean is not None}

    def held_metrics(m: Model) -> dict:
        return label_metrics(score_examples(*frozen(m, device), with_expansion(items_raw, m, ids, device), b_held), held_ex, local)

    m_cur, m_new = held_metrics(current), held_metrics(new)
    decision = verdict(m_new, m_cur, seed=seed)
    if len(new.expansion) or pull > 0:
        # the verdict measured the expansion from the training sessions; the saved one also
        # learns from the held-out sessions (same λ, μ: more labels, no new choices)
        held_sums = expansion_sums(exp_held, request_vectors(p_base, a_base, featurize(exp_held, rec, items, device)), local, len(items))
        new.expansion = make_expansion({k: sums[k] + held_sums[k] for k in sums}, pull, push, items_raw["has_image"], ids)
        card["expansion"]["items"] = len(new.expansion)
    metrics = {"heldout": {"current": summary(m_cur), "new": summary(m_new)}, "verdict": decision}
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
    promotable = decision["promotable"]
    new.card.update(metrics={"heldout": summary(m_new), "heldout_parent": summary(m_cur), "verdict": decision,
                             **({"queries": metrics["queries"]["new"]} if queries else {})},
                    promotable=promotable)
    version, out_dir = reg.new_version_dir()
    new.card["version"] = version
    out_dir.rmdir()  # reserved above; Model.save creates it (and never overwrites)
    new.save(out_dir)
    new = Model.load(out_dir)
    _say(progress, 1.0, f"{version}: {'promotable' if promotable else 'not promotable'}: {decision['text']}")
    res = TrainResult(version, out_dir, current.version, promotable, rows, metrics, reg.metrics_by_version(), counts,
                      time.perf_counter() - t0, model=new, verdict=decision["text"])
    res.table = format_result(res)
    return res


def query_metrics(rec: Recommender, model: Model, queries: list, k: int = 10) -> dict:
    """evaluate.evaluate on labelled queries with `model`, on a shadow of rec (the served model stays)."""
    shadow = copy.copy(rec)
    shadow.set_model(model)
    r = evaluate(ModelSystem(shadow), queries, k=k)
    return {"overall": r["overall"], "by_kind": r["by_kind"]}


METRIC_NAMES = {"auc": "AUC up>down", "ndcg": "NDCG@10", "mrr": "MRR", "recall": "Recall@10"}


def fmt_metric(x: float | None) -> str:
    return "-" if x is None else f"{float(x):.3f}"


def comparison_rows(res: TrainResult) -> list[list]:
    """Current vs new per (set, kind, metric): [set, kind, n, metric name, current, new, Δ] as text."""
    rows = []
    for r in res.rows:
        d = None if r["current"] is None or r["new"] is None else r["new"] - r["current"]
        rows.append([r["set"], r["kind"], r.get("n", ""), METRIC_NAMES.get(r["metric"], r["metric"]),
                     fmt_metric(r["current"]), fmt_metric(r["new"]), "-" if d is None else f"{d:+.3f}"])
    return rows


def format_result(res: TrainResult) -> str:
    lines = [f"| set | kind | n | metric | current ({res.parent}) | new ({res.version}) | Δ |", "|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in comparison_rows(res)]
    c = res.counts
    lines.append("")
    lines.append(f"labels: {c['labels']} ({c['up']} up, {c['down']} down) in {c['dialogues']} dialogues from {c['sessions']} sessions; "
                 f"trained on {c['train_sessions']} sessions, held out {c['heldout_sessions']}; {res.seconds:.1f}s")
    if res.model is not None:
        lines.append("learned: " + learned_line(res.model.card))
    lines.append(f"{res.version}: {'PROMOTABLE' if res.promotable else 'not promotable'} against {res.parent}: {res.verdict}")
    return "\n".join(lines)


def learned_line(card: dict) -> str:
    """What the new version took from the labels, in one line (from its card), e.g. "trained
    scalars and bridge kept (...); no click-through expansion (...); the shoppers' photo style
    from 9 photos"."""
    exp, photo = card.get("expansion") or {}, card.get("photo_centring") or {}
    parts = ["trained scalars and bridge " + ("kept (validation sessions ranked better)" if exp.get("trained_scalars_kept")
                                                else "not kept (validation sessions did not rank better)")]
    if exp.get("pull") or exp.get("push"):
        parts.append(f"click-through expansion on {exp.get('items', 0)} items (λ {exp['pull']}, μ {exp['push']})")
    else:
        parts.append("no click-through expansion (cross-validation chose none)")
    if photo.get("kept"):
        parts.append(f"the shoppers' photo style from {photo['photos']} photos")
    return "; ".join(parts)

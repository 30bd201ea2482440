"""The model: Y = α · M_R(X, Q) + (1 − α) · M_C(Q) — its parameters, adapter, math, and files.

For each turn j and item i we compare the turn with the item's text and image and fuse the two
with a per-item modality attention β_ij (softmax over the two standardised similarities):

    f_ij = β_ij,img · z_img(i, j) + β_ij,txt · z_txt(i, j)

Turn attention c_j (M_C's attention over the turns) comes from the language model's encoding of
each turn (relevance to the latest turn), recency, whether the turn corrects the request, and
whether a change of mind replaced it.

    M_R(i) = Σ_j c_j · softmax_i(f_ij / τ_r + b_i)      each turn attends over the items
    M_C(i) = softmax_i(Σ_j c_j · f_ij / τ_c + b_i)      the attended dialogue state scores them

Both are distributions over the items that meet the hard constraints, b_i is the soft bonus for
wanted colours, and so Y is one too. Scores with a linear state are exactly Σ_j c_j · f_ij, so M_C
scores the attended state without building it; the difference from M_R is where the softmax is:
M_R rewards items that match any turn strongly, M_C items that fit the whole conversation.

The math lives once, in torch, in the scoring core below: `turn_scores` (the fused similarities
f) and `score` (turn attention, M_R, M_C, the colour bonus, the α mix). The Recommender
(recommender.py) calls them for one dialogue, and `mmcrec train` calls the very same functions
on batches of labelled dialogues to learn the parameters, so what is trained is what is served.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .clock import utc_now
from .dialogue import DialogueState
from .memory import LabelMemory

MODEL_FORMAT = 1


def param(default: float, kind: str = "real"):
    """A ModelParams field: its default, and the range it must stay in — "real", "positive" or
    "unit" (0, 1). Training moves an unconstrained number and reads it through `constrained`."""
    return field(default=default, metadata={"range": kind})


def unconstrained(value: float, kind: str) -> float:
    """The number training moves for a parameter of this value (the inverse of `constrained`,
    kept off the ends of the range so gradients still flow)."""
    if kind == "unit":
        v = float(np.clip(value, 0.02, 0.98))
        return math.log(v / (1 - v))
    if kind == "positive":
        return math.log(max(value, 1e-3))
    return float(value)


def constrained(u: torch.Tensor, kind: str) -> torch.Tensor:
    """A parameter's value from the number training moves: sigmoid into (0, 1), exp for positive."""
    if kind == "unit":
        return torch.sigmoid(u)
    if kind == "positive":
        return torch.exp(u)
    return u


@dataclass
class ModelParams:
    """The learnable scalars of the design, each declared once: name, default, range.

    Defaults serve until a trained model replaces them. Served, the values are floats; while
    training (train.Trainable) they are tensors, and the scoring core reads both alike."""

    alpha: float = param(0.5, "unit")  # weight of M_R against M_C
    tau_r: float = param(0.5, "positive")  # M_R item-attention temperature (similarities are z-scores)
    tau_c: float = param(0.5, "positive")  # M_C temperature
    tau_mod: float = param(2.0, "positive")  # modality attention temperature
    tau_turn: float = param(0.2, "positive")  # turn attention: relevance to the latest turn
    recency: float = param(0.7)  # turn attention: logit lost per turn back
    correction: float = param(0.5)  # turn attention: bonus for turns that refine or correct
    superseded: float = param(4.0)  # turn attention: penalty for requests replaced by a change of mind
    color_bonus: float = param(1.5)  # soft re-rank for wanted colours, in z units
    kind_bonus: float = param(2.0)  # soft re-rank for the kind a turn is about (× its confidence), in z units
    image_weight: float = param(1.0)  # photo turns: prior on the item's picture in the modality attention (log-odds shift)
    text_image_weight: float = param(-3.0)  # worded turns: the same prior (words reach a picture only through a bridge)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelParams":
        known = {k: float(v) for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Adapter:
    """Optional linear maps on the frozen embeddings (learned by `mmcrec train`).

    `text` maps shared-space vectors (item text and text turns), `image` maps images' shared
    vectors (item images and photo turns alike), `native` maps image-only features, and `bridge`
    (native → shared) is added to the image's shared vector, so a picture is compared with text
    through what the image model sees, not only through the class-name bridge:

        image_shared = normalize(shared @ image + native @ bridge)

    A missing map is the identity (bridge: zero), so an empty Adapter changes nothing.

    `photo_mean` (native dim) is the average of the shoppers' photos seen in training: shoppers'
    photos differ from catalog pictures in ways of their own (drawings, phone shots, backgrounds),
    shared by all of them, and that shared part pulls every photo toward the same catalog items.
    A photo turn is compared with item pictures as normalize(native − photo_mean); the bridge
    keeps the photo's own features.
    """

    text: np.ndarray | None = None
    image: np.ndarray | None = None
    native: np.ndarray | None = None
    bridge: np.ndarray | None = None
    photo_mean: np.ndarray | None = None

    def tensors(self) -> dict[str, np.ndarray]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Expansion:
    """What the labels taught about single items (click-through expansion, learned by `mmcrec train`).

    Each labelled item's vectors are pulled toward the requests whose shoppers liked it and pushed
    away from those that rejected it, so a new request that means the same finds it:

        item_text'   = normalize(item_text   + offset_text)      (shared space: words and photos)
        item_native' = normalize(item_native + offset_native)    (image features: photos only)

    with offset = λ·mean(liked requests' vectors) − μ·mean(rejected ones). Rows follow `item_ids`;
    items not listed (no labels, or not in the catalog served) are unchanged."""

    item_ids: list[str] = field(default_factory=list)
    text: np.ndarray | None = None  # (m, d) offsets in the shared space
    native: np.ndarray | None = None  # (m, dn) offsets of the image features

    def __len__(self) -> int:
        return len(self.item_ids)

    def offsets(self, catalog_ids: list[str], dims: tuple[int, int]) -> dict[str, torch.Tensor]:
        """The offsets as dense float32 (n, ·) tensors over a catalog's items (zero rows for the
        unlabelled), for `adapt_items`; {} when nothing was learned for this catalog."""
        pos = {iid: i for i, iid in enumerate(catalog_ids)}
        rows = [(r, pos[iid]) for r, iid in enumerate(self.item_ids) if iid in pos]
        if not rows:
            return {}
        src, dst = np.array([r for r, _ in rows]), np.array([c for _, c in rows])
        out = {}
        for key, m, dim in (("text_offset", self.text, dims[0]), ("native_offset", self.native, dims[1])):
            if m is not None and m.shape[1] == dim:
                x = np.zeros((len(catalog_ids), dim), np.float32)
                x[dst] = m[src]
                out[key] = torch.from_numpy(x)
        return out


@dataclass
class Model:
    params: ModelParams = field(default_factory=ModelParams)
    adapter: Adapter = field(default_factory=Adapter)
    card: dict = field(default_factory=lambda: {"version": "v0", "parent": None})
    expansion: Expansion = field(default_factory=Expansion)
    memory: LabelMemory | None = None  # what shoppers liked for the needs they rated (memory.py)

    @property
    def version(self) -> str:
        return str(self.card.get("version", "v0"))

    def save(self, directory: str | Path) -> Path:
        from safetensors.numpy import save_file

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=False)  # a version is never overwritten
        tensors = {f"adapter.{k}": np.ascontiguousarray(v, np.float32) for k, v in self.adapter.tensors().items()}
        tensors["params"] = np.array(list(self.params.to_dict().values()), np.float32)
        for k in ("text", "native"):
            if len(self.expansion) and getattr(self.expansion, k) is not None:
                tensors[f"expansion.{k}"] = np.ascontiguousarray(getattr(self.expansion, k), np.float32)
        save_file(tensors, str(d / "model.safetensors"))
        if len(self.expansion):  # the rows' item ids (safetensors holds numbers only)
            (d / "expansion_items.json").write_text(json.dumps(self.expansion.item_ids))
        if self.memory is not None and len(self.memory):
            self.memory.save(d)
        card = dict(self.card)
        card.update(format=MODEL_FORMAT, params=self.params.to_dict())
        card.setdefault("created_at", utc_now())
        (d / "card.json").write_text(json.dumps(card, indent=2))
        return d

    @classmethod
    def load(cls, directory: str | Path) -> "Model":
        """Load a model directory; older formats load (missing params keep their defaults)."""
        from safetensors.numpy import load_file

        d = Path(directory)
        card_path = d / "card.json"
        if not card_path.is_file():
            raise FileNotFoundError(f"{d}: not a model directory (no card.json)")
        try:
            card = json.loads(card_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"{card_path}: not a model card ({e})") from e
        if int(card.get("format", 0)) > MODEL_FORMAT:
            raise ValueError(f"{d}: model format {card.get('format')} is newer than this mmcrec reads ({MODEL_FORMAT})")
        card.setdefault("version", d.name)
        params = ModelParams.from_dict(card.get("params") or {})  # missing keys keep defaults: old models load
        adapter, expansion = Adapter(), Expansion()
        wfile = d / "model.safetensors"
        if wfile.is_file():
            for k, v in load_file(str(wfile)).items():
                if k.startswith("adapter.") and k[8:] in Adapter.__dataclass_fields__:
                    setattr(adapter, k[8:], v.astype(np.float32))
                elif k in ("expansion.text", "expansion.native"):
                    setattr(expansion, k[10:], v.astype(np.float32))
        ids_file = d / "expansion_items.json"
        if ids_file.is_file():
            expansion.item_ids = [str(x) for x in json.loads(ids_file.read_text())]
            for k in ("text", "native"):
                m = getattr(expansion, k)
                if m is not None and len(m) != len(expansion.item_ids):
                    raise ValueError(f"{d}: expansion.{k} has {len(m)} rows for {len(expansion.item_ids)} items")
        return cls(params, adapter, card, expansion, LabelMemory.load(d))


# -- the scoring core (torch): written once, used by Recommender and by `mmcrec train` ----------
#
# Shapes: n items, T turns, any leading batch dims "..." (none when serving one dialogue).
# `p` is a ModelParams, of floats (serving) or tensors (training);
# `a` is a dict of adapter tensors (missing keys: identity).


def adapter_tensors(adapter: Adapter, device: str | None = None) -> dict:
    """The adapter's maps as the scoring core reads them: float32 tensors."""
    return {k: torch.from_numpy(np.asarray(v, np.float32)).to(device) for k, v in adapter.tensors().items()}


def dialogue_tensors(state: DialogueState, raws: list[dict], dims: tuple[int, int, int]) -> dict:
    """One dialogue's turns as scoring-core inputs (T rows, frozen encoders' vectors, no adapter).

    raws[j] is the raw encoding of the content turn j refines (state.content_of[j]);
    dims = (shared dim, native image dim, language-model dim).
    """
    d, dn, dl = dims
    m = len(state.turns)

    def stack(key: str, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
        rows = [r.get(key) for r in raws]
        x = np.zeros((m, dim))
        for j, v in enumerate(rows):
            if v is not None:
                x[j] = v
        return torch.from_numpy(x), torch.tensor([v is not None for v in rows], dtype=torch.bool)

    text, has_text = stack("text", d)
    native, has_image = stack("image_native", dn)
    shared, _ = stack("image_shared", d)
    lm, has_lm = stack("lm", dl)
    return {
        "text": text, "has_text": has_text, "image_native": native, "image_shared": shared, "has_image": has_image,
        "lm": lm, "has_lm": has_lm,
        "offset": torch.arange(m, dtype=torch.float64) - (m - 1),
        "constrains": torch.tensor([float(it.constrains) for it in state.intents], dtype=torch.float64),
        "superseded": torch.tensor([float(x) for x in state.superseded], dtype=torch.float64),
    }


def normalize(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp(min=1e-12)


def adapt(x: torch.Tensor, w: torch.Tensor | None) -> torch.Tensor:
    """A linear map on frozen embeddings, renormalised; None is the identity."""
    return x if w is None else normalize(x @ w)


def image_shared(shared: torch.Tensor, native: torch.Tensor, a: dict) -> torch.Tensor:
    """An image in the shared (text-comparable) space: normalize(shared @ image + native @ bridge)."""
    if a.get("image") is None and a.get("bridge") is None:
        return shared
    y = shared @ a["image"] if a.get("image") is not None else shared
    return normalize(y + native @ a["bridge"]) if a.get("bridge") is not None else normalize(y)


def offset(x: torch.Tensor, off: torch.Tensor | None) -> torch.Tensor:
    """normalize(x + off) on the rows with an offset; the other rows exactly as they were."""
    if off is None:
        return x
    off = off.to(x.dtype)
    return torch.where(off.ne(0).any(-1, keepdim=True), normalize(x + off), x)


def adapt_items(raw: dict, a: dict) -> dict:
    """Item matrices (text, image, native, has_image) as the model sees them: the adapter's maps,
    then the expansion's per-item offsets where raw carries them (text_offset, native_offset)."""
    text = offset(adapt(raw["text"], a.get("text")), raw.get("text_offset"))
    native = offset(adapt(raw["native"], a.get("native")), raw.get("native_offset"))
    return {"text": text, "image": image_shared(raw["image"], raw["native"], a), "native": native,
            "has_image": raw["has_image"]}


def adapt_queries(d: dict, a: dict) -> dict:
    """Turn queries (text, image_shared, image_native + flags) as the model sees them."""
    native = d["image_native"]
    if a.get("photo_mean") is not None:
        centred = normalize(native - a["photo_mean"].to(native.dtype))
        native = torch.where(d["has_image"][..., None], centred, native)
    return {**d, "text": adapt(d["text"], a.get("text")), "image_native": adapt(native, a.get("native")),
            "image_shared": image_shared(d["image_shared"], d["image_native"], a)}


def zscore(s: torch.Tensor, mu: torch.Tensor | None = None, sd: torch.Tensor | None = None) -> torch.Tensor:
    """Standardise similarities over the items (last dim), so text and image sides compare.
    mu/sd (..., 1), when given, are the whole catalog's (scoring a candidate subset of it)."""
    if mu is None:
        mu = s.mean(-1, keepdim=True)
        sd = ((s - mu) ** 2).mean(-1, keepdim=True).add(1e-12).sqrt()  # population sd; finite gradient at 0
    return (s - mu) / torch.where(sd > 1e-6, sd, torch.ones_like(sd))


def scan(x: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """(k, n) inner products of k query rows with the n item rows of x.

    Serving on the CPU: one BLAS matrix-vector pass over x per query, which streams the matrix at
    memory speed (torch's x @ q for a thin q runs at about half of it: 20 vs 11 ms at 100,000 × 384).
    Training (gradients) and GPUs: torch; x @ q.T streams x row-major, as q @ x.T does not."""
    if x.device.type == "cpu" and x.dtype == torch.float32 and not (torch.is_grad_enabled() and (x.requires_grad or q.requires_grad)):
        xn, qn = x.detach().numpy(), q.detach().numpy()
        return torch.from_numpy(np.stack([xn @ r for r in qn]) if len(qn) else np.zeros((0, len(xn)), np.float32))
    return (x @ q.T).T


def similarity_z(qv: torch.Tensor, items: dict, space: str) -> torch.Tensor:
    """zscore(qv @ items[space].T). When `items` is a candidate subset it carries the whole
    catalog's moments of that space (items["moments"][space] = (mean vector, second-moment matrix)),
    and the z-scores are the ones the full catalog gives, exactly: mean_i(q·x_i) = q·μ and
    mean_i((q·x_i)²) = qᵀ(XᵀX/n)q."""
    x = items[space]
    qv = qv.to(x.dtype)
    s = scan(x, qv.reshape(-1, qv.shape[-1])).reshape(*qv.shape[:-1], x.shape[0])
    mom = (items.get("moments") or {}).get(space)
    if mom is None:
        return zscore(s)
    mean, second = mom
    mu = (qv @ mean)[..., None]
    var = ((qv @ second) * qv).sum(-1, keepdim=True) - mu**2
    return zscore(s, mu, var.clamp(min=0).add(1e-12).sqrt())


def fuse_modalities(z_img, z_txt, has_image, p, prior):
    """β = softmax over (image, text) of the item's two z-scores, the image side shifted by
    `prior` − 1 (log-odds); f = β·z_img + (1 − β)·z_txt."""
    logit = (z_img + prior - 1.0) / p.tau_mod - z_txt / p.tau_mod
    beta = torch.where(has_image, torch.sigmoid(logit), torch.zeros_like(logit))
    return beta * torch.where(has_image, z_img, torch.zeros_like(z_img)) + (1 - beta) * z_txt, beta


def turn_scores(items: dict, q: dict, p):
    """Fused similarity f (..., n) of each turn's query to each item, its image share β, and
    the query's own image share (1 photo, ½ photo + words, 0 words).

    items: text, image (n, d) shared space; native (n, dn); has_image (n,) bool
    q: text (..., d), has_text (...); image_native (..., dn), image_shared (..., d), has_image (...)
    """
    # the dtype follows the item matrices (float32 when serving; training's own)
    zero = torch.zeros((*q["has_text"].shape, items["text"].shape[0]), dtype=items["text"].dtype, device=items["text"].device)
    f_t = b_t = f_i = b_i = zero  # a side no turn here uses is not computed (exact: its weight is 0)
    if bool(q["has_text"].any()):
        f_t, b_t = fuse_modalities(similarity_z(q["text"], items, "image"), similarity_z(q["text"], items, "text"),
                                   items["has_image"], p, p.text_image_weight)
    if bool(q["has_image"].any()):
        f_i, b_i = fuse_modalities(similarity_z(q["image_native"], items, "native"),
                                   similarity_z(q["image_shared"], items, "text"), items["has_image"], p, p.image_weight)
    ht, hi = q["has_text"].to(f_t.dtype)[..., None], q["has_image"].to(f_t.dtype)[..., None]
    k = (ht + hi).clamp(min=1.0)
    fused = (ht * f_t + hi * f_i) / k
    beta = torch.where((ht + hi) > 0, (ht * b_t + hi * b_i) / k, torch.full_like(b_t, 0.5))
    return fused, beta, (hi / k)[..., 0]


def turn_logits(q: dict, p) -> torch.Tensor:
    """Turn attention logits (..., T): relevance to the latest turn (its language-model encoding),
    recency (offset = j − (m − 1) ≤ 0), a bonus for refining turns, a penalty when replaced."""
    lm, has_lm, offset = q["lm"], q["has_lm"], q["offset"]
    last = lm[..., -1:, :]  # turns are right-aligned: the latest turn is last
    rel = torch.where(has_lm & has_lm[..., -1:], (lm * last).sum(-1) - 1.0, torch.zeros_like(offset))
    return rel / p.tau_turn + p.recency * offset + p.correction * q["constrains"] - p.superseded * q["superseded"]


def masked_softmax(x, mask):
    """softmax over the last dim where mask holds; 0 elsewhere (and everywhere if nothing holds)."""
    if bool(mask.all()) and bool(torch.isfinite(x).all()):  # nothing masked: the same numbers, fewer passes
        return torch.softmax(x, -1)
    x = x.masked_fill(~mask, float("-inf"))
    out = torch.softmax(x, -1)
    return torch.where(mask.any(-1, keepdim=True), out, torch.zeros_like(out)).nan_to_num(0.0)


@dataclass
class Scores:
    """What `score` returns, over the items of one dialogue or a batch (leading dims ...)."""

    y: torch.Tensor  # (..., n) α·M_R + (1 − α)·M_C
    m_r: torch.Tensor  # (..., n)
    m_c: torch.Tensor  # (..., n)
    turn_attention: torch.Tensor  # (..., T) softmax over all turns, as explained
    turn_weights: torch.Tensor  # (..., T) the same over the turns with a query (all 0 when none has)
    item_attention: torch.Tensor  # (..., T, n) each turn's attention over the items
    bonus: torch.Tensor  # (..., n) the colour and kind bonus


def score(p, q: dict, f: torch.Tensor, mask: torch.Tensor, color: torch.Tensor, alpha,
          kind: torch.Tensor | None = None) -> Scores:
    """The scoring pipeline, for serving and training alike: turn attention over the turns of
    the (adapted) queries q, M_R and M_C from the turn scores f (..., T, n) within the hard-
    constraint mask (..., n), the colour bonus on wanted colours (color (..., n): 1 wanted), the
    kind bonus (kind (..., T, n): each turn's confidence that the item is the kind it asks for,
    mixed by the turn weights relative to the strongest turn), and Y = α·M_R + (1 − α)·M_C.
    Computes in the dtype of f and color."""
    logits = turn_logits(q, p)
    w = masked_softmax(logits, q["has_text"] | q["has_image"])
    bonus = p.color_bonus * color
    if kind is not None and w.shape[-1] > 0:  # (a dialogue of no turns has no kind to lift)
        rel = w / w.amax(-1, keepdim=True).clamp(min=1e-12)
        bonus = bonus + p.kind_bonus * (rel[..., None] * kind.to(w.dtype)).sum(-2)
    a = masked_softmax(f / p.tau_r + bonus[..., None, :], mask[..., None, :])
    m_r = (w[..., None] * a).sum(-2)
    none = (w.sum(-1, keepdim=True) <= 0)
    if bool(none.any()):
        m_r = torch.where(none, masked_softmax(bonus, mask), m_r)
    m_c = masked_softmax((w[..., None] * f).sum(-2) / p.tau_c + bonus, mask)
    return Scores(alpha * m_r + (1 - alpha) * m_c, m_r, m_c, torch.softmax(logits, -1), w, a, bonus)

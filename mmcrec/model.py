"""The recommender: Y = α · M_R(X, Q) + (1 − α) · M_C(Q).

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

The math lives once, in torch, in the "scoring core" functions below (`zscore`, `fuse_modalities`,
`turn_scores`, `turn_logits`, `mix`): the Recommender calls them for one dialogue, and
`mmcrec train` calls the very same functions on batches of labelled dialogues to learn the
parameters, so what is trained is what is served.
"""
from __future__ import annotations

import gc
import json
import math
import os
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .ann import AnnIndex, ann_min_items
from .catalog import Catalog
from .clock import utc_now
from .dialogue import DialogueState, Turn, Vocabulary
from .encoders import Encoder, minilm
from .index import ItemIndex

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
    tau_mod: float = param(0.5, "positive")  # modality attention temperature
    tau_turn: float = param(0.2, "positive")  # turn attention: relevance to the latest turn
    recency: float = param(0.7)  # turn attention: logit lost per turn back
    correction: float = param(0.5)  # turn attention: bonus for turns that refine or correct
    superseded: float = param(4.0)  # turn attention: penalty for requests replaced by a change of mind
    color_bonus: float = param(1.5)  # soft re-rank for wanted colours, in z units
    image_weight: float = param(1.0)  # prior on the image side of the modality attention (log-odds shift)

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
    """

    text: np.ndarray | None = None
    image: np.ndarray | None = None
    native: np.ndarray | None = None
    bridge: np.ndarray | None = None

    def tensors(self) -> dict[str, np.ndarray]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Model:
    params: ModelParams = field(default_factory=ModelParams)
    adapter: Adapter = field(default_factory=Adapter)
    card: dict = field(default_factory=lambda: {"version": "v0", "parent": None})

    @property
    def version(self) -> str:
        return str(self.card.get("version", "v0"))

    def save(self, directory: str | Path) -> Path:
        from safetensors.numpy import save_file

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=False)  # a version is never overwritten
        tensors = {f"adapter.{k}": np.ascontiguousarray(v, np.float32) for k, v in self.adapter.tensors().items()}
        tensors["params"] = np.array(list(self.params.to_dict().values()), np.float32)
        save_file(tensors, str(d / "model.safetensors"))
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
        adapter = Adapter()
        wfile = d / "model.safetensors"
        if wfile.is_file():
            for k, v in load_file(str(wfile)).items():
                if k.startswith("adapter.") and k[8:] in Adapter.__dataclass_fields__:
                    setattr(adapter, k[8:], v.astype(np.float32))
        return cls(params, adapter, card)


# -- the scoring core (torch): written once, used by Recommender and by `mmcrec train` ----------
#
# Shapes: n items, T turns, any leading batch dims "..." (none when serving one dialogue).
# `p` is anything with the ModelParams attributes, floats (serving) or tensors (training);
# `a` is a dict of adapter tensors (missing keys: identity).


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


def adapt_items(raw: dict, a: dict) -> dict:
    """Item matrices (text, image, native, has_image) as the model sees them."""
    return {"text": adapt(raw["text"], a.get("text")), "image": image_shared(raw["image"], raw["native"], a),
            "native": adapt(raw["native"], a.get("native")), "has_image": raw["has_image"]}


def adapt_queries(d: dict, a: dict) -> dict:
    """Turn queries (text, image_shared, image_native + flags) as the model sees them."""
    return {**d, "text": adapt(d["text"], a.get("text")), "image_native": adapt(d["image_native"], a.get("native")),
            "image_shared": image_shared(d["image_shared"], d["image_native"], a)}


def zscore(s: torch.Tensor, mu: torch.Tensor | None = None, sd: torch.Tensor | None = None) -> torch.Tensor:
    """Standardise similarities over the items (last dim), so text and image sides compare.
    mu/sd (..., 1), when given, are the whole catalog's (scoring a candidate subset of it)."""
    if mu is None:
        mu = s.mean(-1, keepdim=True)
        sd = ((s - mu) ** 2).mean(-1, keepdim=True).add(1e-12).sqrt()  # population sd; finite gradient at 0
    return (s - mu) / torch.where(sd > 1e-6, sd, torch.ones_like(sd))


def similarity_z(qv: torch.Tensor, items: dict, space: str) -> torch.Tensor:
    """zscore(qv @ items[space].T). When `items` is a candidate subset it carries the whole
    catalog's moments of that space (items["moments"][space] = (mean vector, second-moment matrix)),
    and the z-scores are the ones the full catalog gives, exactly: mean_i(q·x_i) = q·μ and
    mean_i((q·x_i)²) = qᵀ(XᵀX/n)q."""
    x = items[space]
    qv = qv.to(x.dtype)
    # x @ q.T streams the (n, d) matrix once, row-major; q @ x.T took 3× longer for 3 turns (2 cores)
    s = (x @ qv.reshape(-1, qv.shape[-1]).T).T.reshape(*qv.shape[:-1], x.shape[0])
    mom = (items.get("moments") or {}).get(space)
    if mom is None:
        return zscore(s)
    mean, second = mom
    mu = (qv @ mean)[..., None]
    var = ((qv @ second) * qv).sum(-1, keepdim=True) - mu**2
    return zscore(s, mu, var.clamp(min=0).add(1e-12).sqrt())


def fuse_modalities(z_img, z_txt, has_image, p):
    """β = softmax over (image, text) of the item's two z-scores; f = β·z_img + (1 − β)·z_txt."""
    logit = (z_img + p.image_weight - 1.0) / p.tau_mod - z_txt / p.tau_mod
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
                                   items["has_image"], p)
    if bool(q["has_image"].any()):
        f_i, b_i = fuse_modalities(similarity_z(q["image_native"], items, "native"),
                                   similarity_z(q["image_shared"], items, "text"), items["has_image"], p)
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
    bonus: torch.Tensor  # (..., n) the colour bonus


def score(p, q: dict, f: torch.Tensor, mask: torch.Tensor, color: torch.Tensor, alpha) -> Scores:
    """The scoring pipeline, for serving and training alike: turn attention over the turns of
    the (adapted) queries q, M_R and M_C from the turn scores f (..., T, n) within the hard-
    constraint mask (..., n), the colour bonus on wanted colours (color (..., n): 1 wanted), and
    Y = α·M_R + (1 − α)·M_C. Computes in the dtype of f and color."""
    logits = turn_logits(q, p)
    w = masked_softmax(logits, q["has_text"] | q["has_image"])
    bonus = p.color_bonus * color
    a = masked_softmax(f / p.tau_r + bonus[..., None, :], mask[..., None, :])
    m_r = (w[..., None] * a).sum(-2)
    none = (w.sum(-1, keepdim=True) <= 0)
    m_r = torch.where(none, masked_softmax(bonus, mask), m_r)
    m_c = masked_softmax((w[..., None] * f).sum(-2) / p.tau_c + bonus, mask)
    return Scores(alpha * m_r + (1 - alpha) * m_c, m_r, m_c, torch.softmax(logits, -1), w, a, bonus)


@dataclass
class Recommendation:
    model_version: str
    alpha: float
    turn_attention: list[float]
    modality_weights: dict[str, float]
    items: list[dict]
    item_attention: list[float]  # the last turn's attention over the returned items
    understood: dict
    summary: str
    notes: list[str]
    vague: bool
    n_candidates: int
    turn_labels: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The explanation as CONTRACTS §5 `recommend --json` prints it (plus extras)."""
        return {
            "model_version": self.model_version,
            "alpha": self.alpha,
            "turn_attention": self.turn_attention,
            "modality_weights": self.modality_weights,
            "items": self.items,
            "item_attention": self.item_attention,
            "understood": self.understood,
            "notes": self.notes,
            "vague": self.vague,
            "turns": self.turn_labels,
        }


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


def adapter_tensors(adapter: Adapter, device: str | None = None) -> dict:
    """The adapter's maps as the scoring core reads them: float32 tensors."""
    return {k: torch.from_numpy(np.asarray(v, np.float32)).to(device) for k, v in adapter.tensors().items()}


def turn_key(turn: Turn, content: str) -> tuple:
    """What a turn's query vectors depend on: its words and its image. Keys the encoded-turn
    cache (Recommender.raw_turns) and the turn-score cache (TurnRowCache)."""
    return (content, turn.image_sha256 or (id(turn.image) if turn.image is not None else None))


class TurnRowCache:
    """Each distinct turn query's fused scores over the whole catalog, computed once per served model.

    A dialogue re-scores all its turns on every new turn, and refinements ("under $40", "not black")
    reuse the query of the turn they refine: both would repeat the same n-wide matmuls. Bounded by
    memory (MMCREC_ROW_CACHE_MB, default 256), least recently used out first; safe across threads."""

    def __init__(self, n: int):
        mb = float(os.environ.get("MMCREC_ROW_CACHE_MB", "256"))
        self.cap = int(mb * 2**20 // max(1, 8 * n))
        self.rows: OrderedDict[tuple, tuple] = OrderedDict()
        self.lock = threading.Lock()

    def turn_scores(self, items: dict, q: dict, keys: list, live: torch.Tensor, p):
        """`turn_scores` for the live turns of one dialogue (keys: their turn_key), from the cache
        where it has them."""
        n, m = items["text"].shape[0], len(keys)
        first: dict[tuple, int] = {}
        for j, k in enumerate(keys):
            if live[j]:
                first.setdefault(k, j)
        with self.lock:
            got = {k: self.rows[k] for k in first if k in self.rows}
            for k in got:
                self.rows.move_to_end(k)
        todo = [k for k in first if k not in got]
        if todo:
            idx = torch.tensor([first[k] for k in todo])
            f, beta, share = turn_scores(items, {k: q[k][idx] for k in ("text", "has_text", "image_native", "image_shared", "has_image")}, p)
            for r, k in enumerate(todo):
                got[k] = (f[r], beta[r], share[r])
            if self.cap > 0:
                with self.lock:
                    for k in todo:
                        self.rows[k] = got[k]
                    while len(self.rows) > self.cap:
                        self.rows.popitem(last=False)
        dtype = items["text"].dtype
        f = torch.zeros((m, n), dtype=dtype)
        beta = torch.full((m, n), 0.5, dtype=dtype)
        share = torch.zeros(m, dtype=dtype)
        for j, k in enumerate(keys):
            if live[j]:
                f[j], beta[j], share[j] = got[k]
        return f, beta, share


@dataclass(frozen=True)
class ServedModel:
    """What serving a model needs, prepared by Recommender.set_model and swapped in one assignment,
    so a request running during a swap sees the old model or the new, never a mix."""

    model: Model
    adapter: dict  # its maps as float32 tensors
    items: dict  # the item matrices as this model sees them (float32, adapter applied)
    rows: TurnRowCache  # lives with the model, so a swap never serves stale rows
    ann: AnnIndex | None  # candidates for big catalogs (None: every item is scored)


@dataclass
class DialogueScores:
    """Recommender.scores: one dialogue, as numpy arrays over the catalog's items — or over the
    ANN candidates only (their catalog rows in `candidates`) when the full arrays were not asked for."""

    model: Model
    alpha: float
    y: np.ndarray  # α·m_r + (1 − α)·m_c
    m_r: np.ndarray
    m_c: np.ndarray
    beta: np.ndarray  # each item's image share of its match, over the turns
    last_attention: np.ndarray  # the latest turn with a query: its attention over the items
    mask: np.ndarray  # the items the hard constraints allow
    notes: list[str]  # constraints relaxed because nothing matched
    turn_attention: np.ndarray  # over all turns
    live: bool  # some turn has a query
    image_share: float  # the queries' own image share, over the turns
    candidates: np.ndarray | None  # catalog rows scored through the ANN index (None: every item)
    n_eligible: int  # items the hard constraints allow in the whole catalog


class Recommender:
    """Scores a catalog for a dialogue and explains the result."""

    def __init__(self, catalog: Catalog, index: ItemIndex, encoder: Encoder, model: Model | None = None,
                 ann: bool | None = None):
        """ann: score through an approximate nearest-neighbour index (mmcrec.ann) — None picks it
        for catalogs above MMCREC_ANN_MIN_ITEMS items (default 200,000)."""
        self.catalog = catalog
        self.encoder = encoder
        self.vocab = Vocabulary(catalog)
        self.lm = minilm(getattr(encoder, "device", None))
        self._raw_index = index
        self._cache: OrderedDict[tuple, dict] = OrderedDict()
        self.use_ann = bool(len(index) > ann_min_items() if ann is None else ann)
        self.set_model(model or Model())
        if len(index) > 50_000:
            # a big catalog is millions of long-lived Python objects (titles, postings): frozen, the
            # cyclic garbage collector stops walking them during requests
            gc.collect()
            gc.freeze()

    def set_model(self, model: Model) -> None:
        """Swap the served model (α, temperatures, adapter) without reloading anything else.

        Item matrices are served in float32 (half of float64's memory and bandwidth: the per-turn
        matmuls are bandwidth-bound); the similarities are mixed in float64."""
        ix = self._raw_index
        t = lambda x: torch.from_numpy(np.ascontiguousarray(x, np.float32))  # noqa: E731
        raw = {"text": t(ix.text), "image": t(ix.image), "native": t(ix.native), "has_image": torch.from_numpy(ix.has_image)}
        a = adapter_tensors(model.adapter)
        with torch.no_grad():
            items = adapt_items(raw, a)
        ann = AnnIndex.for_items(items, self._ann_dir()) if self.use_ann else None
        self.served = ServedModel(model, a, items, TurnRowCache(len(ix)), ann)

    @property
    def model(self) -> Model:
        return self.served.model

    @property
    def params(self) -> ModelParams:
        return self.served.model.params

    def _ann_dir(self) -> Path | None:
        from .index import cache_dir_for

        d = self._raw_index.stats.get("cache_dir")
        try:
            return Path(d) if d else cache_dir_for(self.catalog, self.encoder.name)
        except OSError:
            return None

    # -- turns ---------------------------------------------------------------------------------

    def raw_turn(self, turn: Turn, content: str) -> dict:
        """The frozen encoders' view of one turn (no adapter): cached, shared by every model."""
        return self.raw_turns([(turn, content)])[0]

    def raw_turns(self, pairs: list[tuple[Turn, str]]) -> list[dict]:
        """raw_turn for many (turn, content) pairs, encoded in batches (training featurises thousands)."""
        out: dict[tuple, dict] = {}
        todo: dict[tuple, tuple[Turn, str]] = {}
        for t, c in pairs:
            k = turn_key(t, c)
            if k in self._cache:
                out[k] = self._cache[k]
            elif k not in todo:
                todo[k] = (t, c)
        keys = list(todo)
        texts = sorted({c for t, c in todo.values() if c})
        if texts:
            emb = dict(zip(texts, self.encoder.encode_text(texts)))
            lm = emb if self._text_model() is self.lm else dict(zip(texts, self.lm(texts)))
        # each distinct image once (many asks share one photo)
        img_row: dict[tuple, int] = {}
        first: dict = {}
        for k in keys:
            if todo[k][0].image is not None:
                img_row[k] = first.setdefault(k[1], len(first))
        pics = {i: todo[k][0].image for k, i in img_row.items()}
        img = self.encoder.encode_image([pics[i] for i in range(len(first))]) if first else None
        for k in keys:
            t, c = todo[k]
            r: dict = {}
            if c:
                r["text"], r["lm"] = emb[c], lm[c]
            if k in img_row:
                i = img_row[k]
                r["image_native"], r["image_shared"] = img.native[i], img.shared[i]
                if "lm" not in r and self.encoder.dim == self.lm.dim and self._text_model() is self.lm:
                    r["lm"] = img.shared[i]  # the offline bridge lives in the language model's own space
            out[k] = r
            if len(pairs) <= 8:  # serving: keep the recent turns; bulk callers keep their own results
                self._cache[k] = r
        while len(self._cache) > 256:
            self._cache.popitem(last=False)
        return [out[turn_key(t, c)] for t, c in pairs]

    @property
    def dims(self) -> tuple[int, int, int]:
        return self.encoder.dim, self._raw_index.native.shape[1], self.lm.dim

    def _text_model(self):
        return getattr(self.encoder, "text", None)

    def scores(self, state: DialogueState, alpha: float | None = None, full: bool = True) -> DialogueScores:
        """Everything the scoring pipeline says about one dialogue.

        full=False (serving): through the ANN index the arrays cover only the scored candidates,
        whose catalog rows are in `candidates` — scattering them into catalog-long arrays would
        cost more than scoring them at 1M items."""
        served = self.served  # read once: the whole request is scored by one model
        p = served.model.params
        alpha = p.alpha if alpha is None else float(np.clip(alpha, 0.0, 1.0))
        mask, notes = state.mask(self.vocab)
        color = state.color_match(self.vocab).astype(np.float64)
        pairs = [(state.turns[j], state.intents[j].content) for j in range(len(state.turns))]
        raws = [self.raw_turn(*pr) for pr in pairs]
        d = dialogue_tensors(state, [raws[r] for r in state.content_of], self.dims)
        for k in ("text", "image_native", "image_shared"):
            d[k] = d[k].float()  # as the item matrices
        keys = [turn_key(*pairs[r]) for r in state.content_of]
        with torch.no_grad():
            q = adapt_queries(d, served.adapter)
            live = q["has_text"] | q["has_image"]
            cand = None
            if served.ann is not None and bool(live.any()):
                cand = served.ann.candidates(q, live.numpy(), mask, p.color_bonus * color)
            if cand is None:  # exact: every item, each distinct turn query scored once and kept for the next turn
                f, beta, img_share = served.rows.turn_scores(served.items, q, keys, live, p)
                mask_c, color_c = mask, color
            else:  # approximate: the exact core on the candidates, z-scored with the whole catalog's moments
                f, beta, img_share = turn_scores(served.ann.subset(served.items, cand, q), q, p)
                mask_c, color_c = mask[cand], color[cand]
            mask_t = torch.from_numpy(mask_c)
            s = score(p, q, f.double(), mask_t, torch.from_numpy(color_c), alpha)
            w = s.turn_weights
            last = [j for j in range(len(state.turns)) if live[j]]
            last_attention = s.item_attention[last[-1]] if last else masked_softmax(s.bonus / p.tau_r, mask_t)
            beta_bar = (w[:, None] * beta.double()).sum(0) if last else torch.full((len(mask_c),), 0.5, dtype=torch.float64)
            image_share = float((w * img_share.double()).sum())
        arrays = {"y": s.y.numpy(), "m_r": s.m_r.numpy(), "m_c": s.m_c.numpy(), "beta": beta_bar.numpy(),
                  "last_attention": last_attention.numpy(), "mask": mask_c}
        if cand is not None and full:  # back to catalog rows; an item outside the candidates scores 0 and is not shown
            n = len(mask)
            for k, v in arrays.items():
                whole = np.zeros(n, v.dtype) if k != "beta" else np.full(n, 0.5)
                whole[cand] = v
                arrays[k] = whole
        return DialogueScores(model=served.model, alpha=alpha, notes=notes, turn_attention=s.turn_attention.numpy(),
                              live=bool(last), image_share=image_share, candidates=cand, n_eligible=int(mask.sum()),
                              **arrays)

    # -- the recommendation ------------------------------------------------------------------------

    def recommend(self, state: DialogueState, k: int = 10, alpha: float | None = None) -> Recommendation:
        s = self.scores(state, alpha, full=False)
        rows = s.candidates  # the arrays' catalog rows (None: all of them)
        order = self._top(s.y, s.mask, k, diverse=state.is_vague, rows=rows)
        items = []
        for i in order:
            row = self.catalog.item(int(i if rows is None else rows[i]))
            price = row.get("price")
            items.append(
                {
                    "item_id": row["item_id"],
                    "title": row["title"],
                    "score": float(s.y[i]),
                    "m_r": float(s.m_r[i]),
                    "m_c": float(s.m_c[i]),
                    "alpha_contribution": {"m_r": float(s.alpha * s.m_r[i]), "m_c": float((1 - s.alpha) * s.m_c[i])},
                    "modality": {"image": float(s.beta[i]), "text": float(1 - s.beta[i])},
                    "price": None if price is None or (isinstance(price, float) and np.isnan(price)) else float(price),
                    "category": row.get("category", ""),
                    "color": row.get("color", ""),
                    "description": row.get("description", ""),
                    "image": row["image"],
                }
            )
        ia = s.last_attention[order]
        return Recommendation(
            model_version=s.model.version,
            alpha=s.alpha,
            turn_attention=[float(x) for x in s.turn_attention],
            modality_weights=({"image": float(s.image_share), "text": float(1 - s.image_share)} if s.live
                              else {"image": 0.0, "text": 1.0}),
            items=items,
            item_attention=[float(x) for x in (ia / ia.sum() if ia.sum() > 0 else ia)],
            understood=state.understood(),
            summary=state.summary(),
            notes=s.notes,
            vague=state.is_vague,
            n_candidates=s.n_eligible,
            turn_labels=[_turn_label(t) for t in state.turns],
        )

    def _top(self, y: np.ndarray, mask: np.ndarray, k: int, diverse: bool, rows: np.ndarray | None = None) -> np.ndarray:
        """Positions in y of the k best allowed items (rows: y's catalog rows, None = all)."""
        cand = np.flatnonzero(mask)
        if cand.size == 0:
            return cand
        take = min(cand.size, k if not diverse else max(k * 5, 50))
        top = cand[np.argpartition(-y[cand], take - 1)[:take]]
        top = top[np.argsort(-y[top], kind="stable")]
        if not diverse:
            return top[:k]
        # a vague request gets a varied first gallery: at most two items per category
        cats = self.vocab.category_of if rows is None else self.vocab.category_of[rows]
        seen: dict = {}
        picked = []
        for i in top:
            if seen.get(cats[i], 0) < 2:
                picked.append(i)
                seen[cats[i]] = seen.get(cats[i], 0) + 1
            if len(picked) == k:
                break
        return np.array(picked, dtype=int)


def _turn_label(t: Turn) -> str:
    text = " ".join(t.text.split())
    if len(text) > 40:
        text = text[:39] + "…"
    if t.has_image:
        return f"[photo] {text}".strip()
    return text or "(empty)"


def load_recommender(
    catalog_path: str | Path,
    encoder: str | None = None,
    model_dir: str | Path | None = None,
    progress=None,
) -> Recommender:
    """Catalog → encoder → cached item embeddings → model, ready to serve."""
    from .catalog import load_catalog
    from .encoders import create_encoder
    from .index import build_index

    catalog = load_catalog(catalog_path)
    enc = create_encoder(encoder)
    index = build_index(catalog, enc, progress=progress)
    model = Model.load(model_dir) if model_dir else Model()
    rec = Recommender(catalog, index, enc, model)
    rec.index_issues = index.issues
    serving_threads()
    return rec


def serving_threads() -> None:
    """One intra-op thread per request: the app runs requests side by side in worker threads,
    and with 2+ threads each, OpenMP spin-waiting under load made a 5 ms MiniLM call take 500 ms
    (measured on 2 cores). Batch work (indexing, training) keeps torch's default. Override with
    MMCREC_TORCH_THREADS."""
    import os

    n = int(os.environ.get("MMCREC_TORCH_THREADS", "1"))
    torch.set_num_threads(n)
    import sys

    if "faiss" in sys.modules:
        sys.modules["faiss"].omp_set_num_threads(n)

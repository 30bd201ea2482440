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
"""
from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .catalog import Catalog
from .dialogue import DialogueState, Turn, Vocabulary
from .encoders import Encoder, minilm
from .index import ItemIndex

MODEL_FORMAT = 1


@dataclass
class ModelParams:
    """The learnable scalars of the design; defaults serve until a trained model replaces them."""

    alpha: float = 0.5  # weight of M_R against M_C
    tau_r: float = 0.5  # M_R item-attention temperature (similarities are z-scores)
    tau_c: float = 0.5  # M_C temperature
    tau_mod: float = 0.5  # modality attention temperature
    tau_turn: float = 0.2  # turn attention: relevance to the latest turn
    recency: float = 0.7  # turn attention: logit lost per turn back
    correction: float = 0.5  # turn attention: bonus for turns that refine or correct
    superseded: float = 4.0  # turn attention: penalty for requests replaced by a change of mind
    color_bonus: float = 1.5  # soft re-rank for wanted colours, in z units
    image_weight: float = 1.0  # prior on the image side of the modality attention (log-odds shift)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelParams":
        known = {k: float(v) for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Adapter:
    """Optional linear maps on the frozen embeddings (learned by `mmcrec train`).

    `text` maps shared-space vectors (item text and text turns), `image` maps item images in the
    shared space, `native` maps image-only features, and `bridge` (native → shared) lets a
    picture be compared with text better than the class-name bridge does.
    """

    text: np.ndarray | None = None
    image: np.ndarray | None = None
    native: np.ndarray | None = None
    bridge: np.ndarray | None = None

    @staticmethod
    def _apply(w: np.ndarray | None, x: np.ndarray) -> np.ndarray:
        if w is None:
            return x
        y = x @ w
        return y / np.maximum(np.linalg.norm(y, axis=-1, keepdims=True), 1e-12)

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
        card.setdefault("created_at", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        (d / "card.json").write_text(json.dumps(card, indent=2))
        return d

    @classmethod
    def load(cls, directory: str | Path) -> "Model":
        from safetensors.numpy import load_file

        d = Path(directory)
        card_path = d / "card.json"
        if not card_path.is_file():
            raise FileNotFoundError(f"{d}: not a model directory (no card.json)")
        card = json.loads(card_path.read_text())
        params = ModelParams.from_dict(card.get("params", {}))  # missing keys keep defaults: old models load
        adapter = Adapter()
        wfile = d / "model.safetensors"
        if wfile.is_file():
            for k, v in load_file(str(wfile)).items():
                if k.startswith("adapter.") and k[8:] in Adapter.__dataclass_fields__:
                    setattr(adapter, k[8:], v.astype(np.float32))
        return cls(params, adapter, card)


@dataclass
class TurnQuery:
    """One turn's vectors: its text content and/or its image."""

    text: np.ndarray | None = None  # (dim,) shared space
    image_shared: np.ndarray | None = None  # (dim,)
    image_native: np.ndarray | None = None  # (native_dim,)
    lm: np.ndarray | None = None  # the language model's encoding, for turn attention


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


def _z(s: np.ndarray) -> np.ndarray:
    sd = float(s.std())
    return (s - float(s.mean())) / (sd if sd > 1e-6 else 1.0)


def _softmax_masked(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.zeros_like(logits, dtype=np.float64)
    x = logits[mask].astype(np.float64)
    if x.size:
        x = np.exp(x - x.max())
        out[mask] = x / x.sum()
    return out


def _softmax(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    e = np.exp(x - x.max())
    return e / e.sum()


class Recommender:
    """Scores a catalog for a dialogue and explains the result."""

    def __init__(self, catalog: Catalog, index: ItemIndex, encoder: Encoder, model: Model | None = None):
        self.catalog = catalog
        self.encoder = encoder
        self.vocab = Vocabulary(catalog)
        self.lm = minilm(getattr(encoder, "device", None))
        self._raw_index = index
        self._cache: OrderedDict[tuple, TurnQuery] = OrderedDict()
        self.set_model(model or Model())

    def set_model(self, model: Model) -> None:
        """Swap the served model (α, temperatures, adapter) without reloading anything else."""
        a = model.adapter
        ix = self._raw_index
        self.text = Adapter._apply(a.text, ix.text)
        self.image = Adapter._apply(a.image, ix.image)
        self.native = Adapter._apply(a.native, ix.native)
        self.has_image = ix.has_image
        self.model = model
        self._cache.clear()

    @property
    def params(self) -> ModelParams:
        return self.model.params

    # -- turns ---------------------------------------------------------------------------------

    def encode_turn(self, turn: Turn, content: str) -> TurnQuery:
        key = (content, turn.image_sha256 or (id(turn.image) if turn.image is not None else None))
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        a = self.model.adapter
        q = TurnQuery()
        if content:
            raw = self.encoder.encode_text([content])
            q.text = Adapter._apply(a.text, raw)[0]
            q.lm = raw[0] if self._text_model() is self.lm else self.lm([content])[0]
        if turn.image is not None:
            e = self.encoder.encode_image([turn.image])
            q.image_native = Adapter._apply(a.native, e.native)[0]
            if a.bridge is not None:
                q.image_shared = Adapter._apply(a.bridge, e.native)[0]
            else:
                q.image_shared = Adapter._apply(a.text, e.shared)[0]
            if q.lm is None and self.encoder.dim == self.lm.dim and self._text_model() is self.lm:
                q.lm = e.shared[0]  # the offline bridge lives in the language model's own space
        self._cache[key] = q
        while len(self._cache) > 256:
            self._cache.popitem(last=False)
        return q

    def _text_model(self):
        return getattr(self.encoder, "text", None)

    def turn_scores(self, q: TurnQuery) -> tuple[np.ndarray, np.ndarray, float]:
        """Fused z-scored similarity f_i of one turn, the image share β_i per item, and the
        turn's own image share (1 for a photo alone, ½ for photo + words, 0 for words)."""
        p = self.params
        n = len(self.text)
        parts = []
        if q.text is not None:
            parts.append((_z(self.image @ q.text), _z(self.text @ q.text), 0.0))
        if q.image_native is not None:
            parts.append((_z(self.native @ q.image_native), _z(self.text @ q.image_shared), 1.0))
        if not parts:
            return np.zeros(n, np.float32), np.full(n, 0.5, np.float32), 0.0
        fused, beta = np.zeros(n, np.float64), np.zeros(n, np.float64)
        for z_img, z_txt, _ in parts:
            # β: which side of the item answers this turn; an item without a readable image has none
            li = np.where(self.has_image, (z_img + p.image_weight - 1.0) / p.tau_mod, -np.inf)
            lt = z_txt / p.tau_mod
            m = np.maximum(li, lt)
            ei, et = np.exp(li - m), np.exp(lt - m)
            b = ei / (ei + et)
            fused += b * np.where(self.has_image, z_img, 0.0) + (1 - b) * z_txt
            beta += b
        k = len(parts)
        return fused / k, beta / k, float(np.mean([s for *_, s in parts]))

    def turn_attention(self, state: DialogueState, queries: list[TurnQuery]) -> np.ndarray:
        p = self.params
        m = len(state.turns)
        last = queries[state.content_of[-1]].lm if m else None
        logits = np.zeros(m)
        for j in range(m):
            h = queries[state.content_of[j]].lm
            rel = float(h @ last) - 1.0 if (h is not None and last is not None) else 0.0
            logits[j] = (
                rel / p.tau_turn
                + p.recency * (j - (m - 1))
                + p.correction * float(state.intents[j].constrains)
                - p.superseded * float(state.superseded[j])
            )
        return _softmax(logits)

    # -- the recommendation ------------------------------------------------------------------------

    def recommend(self, state: DialogueState, k: int = 10, alpha: float | None = None) -> Recommendation:
        p = self.params
        alpha = p.alpha if alpha is None else float(np.clip(alpha, 0.0, 1.0))
        n = len(self.text)
        mask, notes = state.mask(self.vocab)
        bonus = p.color_bonus * state.color_match(self.vocab)

        queries = [self.encode_turn(state.turns[j], state.intents[j].content) for j in range(len(state.turns))]
        per_turn = []
        for j in range(len(state.turns)):
            r = state.content_of[j]
            per_turn.append(self.turn_scores(queries[r]) if self._has_query(queries[r]) else None)
        c = self.turn_attention(state, queries) if state.turns else np.zeros(0)

        m_r = np.zeros(n)
        state_score = np.zeros(n)
        beta_bar = np.zeros(n)
        q_image = 0.0
        last_attention = _softmax_masked(bonus / p.tau_r, mask)
        live = [j for j in range(len(per_turn)) if per_turn[j] is not None]
        c_live = c[live] / c[live].sum() if live and c[live].sum() > 0 else np.zeros(0)
        for w, j in zip(c_live, live):
            f, beta, img_share = per_turn[j]
            a_j = _softmax_masked(f / p.tau_r + bonus, mask)
            m_r += w * a_j
            state_score += w * f
            beta_bar += w * beta
            q_image += w * img_share
            last_attention = a_j
        if not live:
            m_r = _softmax_masked(bonus, mask)
            beta_bar[:] = 0.5
        m_c = _softmax_masked(state_score / p.tau_c + bonus, mask)
        y = alpha * m_r + (1 - alpha) * m_c

        order = self._top(y, mask, k, diverse=state.is_vague)
        items = []
        for i in order:
            row = self.catalog.item(int(i))
            price = row.get("price")
            items.append(
                {
                    "item_id": row["item_id"],
                    "title": row["title"],
                    "score": float(y[i]),
                    "m_r": float(m_r[i]),
                    "m_c": float(m_c[i]),
                    "alpha_contribution": {"m_r": float(alpha * m_r[i]), "m_c": float((1 - alpha) * m_c[i])},
                    "modality": {"image": float(beta_bar[i]), "text": float(1 - beta_bar[i])},
                    "price": None if price is None or (isinstance(price, float) and np.isnan(price)) else float(price),
                    "category": row.get("category", ""),
                    "color": row.get("color", ""),
                    "description": row.get("description", ""),
                    "image": row["image"],
                }
            )
        ia = last_attention[order]
        return Recommendation(
            model_version=self.model.version,
            alpha=alpha,
            turn_attention=[float(x) for x in c],
            modality_weights={"image": float(q_image), "text": float(1 - q_image)} if live else {"image": 0.0, "text": 1.0},
            items=items,
            item_attention=[float(x) for x in (ia / ia.sum() if ia.sum() > 0 else ia)],
            understood=state.understood(),
            summary=state.summary(),
            notes=notes,
            vague=state.is_vague,
            n_candidates=int(mask.sum()),
            turn_labels=[_turn_label(t) for t in state.turns],
        )

    @staticmethod
    def _has_query(q: TurnQuery) -> bool:
        return q.text is not None or q.image_native is not None

    def _top(self, y: np.ndarray, mask: np.ndarray, k: int, diverse: bool) -> np.ndarray:
        cand = np.flatnonzero(mask)
        if cand.size == 0:
            return cand
        take = min(cand.size, k if not diverse else max(k * 5, 50))
        top = cand[np.argpartition(-y[cand], take - 1)[:take]]
        top = top[np.argsort(-y[top], kind="stable")]
        if not diverse:
            return top[:k]
        # a vague request gets a varied first gallery: at most two items per category
        cats = self.vocab.category_of
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
    return rec

"""Serving: a dialogue in, the catalog's items ranked and explained out.

The Recommender holds a catalog's item embeddings, the encoders and the served model. A request
goes through named stages, each a method of the request and the served model:

    read         the dialogue once: hard constraints, the turns' encodings (cached by turn_key)
    candidates   every item, or the ANN index's candidates for a big catalog (vector_index.py)
    preferences  the kind asked for and the wanted colour (kind_reading.py, dialogue.py)
    score_items  Y = α·M_R + (1 − α)·M_C with them as bonuses (model.py: turn_scores, score)
    remember     the label memory's part (memory.py)
    page         the top k (a budget that orders: the kind asked for within it first; page.py)
    explain      everything the explanation shows (recommendation.py)

`scores` runs the first five (training and tests read them), `recommend` all seven.
"""
from __future__ import annotations

import gc
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import settings
from .vector_index import AnnIndex, ann_min_items
from .catalog import Catalog, load_catalog
from .dialogue import DialogueState, Turn, Vocabulary
from .encoders import Encoder, create_encoder, minilm
from .memory import NO_RECALL, BoundMemory, Recall, moved_scores, request_vectors
from .kind_reading import KindIndex, kind_lifted, kind_rows, turn_readings
from .page import page_order
from .recommendation import Recommendation, explain_page
from .turn_encoding import TurnEncoder
from .embedding_cache import ItemIndex, build_index, cache_dir_for
from .model import (
    Model,
    ModelParams,
    adapt_items,
    adapt_queries,
    adapter_tensors,
    dialogue_tensors,
    masked_softmax,
    score,
    turn_scores,
)
from .multilingual import encode as ml_encode
from .multilingual import available as multilingual_available


SURE_KIND = 0.75  # a kind read by meaning this surely orders a budget's page as a named one does


class TurnRowCache:
    """Each distinct turn query's fused scores over the whole catalog, computed once per served model.

    A dialogue re-scores all its turns on every new turn, and refinements ("under $40", "not black")
    reuse the query of the turn they refine: both would repeat the same n-wide matmuls. Bounded by
    memory (MMCREC_ROW_CACHE_MB, default 256), least recently used out first; safe across threads."""

    def __init__(self, n: int):
        mb = settings.current().row_cache_mb
        self.cap = int(mb * 2**20 // max(1, 8 * n))
        self.rows: OrderedDict[tuple, tuple] = OrderedDict()
        self.lock = threading.Lock()

    def turn_scores(self, items: dict, q: dict, keys: list, live: torch.Tensor, p):
        """`turn_scores` for the live turns of one dialogue (keys: their Recommender.match_key),
        from the cache where it has them."""
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
    memory: BoundMemory | None = None  # the model's label memory over this catalog (None: it has none)


@dataclass(frozen=True)
class Request:
    """One dialogue read once for one model (Recommender.read): what every later stage asks of it."""

    state: DialogueState
    served: ServedModel  # the model that scores the whole request, even if another is promoted meanwhile
    alpha: float
    mask: np.ndarray  # the items the hard constraints allow (every item when the page is topped up)
    strict: np.ndarray | None  # when the page is topped up: the items that meet every constraint
    within: np.ndarray | None  # with a budget that orders: the items within it
    n_eligible: int  # items the hard constraints (and the budget) allow
    notes: list[str]  # constraints relaxed, photos read as context
    raws: list[dict]  # each turn's frozen encodings (TurnEncoder.raw_turn)
    d: dict  # the dialogue's tensors (model.dialogue_tensors), as the label memory compares it
    q: dict  # ... as the model sees them (its adapter applied)
    live: torch.Tensor  # (T,) the turns with a query
    keys: list[tuple]  # each turn's match key (the turn-score cache)
    turns: int  # how many turns the dialogue has taken


@dataclass
class ItemScores:
    """Recommender.score_items: the scoring core's output over the candidates, as numpy."""

    y: np.ndarray
    m_r: np.ndarray
    m_c: np.ndarray
    beta: np.ndarray
    last_attention: np.ndarray
    mask: np.ndarray
    turn_weights: np.ndarray
    turn_attention: np.ndarray
    live: bool
    image_share: float


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
    strict: np.ndarray | None = None  # when the page was topped up: the items that meet every constraint
    within: np.ndarray | None = None  # with a budget that orders: the items within it
    asked: np.ndarray | None = None  # ... and the items of the kind asked for
    from_labels: np.ndarray | None = None  # y − the model's own score: the label memory's part (None: it recalled nothing)
    recall: Recall = NO_RECALL  # the labelled requests the memory recalled


class Recommender:
    """Scores a catalog for a dialogue and explains the result."""

    def __init__(self, catalog: Catalog, index: ItemIndex, encoder: Encoder, model: Model | None = None,
                 ann: bool | None = None):
        """ann: score through an approximate nearest-neighbour index (mmcrec.vector_index) — None picks it
        for catalogs above MMCREC_ANN_MIN_ITEMS items (default 50,000)."""
        self.catalog = catalog
        self.encoder = encoder
        self.vocab = Vocabulary(catalog)
        self.lm = minilm(getattr(encoder, "device", None))
        self._kinds: KindIndex | None = None
        self.index = index  # the item embeddings as the encoders gave them (no adapter)
        self.use_ann = bool(len(index) > ann_min_items() if ann is None else ann)
        self.turns = TurnEncoder(catalog, index, encoder, self.lm, lambda: self.served.ann if self.use_ann else None)
        # a budget orders the page (the asked kind over budget before other kinds, labelled); a shop
        # that wants nothing over budget shown sets MMCREC_BUDGET=filter
        self.budget_filters = settings.current().budget == "filter"
        self.set_model(model or Model())
        if len(index) > 50_000:
            # a big catalog is millions of long-lived Python objects (titles, postings): frozen, the
            # cyclic garbage collector stops walking them during requests
            gc.collect()
            gc.freeze()

    def set_model(self, model: Model) -> None:
        """Swap the served model (α, temperatures, adapter) without reloading anything else."""
        self.served = self.prepare(model)

    def prepare(self, model: Model) -> ServedModel:
        """What serving `model` needs over this catalog. Besides the served model, an interleaved
        comparison (interleave.py) scores with a candidate's, passed to `recommend(served=...)`.

        Item matrices are served in float32 (half of float64's memory and bandwidth: the per-turn
        matmuls are bandwidth-bound); the similarities are mixed in float64."""
        ix = self.index
        t = lambda x: torch.from_numpy(np.ascontiguousarray(x, np.float32))  # noqa: E731
        raw = {"text": t(ix.text), "image": t(ix.image), "native": t(ix.native), "has_image": torch.from_numpy(ix.has_image),
               **model.expansion.offsets(self.catalog.ids, (ix.text.shape[1], ix.native.shape[1]))}
        a = adapter_tensors(model.adapter)
        with torch.no_grad():
            items = adapt_items(raw, a)
        ann = AnnIndex.for_items(items, self._ann_dir()) if self.use_ann else None
        memory = model.memory.bind(self.catalog) if model.memory is not None and len(model.memory) else None
        if memory is not None:  # the card says what the memory lost to deleted or changed items
            model.card.setdefault("memory", {})["at_load"] = memory.counts
        return ServedModel(model, a, items, TurnRowCache(len(ix)), ann, memory)

    @property
    def model(self) -> Model:
        return self.served.model

    @property
    def params(self) -> ModelParams:
        return self.served.model.params

    def _ann_dir(self) -> Path | None:
        d = self.index.stats.get("cache_dir")
        try:
            return Path(d) if d else cache_dir_for(self.catalog, self.encoder.name)
        except OSError:
            return None

    @property
    def kinds(self) -> KindIndex:
        """The catalog's kinds and categories embedded by the language model (built on first use)."""
        if self._kinds is None:
            self._kinds = KindIndex(self.vocab, self.lm, self.catalog.items["title"].tolist(),
                                    ml_encode if multilingual_available() else None)
        return self._kinds

    def soft_preferences(self, state: DialogueState, raws: list[dict],
                         rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Stage 3, the soft side of the dialogue state, for serving and training alike: (T, n) how much
        each item is the kind each turn asks about (confidence-weighted), and (n,) the wanted-
        colour match, kept to the kind asked for. raws: the turns' raw encodings. rows: of those
        catalog rows only (n = len(rows)), the same numbers."""
        readings = turn_readings(state, self.kinds, self._lm_vectors(state, raws), self._ml_vectors(state, raws))
        kind = kind_rows(state, readings, len(self.catalog), rows)
        color = state.color_match(self.vocab, rows)
        latest = readings[state.content_of[-1]] if state.content_of else []
        if latest:  # a wanted colour lifts items of the kind asked for, not others
            color = color * (kind[-1] / max(g.confidence for g in latest))
            # read at a narrower grain ("red running shoes": runners, within shoes), the colour is
            # the runners': a red boot is no red runner
            narrow = [g for g in latest if g.within]
            if narrow:
                color = color * np.logical_or.reduce([g.mask if rows is None else g.mask[rows] for g in narrow])
        for r in dict.fromkeys(state.content_of):
            if state.photo_is_context(r) and "image_native" in raws[r]:
                # "something to go with this": the shopper has the thing in the photo, so what
                # looks like it loses the kind bonus's weight (a kind asked for gains it)
                away = self.photo_likeness(raws[r]["image_native"], rows)
                for j, c in enumerate(state.content_of):
                    if c == r:
                        kind[j] = kind[j] - away
        return kind, color

    def photo_likeness(self, native: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """(n,) float32 in [0, 1]: how clearly each item's picture is like the photo — 0 up to
        ½ a standard deviation above the catalog's mean similarity to it, 1 from 1½. Moments from
        an even sample of at most 4,096 pictures, so the ANN path's candidate rows are judged as
        the whole catalog would judge them."""
        ix = self.index
        v = np.asarray(native, np.float32)
        v = v / max(float(np.linalg.norm(v)), 1e-12)
        sims = (ix.native if rows is None else ix.native[rows]) @ v
        sample = sims if rows is None and len(ix) <= 4096 else ix.native[:: max(1, len(ix) // 4096)][:4096] @ v
        z = (sims - sample.mean()) / max(float(sample.std()), 1e-6)
        has = ix.has_image if rows is None else ix.has_image[rows]
        return (np.clip(z - 0.5, 0.0, 1.0) * has).astype(np.float32)

    @staticmethod
    def matched(state: DialogueState, raws: list[dict]) -> list[dict]:
        """The turns' encodings as the items are matched against them (DialogueState.photo_turn):
        a photo the shopper wants something to go with is not matched (soft_preferences pushes
        what looks like it down); words that only qualify an earlier photo ("like this but in
        blue") are matched with that photo, as if sent with it."""
        out = []
        for j, r in enumerate(raws):
            r = {k: v for k, v in r.items() if not k.startswith("image")}
            p = state.photo_turn(j)
            if p is not None and "image_native" in raws[p]:
                r["image_native"], r["image_shared"] = raws[p]["image_native"], raws[p]["image_shared"]
            out.append(r)
        return out

    @staticmethod
    def match_key(state: DialogueState, pairs: list[tuple[Turn, str]], j: int) -> tuple:
        """What turn j's matched query depends on (keys the turn-score cache): its words and the
        photo it is matched with."""
        p = state.photo_turn(j)
        return (pairs[j][1], pairs[p][0].image_sha256 if p is not None else None)

    def soft_lifted(self, state: DialogueState, raws: list[dict]) -> np.ndarray:
        """(n,) bool: the items soft_preferences gives a colour or kind bonus, without building
        its catalog-long float arrays (the ANN path searches among these items too)."""
        readings = turn_readings(state, self.kinds, self._lm_vectors(state, raws), self._ml_vectors(state, raws))
        lifted = kind_lifted(readings, len(self.catalog))
        if not (state.content_of and readings[state.content_of[-1]]):  # else the colour lifts only that kind
            lifted |= state.color_match(self.vocab) > 0
        return lifted

    @staticmethod
    def _lm_vectors(state: DialogueState, raws: list[dict]) -> list:
        return [r.get("lm") if it.content else None for r, it in zip(raws, state.intents)]

    @staticmethod
    def _ml_vectors(state: DialogueState, raws: list[dict]) -> list:
        return [r.get("ml") if it.content else None for r, it in zip(raws, state.intents)]

    @property
    def dims(self) -> tuple[int, int, int]:
        return self.encoder.dim, self.index.native.shape[1], self.lm.dim

    # -- the serving path, in named stages ----------------------------------------------------------
    #
    #   read → candidates → preferences → score (M_R, M_C, α) → remember (label memory) → page → explain
    #
    # `scores` runs the stages up to the label memory (training and the tests read it), `recommend`
    # all of them. Each stage is a method of the request (read once) and the served model.

    def scores(self, state: DialogueState, alpha: float | None = None, full: bool = True,
               fill: int = 0, served: ServedModel | None = None) -> DialogueScores:
        """Everything the scoring pipeline says about one dialogue.

        fill=k: when the hard constraints leave fewer than k items, every item is scored and
        `strict` marks those that meet them (the page lists them first, then the closest others).

        full=False (serving): through the ANN index the arrays cover only the scored candidates,
        whose catalog rows are in `candidates` — scattering them into catalog-long arrays would
        cost more than scoring them at 1M items.

        served: another prepared model (a comparison's candidate) instead of the served one."""
        req = self.read(state, served or self.served, alpha, fill)  # one model scores the whole request
        cand = self.candidates(req)
        kind, color = self.soft_preferences(state, req.raws, rows=cand)
        core = self.score_items(req, cand, kind, color)
        # a colour asked for: other shoppers' liked items of other colours do not speak for this one
        wanted = state.color_match(self.vocab, cand) > 0 if state.colors else None
        recall, remembered = self.remember(req.served, req.d, core.turn_weights, core.y, cand, req.turns, wanted)
        return self.collect(req, cand, kind, core, recall, remembered, full)

    def read(self, state: DialogueState, served: ServedModel, alpha: float | None = None, fill: int = 0) -> Request:
        """Stage 1: the dialogue read once for one model — the hard constraints' mask (a budget that
        orders apart from it), the turns' encodings, and the model's view of them."""
        p = served.model.params
        alpha = p.alpha if alpha is None else float(np.clip(alpha, 0.0, 1.0))
        # a budget orders the page (recommend: the asked kind within it first, then the same kind
        # over it, nearest price first, then the rest) unless the shop wants it to filter
        soft_budget = state.has_budget and not self.budget_filters
        mask, notes = state.mask(self.vocab, budget=not soft_budget)
        within = state.budget_mask(self.vocab) if soft_budget else None
        strict = None
        n_eligible = int(np.count_nonzero(mask if within is None else mask & within))
        if int(np.count_nonzero(mask)) < min(fill, len(mask)):
            n_eligible = int(np.count_nonzero(mask))
            strict, mask = mask, np.ones(len(mask), bool)
            notes.append(f"only {n_eligible} item{'s' * (n_eligible != 1)} met everything you asked for; "
                         "the rest of the page are the closest matches that miss a constraint")
        if any(state.photo_is_context(r) for r in set(state.content_of)):
            notes.append("your photo is read as what you have: things that go with it are shown, "
                         "and things that look like it are moved down")
        pairs = [(state.turns[j], state.query(j)) for j in range(len(state.turns))]
        raws = [self.turns.raw_turn(*pr) for pr in pairs]
        matched = self.matched(state, raws)
        d = dialogue_tensors(state, [matched[r] for r in state.content_of], self.dims)
        for k in ("text", "image_native", "image_shared"):
            d[k] = d[k].float()  # as the item matrices
        with torch.no_grad():
            q = adapt_queries(d, served.adapter)
        return Request(state=state, served=served, alpha=alpha, mask=mask, strict=strict, within=within,
                       n_eligible=n_eligible, notes=notes, raws=raws, d=d, q=q, live=q["has_text"] | q["has_image"],
                       keys=[self.match_key(state, pairs, r) for r in state.content_of], turns=len(state.turns))

    def candidates(self, req: Request) -> np.ndarray | None:
        """Stage 2: the catalog rows to score — None (every item) on a catalog scored exactly, the
        ANN index's candidates on a big one (items the soft preferences lift among them)."""
        ann, p = req.served.ann, req.served.model.params
        if ann is None or not bool(req.live.any()):
            return None
        lifted = self.soft_lifted(req.state, req.raws) if (p.color_bonus > 0 or p.kind_bonus > 0) else None
        return ann.candidates(req.q, req.live.numpy(), req.mask, lifted)

    def score_items(self, req: Request, cand: np.ndarray | None, kind: np.ndarray, color: np.ndarray) -> ItemScores:
        """Stage 4: Y = α·M_R + (1 − α)·M_C over the candidates (the soft preferences as bonuses),
        with the attention the explanation shows."""
        served, p = req.served, req.served.model.params
        with torch.no_grad():
            if cand is None:  # exact: every item, each distinct turn query scored once and kept for the next turn
                f, beta, img_share = served.rows.turn_scores(served.items, req.q, req.keys, req.live, p)
                mask = req.mask
            else:  # approximate: the exact core on the candidates, z-scored with the whole catalog's moments
                f, beta, img_share = turn_scores(served.ann.subset(served.items, cand, req.q), req.q, p)
                mask = req.mask[cand]
            mask_t = torch.from_numpy(mask)
            s = score(p, req.q, f.double(), mask_t, torch.from_numpy(color.astype(np.float64)), req.alpha,
                      torch.from_numpy(kind))
            w = s.turn_weights
            last = [j for j in range(len(req.state.turns)) if req.live[j]]
            last_attention = s.item_attention[last[-1]] if last else masked_softmax(s.bonus / p.tau_r, mask_t)
            beta_bar = (w[:, None] * beta.double()).sum(0) if last else torch.full((len(mask),), 0.5, dtype=torch.float64)
            image_share = float((w * img_share.double()).sum())
        return ItemScores(y=s.y.numpy(), m_r=s.m_r.numpy(), m_c=s.m_c.numpy(), beta=beta_bar.numpy(),
                          last_attention=last_attention.numpy(), mask=mask, turn_weights=w.numpy(),
                          turn_attention=s.turn_attention.numpy(), live=bool(last), image_share=image_share)

    def asked_kind(self, req: Request, cand: np.ndarray | None, kind: np.ndarray,
                   from_labels: np.ndarray | None) -> np.ndarray:
        """The items of the kind asked for, as a budget orders the page: the kinds the shopper named
        in words ("running shoes", "a teapot"), what the latest ask is surely read as by meaning
        ("marathon trainers": runners too), and what shoppers with a request like this one liked.
        A reading by meaning alone is too unsure to put its kind over budget before the rest."""
        named = np.zeros(len(req.mask), bool)
        # a named kind read at a narrower grain ("running shoes": runners, within the shoes) asks for that
        narrower = [self.vocab.kind_mask(g["kind"]) for g in req.state.inferred or [] if g.get("within")]
        for k in req.state.kinds:
            m = self.vocab.kind_mask(k)
            inside = [n for n in narrower if n.any() and not (n & ~m).any()]
            named |= np.logical_or.reduce(inside) if inside else m
        asked = named if cand is None else named[cand]
        if len(kind):
            asked = asked | (kind[-1] >= SURE_KIND)
        if from_labels is not None:
            asked = asked | (from_labels > 0)
        return asked

    def collect(self, req: Request, cand: np.ndarray | None, kind: np.ndarray, core: ItemScores, recall: Recall,
                remembered: np.ndarray | None, full: bool) -> DialogueScores:
        """The stages' results as DialogueScores (full: catalog-long arrays even through the ANN index);
        remembered: y with the label memory's part (None: it recalled nothing)."""
        # y is the remembered score itself, not y + the difference: an item the memory pushes far
        # down keeps its place among the others instead of rounding to zero
        from_labels = None if remembered is None else remembered - core.y
        arrays = {"y": core.y if remembered is None else remembered, "m_r": core.m_r, "m_c": core.m_c,
                  "beta": core.beta, "last_attention": core.last_attention, "mask": core.mask}
        if from_labels is not None:
            arrays["from_labels"] = from_labels
        if req.within is not None:
            arrays["within"] = req.within if cand is None else req.within[cand]
            arrays["asked"] = self.asked_kind(req, cand, kind, from_labels)
        if cand is not None and full:  # back to catalog rows; an item outside the candidates scores 0 and is not shown
            n = len(req.mask)
            for k, v in arrays.items():
                whole = np.zeros(n, v.dtype) if k != "beta" else np.full(n, 0.5)  # (within, asked: False)
                whole[cand] = v
                arrays[k] = whole
        strict = req.strict if cand is None or req.strict is None or full else req.strict[cand]
        return DialogueScores(model=req.served.model, alpha=req.alpha, notes=req.notes, turn_attention=core.turn_attention,
                              live=core.live, image_share=core.image_share, candidates=cand,
                              n_eligible=req.n_eligible, recall=recall, strict=strict, **arrays)

    @staticmethod
    def remember(served: ServedModel, d: dict, weights: np.ndarray, y: np.ndarray,
                 rows: np.ndarray | None, turns: int | None = None,
                 wanted: np.ndarray | None = None) -> tuple[Recall, np.ndarray | None]:
        """Stage 5, the label memory: the labelled requests like this dialogue (its turns' sentence
        embeddings mixed by the turn weights, its photo), and each scored item's y as their thumbs
        move it, memory.moved_scores (rows: the catalog rows of y, None = all). wanted: the items of
        the colour the shopper asked for, when they did: only those are lifted ("running shoes"
        liked by others, asked for in blue: the blue ones among them rise, the red ones do not).
        (NO_RECALL, None) when the model has no
        memory or nothing in it is similar enough: the scores stay exactly the model's."""
        mem = served.memory
        if mem is None or not len(mem):
            return NO_RECALL, None
        # the turns' queries as the language model read them (no second encoding: a sentence costs as
        # much as the rest of the turn); budgets and exclusions are the hard constraints' business
        text, photo, has_text, has_photo = request_vectors(d["lm"].numpy(), d["has_text"].numpy(), d["image_native"].numpy(),
                                                           d["has_image"].numpy(), weights)
        recall = mem.recall(text, photo, bool(has_text), bool(has_photo), turns=turns)
        if not recall:
            return recall, None
        shift = mem.shift(recall, len(y), rows)
        if wanted is not None:
            shift = np.where((shift > 0) & ~wanted, 0.0, shift)
        # the scores stay shares of the same total: what the labels lift, the others give up
        return recall, moved_scores(y, shift)

    # -- the recommendation ------------------------------------------------------------------------

    def recommend(self, state: DialogueState, k: int = 10, alpha: float | None = None,
                  served: ServedModel | None = None) -> Recommendation:
        served = served or self.served
        s = self.scores(state, alpha, full=False, fill=k, served=served)
        return self.explain(state, s, self.page(state, s, k), served)

    def page(self, state: DialogueState, s: DialogueScores, k: int) -> np.ndarray:
        """Stage 6: the k items shown, as positions in s's arrays (page.py)."""
        return page_order(self.vocab, state, s, k)

    def explain(self, state: DialogueState, s: DialogueScores, order: np.ndarray, served: ServedModel) -> Recommendation:
        """Stage 7: the page with everything the explanation shows (recommendation.py)."""
        return explain_page(self.catalog, self.vocab, self.kinds, state, s, order, served.memory)


def load_recommender(
    catalog_path: str | Path,
    encoder: str | None = None,
    model_dir: str | Path | None = None,
    progress=None,
) -> Recommender:
    """Catalog → encoder → cached item embeddings → model, ready to serve."""
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
    and with several threads each, OpenMP threads spin-waiting for each other under load turn
    a short call into a long one. Batch work (indexing, training) keeps torch's default.
    Override with MMCREC_TORCH_THREADS."""
    n = settings.current().torch_threads
    torch.set_num_threads(n)
    if "faiss" in sys.modules:
        sys.modules["faiss"].omp_set_num_threads(n)
    from threadpoolctl import threadpool_limits

    threadpool_limits(n, user_api="blas")  # numpy's BLAS runs the exact scans (model.scan): the same rule

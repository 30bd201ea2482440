"""What kind of thing a turn is about, read by meaning, each reading with a confidence.

The catalog's own kinds (head nouns of its titles) and categories are embedded once with the
language model (MiniLM); a turn's words, embedded by the same model, are matched against them.
A reading is a soft preference — the items of that kind get a bonus in the score, weighted by
the confidence — never a filter: "a notebook computer" leans towards laptops by meaning, and the
spiral notebook its words also name gets only what its similarity earns.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dialogue import DialogueState, TurnIntent, Vocabulary

MAX_KINDS = 5000  # the most common kinds of a very big catalog; the rest are read through categories
FLOOR = 0.35  # cosine below which a kind is not what a turn is about
FULL = 0.75  # cosine at which a reading is taken as certain
MARGIN = 0.08  # readings within this of the best one are kept as alternatives
TOP = 3
MASK_CACHE = 256  # kind masks kept (n bools each)
# the narrowest grain: a kind inside a broad reading that stands out among the kinds inside it
GRAIN_CHILDREN = 25  # the nearest labels looked at as narrower kinds
GRAIN_BELOW = 0.2  # a narrower kind may score this much under the broad one and still be what is meant
GRAIN_APART = 0.08  # ... when it leads the other kinds inside the broad one by this much
GRAIN_PARENT = 0.5  # the broad reading's confidence, relative, once a narrower kind is read
SUBTYPE_PARENT = 0.3  # after a change of mind to a subtype, the kind first asked for, relative
# a turn in another language is read by the multilingual encoder against the labels in its space,
# its cosines put on the language model's scale: sim ≈ 0.75·cos_ml + 0.19, fitted on the English
# dev requests of both catalogs read both ways (nearest label: r = 0.80 and 0.89; the bridged vector,
# a mix of the items it matches, only 0.51 and 0.55, and 0.12 too near every label)
ML_SCALE, ML_SHIFT = 0.75, 0.19


@dataclass
class Reading:
    label: str  # a kind ("mug") or a category ("category: Coffee & Tea")
    confidence: float  # 0..1
    mask: np.ndarray  # the catalog's items of that kind
    within: str = ""  # the broader reading this one narrows ("category: shoes" for "runner"), if any


class KindIndex:
    """The catalog's kinds and categories with their embeddings and item masks (built once)."""

    def __init__(self, vocab: Vocabulary, lm, titles: list[str], ml=None):
        self.vocab = vocab
        self._ml = ml  # the multilingual encoder (texts -> unit vectors), None: none installed
        self._ml_vectors: np.ndarray | None = None
        by_size = sorted((k for k in vocab.kinds if vocab.kind_mask(k).any()),
                         key=lambda k: -len(vocab.postings.get(k, ())))[:MAX_KINDS]
        # a product's name without its variant ("14-inch Ultrabook - Silver" → "14-inch Ultrabook"):
        # names a kind the words of the request may not share ("laptops")
        title_of = [str(t).split(" - ")[0].strip() for t in titles]
        # each item's name as a small integer code: a "product: X" mask is an integer compare
        codes, names = pd.factorize(pd.Series(title_of, dtype=object))
        self._title_code = codes.astype(np.int32)
        self._title_index = {h: j for j, h in enumerate(names)}
        heads = sorted(self._title_index)[:MAX_KINDS]
        self.labels = sorted(by_size) + [f"category: {c}" for c in vocab.categories] + [f"product: {h}" for h in heads]
        texts = sorted(by_size) + list(vocab.categories) + heads
        self._texts = texts
        self.vectors = lm(texts) if texts else np.zeros((0, lm.dim), np.float32)
        self._masks: OrderedDict[str, np.ndarray] = OrderedDict()  # recent kind masks (each n bools)
        self._position = {lab: i for i, lab in enumerate(self.labels)}
        # recent turns' readings: every turn re-reads the earlier turns of its dialogue, and at 1M
        # items one reading (a scan of ~10,000 label vectors, its masks) costs a few ms
        self._readings: OrderedDict[tuple, list[Reading]] = OrderedDict()
        self._lock = threading.Lock()
        self._homes: dict[str, tuple[str, float, int]] = {}  # kind → its category (_home_of)

    @property
    def ml_vectors(self) -> np.ndarray | None:
        """The labels in the multilingual space, encoded on the first turn in another language
        (a few hundred labels: a fraction of a second; 10,000: a few seconds, once)."""
        if self._ml is None:
            return None
        if self._ml_vectors is None:
            with self._lock:
                if self._ml_vectors is None:
                    self._ml_vectors = np.asarray(self._ml(self._texts), np.float32)
        return self._ml_vectors

    def mask(self, label: str) -> np.ndarray:
        if label.startswith("product: "):
            return self._title_code == self._title_index.get(label[len("product: "):], -1)
        if label.startswith("category: "):
            return self.vocab.category_mask(label[len("category: "):])
        m = self._masks.get(label)
        if m is None:  # a kind: the union of its words' postings, kept for the next turns
            m = self._masks[label] = self.vocab.kind_mask(label)
            if len(self._masks) > MASK_CACHE:
                self._masks.popitem(last=False)
        else:
            self._masks.move_to_end(label)
        return m

    def covers(self, label: str, row: int) -> bool:
        """Whether one catalog row is of a reading's kind (for the explanation of a page: no
        catalog-long mask for a category or a product name)."""
        if label.startswith("product: "):
            return bool(self._title_code[row] == self._title_index.get(label[len("product: "):], -1))
        if label.startswith("category: "):
            return str(self.vocab.category_of[row]) == label[len("category: "):]
        if label.startswith("group: "):
            with self._lock:
                m = self._masks.get(label)
                if m is None:  # kept with the kind masks: a vague ask's page asks this ten times
                    m = self._masks[label] = self.vocab.group_mask(label[len("group: "):])
            return bool(m[row])
        return bool(self.mask(label)[row])

    def read(self, lm_vector: np.ndarray, intent: TurnIntent, ml_vector: np.ndarray | None = None) -> list[Reading]:
        """The turn's likely kinds: the nearest kinds/categories by meaning, and the kinds its
        words name, each at the confidence its similarity to the turn gives. ml_vector: the turn
        in the multilingual space, for a turn in another language (read there, not through the
        bridged lm_vector)."""
        if not len(self.labels):
            return []
        v = np.asarray(lm_vector, np.float32)
        ml = None if ml_vector is None else np.asarray(ml_vector, np.float32)
        key = (v.tobytes(), None if ml is None else ml.tobytes(), tuple(intent.kinds), tuple(intent.groups),
               tuple(intent.modifiers), intent.purpose)
        with self._lock:
            got = self._readings.get(key)
            if got is not None:
                self._readings.move_to_end(key)
                return got
        got = self._read(v, intent, ml)
        with self._lock:
            self._readings[key] = got
            while len(self._readings) > MASK_CACHE:
                self._readings.popitem(last=False)
        return got

    def _read(self, lm_vector: np.ndarray, intent: TurnIntent, ml_vector: np.ndarray | None = None) -> list[Reading]:
        labels_ml = self.ml_vectors if ml_vector is not None else None
        if labels_ml is not None:
            sims = ML_SCALE * (labels_ml @ ml_vector) + ML_SHIFT
        else:
            sims = self.vectors @ lm_vector
        best = float(sims.max())
        top = np.argpartition(-sims, TOP - 1)[:TOP] if len(sims) > TOP else np.arange(len(sims))
        top = top[np.argsort(-sims[top], kind="stable")]
        # a kind the words use only to qualify another ("notebook" in "a notebook computer") is not
        # what the turn is about, however near the whole phrase is to it
        skip = {self._position.get(m) for m in intent.modifiers}
        picks = [i for i in top if sims[i] >= max(best - MARGIN, FLOOR) and i not in skip]
        for k in intent.kinds:  # named in words: weighed by how well it fits the whole turn
            i = self._position.get(k)
            if i is not None and i not in picks:
                picks.append(i)
        out = [Reading(self.labels[i], _confidence(float(sims[i])), self.mask(self.labels[i])) for i in picks]
        named = [r for r in out if r.label in intent.kinds and r.mask.any()]
        if ml_vector is not None and named:
            # read in the multilingual space, where a label's similarity is loose ("墨镜", sunglasses,
            # is nearer "glasses" than "sunglasses" there): a kind the language pack's words name is
            # as sure as the surest reading, and a reading by meaning of nothing it holds stays below
            sure = max(r.confidence for r in out)
            held = np.logical_or.reduce([r.mask for r in named])
            out = [Reading(r.label, sure, r.mask, r.within) if r in named else r if (r.mask & held).any() else
                   Reading(r.label, min(r.confidence, GRAIN_PARENT * sure), r.mask, r.within) for r in out]
        if intent.purpose:
            # "a warm hat for skiing": the words name the thing, then what it is for; a reading by
            # meaning of nothing the named kinds hold comes from the purpose (no ski), and stays below
            named = [r for r in out if r.label in intent.kinds and r.mask.any()]
            if named:
                held = np.logical_or.reduce([r.mask for r in named])
                cap = GRAIN_PARENT * max(r.confidence for r in named)
                out = [r if r in named or (r.mask & held).any() else
                       Reading(r.label, min(r.confidence, cap), r.mask, r.within) for r in out]
        out = self._narrowest(out, sims, {self.labels[i] for i in picks}, intent.kinds)
        out = _broader_below(out, intent)
        for g in intent.groups:  # a broad word ("something to wear") names shop categories outright
            out.append(Reading(f"group: {g}", 1.0, self.vocab.group_mask(g)))
        return [r for r in out if r.confidence > 0 and r.mask.any()]

    def _narrowest(self, readings: list[Reading], sims: np.ndarray, picked: set[str],
                   named: list[str] = ()) -> list[Reading]:
        """Readings at the narrowest grain the catalog supports: "running shoes" read as the shop's
        shoes category, with runners the one kind in it that stands out, is read as runners first
        (at the category's confidence), the category after them at a lower one. A category with no
        kind in it that leads the others ("shoes for a wedding") stays as it is."""
        if not any(r.label.startswith("category: ") for r in readings):
            return readings
        near = np.arange(len(sims))
        if len(sims) > GRAIN_CHILDREN:
            near = np.argpartition(-sims, GRAIN_CHILDREN - 1)[:GRAIN_CHILDREN]
        near = near[np.argsort(-sims[near], kind="stable")]
        out: list[Reading] = []
        for r in readings:
            # a shop category holds kinds of things ("shoes": runners, pumps, boots); a kind read by
            # meaning is a thing already ("tea" for a tea lover is not a teapot, though the shop's
            # "Coffee & Tea" puts teapots under its word)
            if not r.label.startswith("category: "):
                out.append(r)
                continue
            category = r.label[len("category: "):]
            inside = []  # (similarity, kind) of the kinds near the turn that live in this category
            for i in near:
                lab = self.labels[i]
                if lab in picked or lab.startswith(("category: ", "product: ")):
                    continue
                home, share, n = self._home_of(lab)
                if home == category and share >= 0.8 and n < self._category_size(category):
                    inside.append((float(sims[i]), lab))
            parent = float(sims[self._position[r.label]])
            if inside:
                best, lab = inside[0]
                # the kinds it leads are its alternatives, not the broader ones that hold it
                # ("sneaker" holds the runners of "running shoes")
                rows = np.flatnonzero(self.mask(lab))  # a kind's items: few, next to the catalog
                rivals = [x for x, other in inside[1:] if np.count_nonzero(self.mask(other)[rows]) < 0.9 * len(rows)]
                second = rivals[0] if rivals else FLOOR
                # a kind the words name that holds it is a broader reading too: the narrower kind must
                # score close to it as well ("shoe" over "runner" in "running shoes" is; "cap" over
                # "helmet" in "a baseball cap", where "baseball" alone brings the helmet near, is not)
                holding = [float(sims[self._position[k]]) for k in named if k in self._position
                           and np.count_nonzero(self.mask(k)[rows]) == len(rows)]
                if best >= max([parent, *holding]) - GRAIN_BELOW and best - second >= GRAIN_APART and best >= FLOOR:
                    out.append(Reading(lab, r.confidence, self.mask(lab) & r.mask, within=r.label))
                    out.append(Reading(r.label, r.confidence * GRAIN_PARENT, r.mask))
                    continue
            out.append(r)
        return out

    def _home_of(self, label: str) -> tuple[str, float, int]:
        """(category, share, items) of a kind, worked out once per kind: a turn looks at a few
        dozen kinds, and at a million items each mask costs a millisecond."""
        got = self._homes.get(label)
        if got is None:
            got = self._homes[label] = self.vocab.home_category(self.mask(label))
        return got

    def _category_size(self, category: str) -> int:
        got = self._homes.get("category: " + category)
        if got is None:
            got = self._homes["category: " + category] = (category, 1.0, int(self.vocab.category_mask(category).sum()))
        return got[2]


def _confidence(sim: float) -> float:
    return float(np.clip((sim - FLOOR) / (FULL - FLOOR), 0.0, 1.0))


def turn_readings(state: DialogueState, index: KindIndex, lm_vectors: list[np.ndarray | None],
                  ml_vectors: list[np.ndarray | None] | None = None) -> dict[int, list[Reading]]:
    """What kind of thing each content turn r is about (the turn it refines, for a constraint-only
    turn; nothing for a photo without words). ml_vectors: per turn, its multilingual vector when it
    was read through the bridge. Sets state.inferred to the latest ask's readings, for the
    explanation."""
    readings: dict[int, list[Reading]] = {}
    for r in dict.fromkeys(state.content_of):
        it = state.intents[r]
        names = bool(it.kinds or it.groups)
        before = [b for b in readings if b < r and not state.superseded[b] and readings[b]]
        v = lm_vectors[r]
        photo = state.photo_turn(r)
        photo_says = photo is not None
        # with a photo of the thing wanted (sent with the words or just before them), the photo
        # says what kind of thing unless the words name one: "like this but in blue" is no blueberry
        read = v is not None and bool(it.content) and (names or not photo_says)
        own = index.read(v, it, ml_vectors[r] if ml_vectors else None) if read else []
        if photo_says and not names and photo != r:
            own = readings.get(photo, [])  # what the photo's own turn was read as (its words), if anything
        if not names and before and not photo_says:
            # "blue ones" qualifies the thing asked before; but after a vague ask ("a gift for a
            # kid"), "something musical" says more about the kind than the ask did: the surer wins
            earlier = readings[before[-1]]
            if max((g.confidence for g in own), default=0.0) <= max(g.confidence for g in earlier):
                own = earlier
        if it.change_of_mind and own and r == state.request_start[r]:
            own = own + _parent_kept(own, [readings[b] for b in readings if b < r and state.superseded[b]])
        readings[r] = own
    # the latest ask's own reading: after "something nice for my dad", a photo with "like this but
    # in red" is read from the photo, not as the faint guess the vague ask left ("fondue, 7% sure")
    latest = readings[state.content_of[-1]] if state.content_of else []
    state.inferred = [{"kind": g.label, "confidence": round(g.confidence, 2),
                       **({"within": g.within} if g.within else {})} for g in latest]
    return readings


def _parent_kept(new: list[Reading], replaced: list[list[Reading]]) -> list[Reading]:
    """A change of mind to a subtype ("a bag" → "actually a tote", "a jacket" → "no, a rain jacket"
    where the shop files rain jackets under jackets) keeps the thing first asked for at a low
    weight: the items of the replaced request's readings that hold the new kind's items. A change
    to another kind ("a mug" → "a teapot instead") replaces it."""
    top = max(new, key=lambda g: g.confidence)
    size = int(top.mask.sum())
    kept: list[Reading] = []
    for got in replaced:
        for g in got:
            if size and int(g.mask.sum()) > size and int((g.mask & top.mask).sum()) >= 0.8 * size:
                kept.append(Reading(g.label, g.confidence * SUBTYPE_PARENT, g.mask))
    return kept


def kind_rows(state: DialogueState, readings: dict[int, list[Reading]], n: int,
              rows: np.ndarray | None = None) -> np.ndarray:
    """(T, n) float32: for each turn, how much each item is of the kind the turn is about (its
    readings' confidence). rows: only those catalog rows (T, len(rows)) — the ANN path scores a
    few hundred candidates of a million items and builds no catalog-long arrays for them."""
    width = n if rows is None else len(rows)
    out: dict[int, np.ndarray] = {}
    for r, got in readings.items():
        row = np.zeros(width, np.float32)
        for g in got:
            m = g.mask if rows is None else g.mask[rows]
            np.maximum(row, m * np.float32(g.confidence), out=row)  # float32: no n-long float64 temporary
        out[r] = row
    if not state.content_of:
        return np.zeros((0, width), np.float32)
    return np.stack([out[r] for r in state.content_of])


def kind_lifted(readings: dict[int, list[Reading]], n: int) -> np.ndarray:
    """(n,) bool: the items some turn's reading lifts (kind_rows > 0 on some turn)."""
    m = np.zeros(n, bool)
    for got in readings.values():
        for g in got:
            m |= g.mask
    return m


def _broader_below(readings: list[Reading], intent: TurnIntent) -> list[Reading]:
    """A reading that holds a narrower one the turn is surely about (a kind read inside a category,
    or a kind the words name) is what that one is a kind of: "red sneakers" are sneakers before
    they are shoes, "running shoes" runners before shoes. It stays, below the narrower one."""
    narrow = [r for r in readings if r.within or r.label in intent.kinds]
    if not narrow:
        return readings
    out = []
    inside: dict[str, str] = {}  # a named kind found inside a broader reading: the broader one
    rows = {g.label: np.flatnonzero(g.mask) for g in narrow}  # a kind's items: few, next to the catalog
    for r in readings:
        cap = None
        if not r.label.startswith("product: "):
            size = np.count_nonzero(r.mask)
            for g in narrow:
                if g is r or g.label == r.label:
                    continue
                inner = len(rows[g.label])
                if 0 < inner < size and np.count_nonzero(r.mask[rows[g.label]]) >= 0.9 * inner:
                    c = GRAIN_PARENT * g.confidence
                    cap = c if cap is None else max(cap, c)
                    if not g.within and (g.label not in inside or r.label.startswith("category: ")):
                        inside[g.label] = r.label
        out.append(r if cap is None or r.confidence <= cap else Reading(r.label, cap, r.mask, r.within))
    # "red sneakers": sneakers, within shoes, as "running shoes" are runners within shoes: the
    # colour and the budget's order then keep to them
    return [Reading(r.label, r.confidence, r.mask, inside[r.label]) if r.label in inside else r for r in out]

"""What the shopper asked for across turns: kinds, prices, colours, exclusions, changes of mind.

Each turn is read by its language's pack (lang/: plain rules over words for what a shopper states
explicitly); what kind of thing a turn is about is read by meaning (intent.kind_rows: the turn's
sentence embedding against the catalog's own kinds and categories, each with a confidence). The
state machine here knows no words of any language. Only explicit statements filter — a price
bound, "not X", "only X" — and the page is topped up when they leave too few; kinds and colours
re-rank. Another turn about the same thing narrows; a change of mind replaces.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .catalog import Catalog
from .lang import parse_turn
from .lang.en import COLOR_ALIASES, COLORS, GENERIC, GROUPS, STOP, SYNONYMS, VAGUE, _words, singular
from .lang.reading import MAX_TURN_CHARS, TurnIntent, normalize_text
from .palette import COLOUR_FIRST, family

__all__ = ["COLORS", "COLOR_ALIASES", "MAX_TURN_CHARS", "DialogueState", "Turn", "TurnIntent", "Vocabulary",
           "dialogue_turns", "normalize_text", "parse_turn"]

_FIRST_CLAUSE_END = re.compile(r" - |,| with | for ")


class Vocabulary:
    """The product kinds a catalog knows: its categories and the head nouns of its titles.

    Built once per catalog as an inverted index (word → items), so a constraint costs a few
    array operations per query, not a Python loop over the items.
    """

    def __init__(self, catalog: Catalog):
        items = catalog.items
        n = len(items)
        self.categories = sorted({c for c in items["category"] if c})
        # the catalog's currency (ISO code): its `currency` column when it has one value, else dollars
        cur = {str(v).strip().upper() for v in items["currency"] if str(v).strip()} if "currency" in items else set()
        self.currency = cur.pop() if len(cur) == 1 else "USD"
        self.colors = set(COLORS) | {c for c in items["color"] if c and " " not in c} | COLOUR_FIRST
        extra = [c for c in catalog.attributes if c in ("type", "kind", "product_type", "subcategory")]
        texts = (items["title"].astype(str) + " " + items["category"].astype(str)).tolist()
        for c in extra:
            texts = [f"{t} {v}" for t, v in zip(texts, items[c].astype(str))]
        postings: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            for w in {singular(w) for w in _words(t)}:
                postings.setdefault(w, []).append(i)
        self.postings = {w: np.asarray(ix, dtype=np.int64) for w, ix in postings.items()}
        self._by_suffix: dict[str, list[str]] = {}  # last 3 letters → words, for compound matches
        for w in self.postings:
            self._by_suffix.setdefault(w[-3:], []).append(w)
        heads = set()
        self.title_heads: dict[str, str] = {}  # title → its head noun (the kind it names)
        for t in set(items["title"]):
            # the head noun ends the title's first clause: "Daypack Backpack - Pink" → backpack,
            # "Chunky Knit Scarf, Merino, 180 cm" → scarf, "Ceramic Teapot with Infuser" → teapot
            # (what follows is specs and parts, not the kind)
            first = _FIRST_CLAUSE_END.split(str(t), 1)[0]
            ws = [w for w in _words(first) if w not in self.colors and not any(ch.isdigit() for ch in w)
                  and singular(w) not in GENERIC]  # "Knife Set" → knife, "Phone 15 Pro" → phone
            if ws:
                heads.add(singular(ws[-1]))
                self.title_heads[str(t)] = singular(ws[-1])
        heads |= {singular(w) for c in self.categories for w in _words(c)}
        for c in extra:
            heads |= {singular(w) for v in set(items[c].astype(str)) for w in _words(v)}
        heads = {h for h in heads if not any(ch.isdigit() for ch in h)}
        self.kinds = (heads | set(SYNONYMS)) - self.colors - STOP - GENERIC
        # any word of a title can be excluded ("no leather", "no backpacks"), not only head nouns
        self.excludable = set(self.postings) - self.colors - STOP
        self.category_of = items["category"].to_numpy()
        self.prices = items["price"].to_numpy(dtype=float)
        self.price_hi = np.nan_to_num(self.prices, nan=np.inf)  # an unpriced item passes no upper bound
        self.price_lo = np.nan_to_num(self.prices, nan=-np.inf)  # ... and no lower bound
        color = items_colors(items)
        self.color_of = color.to_numpy()
        # small integer codes, so a colour or category filter is an integer compare, not string matching
        self._color_code, self._color_names = pd.factorize(color)
        self._cat_code, self._cat_names = pd.factorize(items["category"])
        self.n = n

    def _mask(self, words: set[str]) -> np.ndarray:
        m = np.zeros(self.n, bool)
        for w in words:
            ix = self.postings.get(w)
            if ix is not None:
                m[ix] = True
        return m

    def kind_mask(self, kind: str) -> np.ndarray:
        want = {singular(w) for w in SYNONYMS.get(kind, {kind}) | {kind}}

        # compounds count: a "pot" request matches a teapot, a "bag" a handbag
        words = set(want)
        for k in want:
            if len(k) >= 3:
                words |= {w for w in self._by_suffix.get(k[-3:], ()) if w.endswith(k) and len(w) - len(k) >= 3}
        return self._mask(words)

    def category_mask(self, category: str) -> np.ndarray:
        return _any_code(self._cat_code, [j for j, c in enumerate(self._cat_names) if c == category])

    def home_category(self, mask: np.ndarray) -> tuple[str, float, int]:
        """The category most of these items are in, the share of them in it, and how many there are."""
        codes = self._cat_code[np.flatnonzero(mask)]
        if not len(codes):
            return "", 0.0, 0
        counts = np.bincount(codes[codes >= 0], minlength=len(self._cat_names))
        j = int(counts.argmax())
        return str(self._cat_names[j]), float(counts[j] / len(codes)), int(len(codes))

    def group_mask(self, group: str) -> np.ndarray:
        cats = {c for c in self.categories if set(map(singular, _words(c))) & {singular(w) for w in GROUPS[group]}}
        return _any_code(self._cat_code, [j for j, c in enumerate(self._cat_names) if c in cats])

    def color_mask(self, color: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Items of that colour (of the given catalog rows only, when given)."""
        c = COLOR_ALIASES.get(color, color)
        names = {color, c} | {k for k, v in COLOR_ALIASES.items() if v == c}
        # "dark blue" is blue by its words; "Burgundy" is red, "crimson" asks for red, by their family
        fam = family(color)
        codes = [j for j, v in enumerate(self._color_names)
                 if set(_words(str(v))) & names or (fam is not None and family(str(v)) == fam)]
        return _any_code(self._color_code if rows is None else self._color_code[rows], codes)


_COLOR_WORD = r"\b(" + "|".join(sorted(COLORS, key=len, reverse=True)) + r")\b"


def items_colors(items: pd.DataFrame) -> pd.Series:
    """Each item's colour: its colour column, or where that is empty, the colour word its title
    names ("Red Paper Lantern", "Mittens - Navy"), so a catalog without the column still answers
    "in red"."""
    color = items["color"]
    missing = (color.isna() | (color == "")).to_numpy()
    if not missing.any():  # the usual case costs two vector compares, even at a million rows
        return color
    named = items["title"][missing].astype(str).str.lower().str.extract(_COLOR_WORD, expand=False)
    color = color.fillna("").astype(object).copy()
    color[missing] = named.fillna("").to_numpy()
    return color


def _any_code(codes: np.ndarray, wanted: list[int]) -> np.ndarray:
    """codes ∈ wanted, for a few wanted codes: one pass per code beats np.isin's sort at 1M rows."""
    m = np.zeros(len(codes), bool)
    for c in wanted:
        m |= codes == c
    return m





@dataclass
class Turn:
    """One user turn: text, an uploaded image, or both."""

    text: str = ""
    image: object | None = None  # PIL.Image, already opened safely
    image_sha256: str = ""  # of the uploaded file; a photo given without one is keyed by its pixels
    image_path: str = ""

    def __post_init__(self) -> None:
        # the encoders' caches key a turn by its photo: without a hash, two photos could share a key
        if self.image is not None and not self.image_sha256 and hasattr(self.image, "tobytes"):
            h = hashlib.sha256(f"{self.image.mode} {self.image.size}".encode())
            h.update(self.image.tobytes())
            self.image_sha256 = "pixels:" + h.hexdigest()

    @property
    def has_image(self) -> bool:
        return self.image is not None


def dialogue_turns(texts: list[str], image: object | None = None, image_sha256: str = "",
                   image_turn: int | None = None) -> list[Turn]:
    """A recorded dialogue (labelled query, labelled session) as turns: the image goes with turn
    `image_turn` (a label records it), else with the first ("like this but in blue"), or stands
    alone when there are no words."""
    if not texts:
        return [Turn("", image, image_sha256)]
    at = image_turn if image_turn is not None and 0 <= image_turn < len(texts) else 0
    return [Turn(t, image if i == at else None, image_sha256 if i == at else "") for i, t in enumerate(texts)]


@dataclass
class DialogueState:
    """The conversation so far and the constraints it adds up to."""

    turns: list[Turn] = field(default_factory=list)
    intents: list[TurnIntent] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    excluded_kinds: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    excluded_colors: list[str] = field(default_factory=list)
    price_min: float | None = None
    price_max: float | None = None
    superseded: list[bool] = field(default_factory=list)  # turns whose request was replaced
    content_of: list[int] = field(default_factory=list)  # turn whose content each turn refines
    request_start: list[int] = field(default_factory=list)  # first turn of the request each turn belongs to
    shown_prices: list[float] = field(default_factory=list)  # prices of the last gallery, best first, for "cheaper"
    relative_price: bool = False  # the price bounds came from "cheaper" / "pricier" (they filter)
    only_kinds: list[str] = field(default_factory=list)  # "only X": the kind that filters
    inferred: list[dict] = field(default_factory=list)  # kinds read by meaning, with confidence (Recommender)

    def _another_thing(self, it: TurnIntent, vocab: Vocabulary | None) -> bool:
        """The turn names a kind of thing none of the request's kinds holds, and not as an addition
        ("a cap", then "a red dress": a new request, not a red dress-cap; "shoes", then "running
        shoes", or "also a scarf", go on with it)."""
        if vocab is None or not it.kinds or not self.kinds or it.additive or not self.turns[:-1]:
            return False
        new = np.logical_or.reduce([vocab.kind_mask(k) for k in it.kinds])
        old = np.logical_or.reduce([vocab.kind_mask(k) for k in self.kinds])
        return bool(new.any() and old.any() and not (new & old).any())

    def add(self, turn: Turn, vocab: Vocabulary | None) -> TurnIntent:
        it = parse_turn(turn.text, vocab)
        j = len(self.turns)
        # a photo after a vague ask ("something nice for my dad") says what the ask did not
        photo_after_vague = turn.has_image and j > 0 and self.is_vague
        self.turns.append(turn)
        self.intents.append(it)
        self.superseded.append(False)
        # another turn about the same thing narrows (its kinds join the earlier ones, and the turn
        # attention favours the latest); only a change of mind or a new photo replaces the request
        replaces = (it.change_of_mind and (bool(it.kinds or it.groups) or turn.has_image or
                                           (bool(it.content) and not it.qualifies))) or (
            turn.has_image and bool(self.kinds or self.groups)) or photo_after_vague or (
            self._another_thing(it, vocab))
        if replaces:
            for k in range(j):
                self.superseded[k] = True
            self.kinds, self.groups, self.only_kinds = [], [], []
            # a colour was wished for the thing replaced ("like this but in red" → "a teapot
            # instead"); a budget or a colour refused is the shopper's, and stays
            self.colors = []
        self.request_start.append(j if replaces or not j else self.request_start[-1])
        self.kinds += [k for k in it.kinds if k not in self.kinds]
        self.groups += [g for g in it.groups if g not in self.groups]
        if it.only_kinds:
            self.only_kinds = list(it.only_kinds)
        self.excluded_kinds = [k for k in self.excluded_kinds if k not in it.kinds]
        self.excluded_kinds += [k for k in it.excluded_kinds if k not in self.excluded_kinds]
        self.kinds = [k for k in self.kinds if k not in self.excluded_kinds]
        if it.colors:
            self.colors = list(it.colors)
            self.excluded_colors = [c for c in self.excluded_colors if c not in it.colors]
        for c in it.excluded_colors:
            if c not in self.excluded_colors:
                self.excluded_colors.append(c)
            if c in self.colors:
                self.colors.remove(c)
        if it.price_min is not None or it.price_max is not None:
            self.price_min, self.price_max = it.price_min, it.price_max
            self.relative_price = False
        # "cheaper" / "pricier" are relative to the top pick the shopper was shown: a filter, since
        # what it rules out is exactly what the shopper saw and turned down
        if (it.cheaper or it.pricier) and self.shown_prices:
            self.relative_price = True
        if it.cheaper and self.shown_prices:
            ref = float(self.shown_prices[0])
            self.price_max = round(ref - 0.005, 3)  # strictly below, to the cent
            if self.price_min is not None and self.price_min >= self.price_max:
                self.price_min = None
        if it.pricier and self.shown_prices:
            self.price_min = round(float(self.shown_prices[0]) + 0.005, 3)
            if self.price_max is not None and self.price_max <= self.price_min:
                self.price_max = None
        # a turn that only constrains ("not black", "cheaper") refines the last turn with content
        has_content = bool(it.content) or turn.has_image
        ref = j
        if not has_content:
            prev = [k for k in range(j) if self.content_of[k] == k and not self.superseded[k]]
            ref = prev[-1] if prev else j
        self.content_of.append(ref)
        return it

    def photo_is_context(self, j: int) -> bool:
        """Turn j's photo shows what the shopper already has and wants something to go with ("a
        scarf to go with this"), not the kind of thing wanted."""
        return self.turns[j].has_image and self.intents[j].goes_with

    def photo_turn(self, j: int) -> int | None:
        """The turn whose photo turn j is matched with: its own; or, for words that only qualify
        the thing in an earlier photo (a colour, "a bigger one", "like this but in blue"), the
        latest photo of the same request, as if sent with them. Words that say more of what is
        wanted ("but for hiking", "a sandal instead") stand on their own. None when there is no
        photo or it shows what the shopper has (photo_is_context)."""
        if self.turns[j].has_image:
            return None if self.photo_is_context(j) else j
        it = self.intents[j]
        if it.kinds or it.groups or (it.content and not it.qualifies):
            return None
        for k in range(j - 1, self.request_start[j] - 1, -1):
            if self.turns[k].has_image:
                return None if self.photo_is_context(k) else k
        return None

    def query(self, j: int) -> str:
        """The words turn j's query embeds: its content read with the earlier turns of the same
        request, so "for running" after "new shoes" asks for running shoes. A change of mind or a
        new photo starts a new request."""
        words = [self.intents[k].content for k in range(self.request_start[j], j + 1)]
        return " ".join(w for w in words if w)

    @property
    def is_vague(self) -> bool:
        """Nothing concrete asked yet: no kind, colour, price, image, or telling words."""
        if self.kinds or self.groups or self.colors or self.price_max is not None or self.price_min is not None:
            return False
        if any(t.has_image for t in self.turns):
            return False
        words = [w for it in self.intents for w in _words(it.content)]
        return all(w in VAGUE or w in STOP for w in words)

    def mask(self, vocab: Vocabulary, budget: bool = True) -> tuple[np.ndarray, list[str]]:
        """Items that meet the hard constraints; relaxed (and said so) when none would be left.
        budget=False: the price bounds are left out (they order the page instead: budget_mask)."""
        n = len(vocab.prices)
        notes: list[str] = []
        keep = np.ones(n, bool)

        def apply(m: np.ndarray, what: str) -> None:
            nonlocal keep
            if (keep & m).any():
                keep &= m
            else:
                notes.append(f"nothing matched {what}, so I left that out")

        if self.only_kinds:  # asked for explicitly; other kinds are preferences (intent.kind_rows)
            km = np.zeros(n, bool)
            for k in self.only_kinds:
                km |= vocab.kind_mask(k)
            apply(km, "only " + ", ".join(self.only_kinds))
        for k in self.excluded_kinds:
            apply(~vocab.kind_mask(k), f"'no {k}'")
        for c in self.excluded_colors:
            apply(~vocab.color_mask(c), f"'not {c}'")
        if budget and self.price_max is not None:
            apply(vocab.price_hi <= self.price_max + 1e-9, f"a price up to {self.price_max:g}")
        if budget and self.price_min is not None:
            apply(vocab.price_lo >= self.price_min - 1e-9, f"a price from {self.price_min:g}")
        return keep, notes

    @property
    def has_budget(self) -> bool:
        """A budget the shopper stated ("under $80"); "cheaper" than what was shown is not one."""
        return (self.price_max is not None or self.price_min is not None) and not self.relative_price

    def budget_mask(self, vocab: Vocabulary) -> np.ndarray:
        """Items within the budget (all of them without one)."""
        m = np.ones(len(vocab.prices), bool)
        if self.price_max is not None:
            m &= vocab.price_hi <= self.price_max + 1e-9
        if self.price_min is not None:
            m &= vocab.price_lo >= self.price_min - 1e-9
        return m

    def over_budget_many(self, prices: np.ndarray) -> np.ndarray:
        """over_budget for an array of prices (NaN: no price, 0), in one pass."""
        p = np.asarray(prices, np.float64)
        out = np.zeros(len(p))
        if self.price_max is not None:
            out = np.where(p > self.price_max + 1e-9, p - self.price_max, out)
        if self.price_min is not None:
            out = np.where(p < self.price_min - 1e-9, self.price_min - p, out)
        return np.nan_to_num(out, nan=0.0)

    def over_budget(self, price: float | None) -> float:
        """How far a price is outside the budget (0 inside it, or without a price or a budget)."""
        if price is None or not np.isfinite(price):
            return 0.0
        if self.price_max is not None and price > self.price_max + 1e-9:
            return float(price - self.price_max)
        if self.price_min is not None and price < self.price_min - 1e-9:
            return float(self.price_min - price)
        return 0.0

    def color_match(self, vocab: Vocabulary, rows: np.ndarray | None = None) -> np.ndarray:
        """1 for the items of a wanted colour (float32; of `rows` only, when given)."""
        m = np.zeros(len(vocab.prices) if rows is None else len(rows), bool)
        for c in self.colors:
            m |= vocab.color_mask(c, rows)
        return m.astype(np.float32)

    def understood(self) -> dict:
        """The constraints in words, for the reply and the API."""
        d: dict = {}
        if self.kinds or self.groups:
            d["kind"] = ", ".join(self.groups + self.kinds)
        if self.only_kinds:
            d["only"] = ", ".join(self.only_kinds)
        if self.inferred:
            d["inferred"] = self.inferred
        if self.price_min is not None:
            d["price_min"] = round(self.price_min, 2)
        if self.price_max is not None:
            d["price_max"] = round(self.price_max, 2)
        if self.colors:
            d["color"] = ", ".join(self.colors)
        if self.excluded_colors or self.excluded_kinds:
            d["excluded"] = ", ".join(self.excluded_colors + self.excluded_kinds)
        return d

    def summary(self) -> str:
        u = self.understood()
        parts = []
        if "kind" in u:
            parts.append(f"kind = {u['kind']}")
        if "price_min" in u and "price_max" in u:
            parts.append(f"price {u['price_min']:g}–{u['price_max']:g}")
        elif "price_max" in u:
            parts.append(f"price ≤ {u['price_max']:g}")
        elif "price_min" in u:
            parts.append(f"price ≥ {u['price_min']:g}")
        if "color" in u:
            parts.append(f"color = {u['color']}")
        if "excluded" in u:
            parts.append(f"not {u['excluded']}")
        if "only" in u:
            parts.append(f"only {u['only']}")
        if self.inferred:  # read by meaning: a preference, with how sure
            best = sorted(self.inferred, key=lambda x: -x["confidence"])[:2]
            parts.append("looks like " + " or ".join(f"{label_text(x['kind'])} ({x['confidence']:.0%} sure)" for x in best))
        return ", ".join(parts)


def label_text(label: str) -> str:
    """A kind reading's label as a shopper reads it: "product: Rain Shower Head" is the Rain Shower
    Head, "category: shoes" the shoes (the prefixes say where the label came from, for the code)."""
    for prefix in ("product: ", "category: ", "group: "):
        if label.startswith(prefix):
            return label[len(prefix):]
    return label

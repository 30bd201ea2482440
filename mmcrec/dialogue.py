"""What the shopper asked for across turns: kinds, prices, colours, exclusions, changes of mind.

The parser is plain rules over words (fast, explainable, fuzzed in the tests) for what a shopper
states explicitly; what kind of thing a turn is about is read by meaning (intent.kind_rows: the
turn's sentence embedding against the catalog's own kinds and categories, each with a
confidence). Only explicit statements filter — a price bound, "not X", "only X" — and the page is
topped up when they leave too few; kinds and colours re-rank. Another turn about the same thing
narrows; a change of mind replaces.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .catalog import Catalog

MAX_TURN_CHARS = 2000  # a 100,000-character message is cut here before anything reads it

COLORS = {
    "black", "white", "grey", "gray", "silver", "gold", "golden", "red", "blue", "navy", "green",
    "yellow", "orange", "pink", "purple", "violet", "brown", "beige", "tan", "cream", "teal",
    "turquoise", "cyan", "magenta", "maroon", "olive", "khaki", "ivory",
}
COLOR_ALIASES = {"gray": "grey", "golden": "gold", "navy": "blue", "violet": "purple", "tan": "beige"}

# Broad shopper words that name a group of shop categories rather than one product type.
GROUPS: dict[str, set[str]] = {
    "wearable": {"clothing", "clothes", "shoes", "accessories", "apparel", "fashion", "footwear", "jewelry"},
    "food": {"food", "grocery", "groceries", "snacks", "drinks", "beverages"},
    "music": {"instruments", "instrument", "music"},
    "tech": {"electronics", "electronic", "gadgets", "tech", "computers"},
    "sport": {"sports", "sport", "fitness", "outdoor", "outdoors"},
    "toy": {"toys", "toy", "games", "kids"},
    "kitchen": {"kitchen", "cookware", "kitchenware"},
    "home": {"home", "furniture", "decor", "garden"},
}
GROUP_WORDS = {
    "wear": "wearable", "wearable": "wearable", "clothes": "wearable", "clothing": "wearable",
    "outfit": "wearable", "apparel": "wearable", "fashion": "wearable",
    "eat": "food", "food": "food", "snack": "food", "snacks": "food", "drink": "food", "treat": "food",
    "gadget": "tech", "gadgets": "tech", "tech": "tech", "electronics": "tech", "device": "tech",
    "toy": "toy", "toys": "toy",
    "cook": "kitchen", "cooking": "kitchen", "kitchen": "kitchen", "baking": "kitchen",
    "instrument": "music", "instruments": "music",
    "sport": "sport", "sports": "sport", "workout": "sport", "exercise": "sport",
}
# Product-type synonyms: a query word on the left also matches items that say any word on the right.
SYNONYMS: dict[str, set[str]] = {
    "hat": {"hat", "cap", "beanie", "fedora", "helmet"},
    "cap": {"cap", "hat"},
    "sneaker": {"sneaker", "trainer", "running", "shoe"},
    "trainer": {"sneaker", "trainer"},
    "shoe": {"shoe", "sneaker", "boot", "sandal", "heel", "flat", "loafer", "trainer", "slipper"},
    "sunglass": {"sunglass", "sunglasses", "shades"},
    "sunglasses": {"sunglass", "sunglasses", "shades"},
    "shades": {"sunglass", "sunglasses", "shades"},
    "glasses": {"glasses", "eyeglasses", "spectacles", "sunglasses"},
    "bag": {"bag", "backpack", "handbag", "purse", "tote", "clutch", "briefcase", "luggage", "suitcase"},
    "purse": {"purse", "handbag", "clutch", "wallet"},
    "headphone": {"headphone", "headphones", "earbuds", "headset"},
    "phone": {"phone", "smartphone", "mobile"},
    "shirt": {"shirt", "t-shirt", "tee", "blouse", "polo"},
    "tee": {"tee", "t-shirt", "shirt"},
    "jacket": {"jacket", "coat", "parka", "blazer"},
    "coat": {"coat", "jacket", "parka"},
    "pants": {"pants", "trousers", "jeans", "slacks"},
    "trousers": {"pants", "trousers", "jeans"},
}
CHANGE_OF_MIND = re.compile(
    r"\b(no wait|wait|actually|instead|rather|changed my mind|change of plan|forget (that|it|those)|scratch that|"
    r"i mean|i meant)\b"
)
ONLY = re.compile(r"\bonly\s+(?:the\s+|some\s+)?([\w'-]+)")
ADDITIVE = re.compile(r"\b(also|too|as well|and also|plus)\b")
STOP = {
    "a", "an", "the", "some", "any", "i", "me", "my", "we", "you", "it", "this", "that", "these", "those", "one",
    "ones", "for", "to", "of", "in", "on", "with", "and", "or", "but", "is", "are", "be", "do", "does", "please",
    "show", "need", "want", "looking", "look", "find", "get", "like", "would", "could", "can", "something",
    "anything", "thing", "things", "just", "maybe", "really", "very", "more", "less", "much", "what", "have",
    "has", "got", "give", "let", "see", "s", "m", "im", "i'm", "it's", "no", "not", "wait", "instead", "else",
    "other", "another", "only", "same", "so", "hi", "hello", "hey", "thanks", "ok", "okay", "buy", "shop", "sorry",
    # words that point at a photo or at what was shown ("this style", "something similar") name nothing
    "style", "similar", "kind", "sort", "type",
}
# words that shade a colour ("light blue", "dark green") without naming anything else
SHADES = {"light", "dark", "pale", "bright", "deep", "pastel", "neon", "soft", "coloured", "colored", "color", "colour"}
# words that end titles without naming a product kind ("Socks 3-Pack", "Knife Set")
GENERIC = {"pack", "set", "pair", "kit", "trio", "duo", "bundle", "complete", "setting", "head", "edition", "collection",
           "mini", "pro", "max", "plus", "classic", "deluxe", "original", "square"}
VAGUE = {
    "gift", "gifts", "present", "presents", "idea", "ideas", "someone", "somebody", "sister", "brother", "mom",
    "mum", "mother", "dad", "father", "friend", "friends", "wife", "husband", "boyfriend", "girlfriend", "kid",
    "son", "daughter", "colleague", "boss", "birthday", "christmas", "recommend", "recommendation", "suggest",
    "nice", "good", "great", "cool", "help", "her", "him", "them", "he", "she", "they", "our", "your",
}
NUM = r"(\d+(?:[.,]\d+)?)\s*(?:k\b)?"
CUR = r"(?:\$|usd|dollars?|bucks|eur|euros?|€|£|pounds?)?"
PRICE_RANGE = re.compile(rf"(?:between|from)\s*{CUR}\s*{NUM}\s*{CUR}\s*(?:and|to|-|–)\s*{CUR}\s*{NUM}\s*{CUR}")
PRICE_DASH = re.compile(rf"{CUR}\s*(\d+)\s*(?:-|–)\s*{CUR}\s*(\d+)\s*(?:\$|usd|dollars?|bucks|€|£)")
PRICE_MAX = re.compile(
    rf"(?:under|below|less than|cheaper than|max(?:imum)?|up to|at most|no more than|within|budget(?: of| is)?|<|≤)\s*{CUR}\s*{NUM}\s*{CUR}"
)
PRICE_MIN = re.compile(rf"(?:over|above|more than|at least|min(?:imum)?|>|≥|starting at)\s*{CUR}\s*{NUM}\s*{CUR}")
PRICE_AROUND = re.compile(rf"(?:around|about|roughly|approximately|~)\s*{CUR}\s*{NUM}\s*{CUR}")
PRICE_BARE = re.compile(r"(?:\$\s*(\d+(?:\.\d+)?))|(?:(\d+(?:\.\d+)?)\s*(?:\$|dollars|bucks|usd))")
CHEAPER = re.compile(r"\b(cheaper|less expensive|lower price|more affordable|on a budget|budget option)\b")
PRICIER = re.compile(r"\b(pricier|more expensive|higher end|high-end|fancier|premium)\b")
# "something to go with this", "cups to go with it", "the leaves to steep in this": with a photo,
# the photo shows what the shopper has, not what they want ("in this colour" is not one of them)
GOES_WITH = re.compile(
    r"\b(?:go(?:es)? with|to match|matching|(?:with|for|in|into|on) (?:this|these|it|them|that|those))\b"
    r"(?!\s+(?:colou?r|style|shade|pattern|material|design|size|shape|one|ones|kind|type|look|version|fabric|print))"
)
NEGATION = re.compile(
    r"\b(?:not|no|without|except|excluding|anything but|nothing|none of the|avoid|hate|don't want|dont want|"
    r"don't like|dont like|no more)\s+(?:a |an |any |the |in |more )?((?:(?!and\b|or\b|but\b)[\w'-]+\s*){1,3})"
)


def normalize_text(text: str) -> str:
    """Unicode-normalised, control characters removed, bounded length."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_TURN_CHARS]
    return "".join(ch if (ch.isprintable() or ch in " \n\t") else " " for ch in text).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'-]+", text.lower())


def singular(w: str) -> str:
    if w in ("glasses", "sunglasses", "pants", "trousers", "jeans", "shorts", "headphones", "earbuds", "clothes",
             "shades", "accessories", "electronics", "sports", "leggings"):
        return w
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "xes", "sses")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us")):
        return w[:-1]
    return w


@dataclass
class TurnIntent:
    """What one turn says, read without context."""

    text: str
    content: str = ""  # the words worth embedding: constraints and negated phrases taken out
    kinds: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    excluded_kinds: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    excluded_colors: list[str] = field(default_factory=list)
    price_min: float | None = None
    price_max: float | None = None
    cheaper: bool = False
    pricier: bool = False
    change_of_mind: bool = False
    additive: bool = False
    # names no thing, only qualifies the one asked before: a colour alone ("actually light blue"),
    # "a big one", "something warmer" — a change of mind then keeps the thing
    qualifies: bool = False
    goes_with: bool = False  # "something to go with this": a photo of the turn is context, not the target
    only_kinds: list[str] = field(default_factory=list)  # "only mugs": the one kind that filters
    modifiers: list[str] = field(default_factory=list)  # kinds that only qualify the next noun ("notebook computer")

    @property
    def constrains(self) -> bool:
        return bool(
            self.excluded_kinds or self.only_kinds or self.colors or self.excluded_colors or self.cheaper or self.pricier
            or self.price_min is not None or self.price_max is not None or self.change_of_mind
        )


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
        self.colors = set(COLORS) | {c for c in items["color"] if c and " " not in c}
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
        for t in set(items["title"]):
            # the head noun ends the title's first clause: "Daypack Backpack - Pink" → backpack,
            # "Chunky Knit Scarf, Merino, 180 cm" → scarf, "Ceramic Teapot with Infuser" → teapot
            # (what follows is specs and parts, not the kind)
            first = _FIRST_CLAUSE_END.split(str(t), 1)[0]
            ws = [w for w in _words(first) if w not in self.colors and not any(ch.isdigit() for ch in w)
                  and singular(w) not in GENERIC]  # "Knife Set" → knife, "Phone 15 Pro" → phone
            if ws:
                heads.add(singular(ws[-1]))
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

    def group_mask(self, group: str) -> np.ndarray:
        cats = {c for c in self.categories if set(map(singular, _words(c))) & {singular(w) for w in GROUPS[group]}}
        return _any_code(self._cat_code, [j for j, c in enumerate(self._cat_names) if c in cats])

    def color_mask(self, color: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Items of that colour (of the given catalog rows only, when given)."""
        c = COLOR_ALIASES.get(color, color)
        names = {color, c} | {k for k, v in COLOR_ALIASES.items() if v == c}
        codes = [j for j, v in enumerate(self._color_names) if set(_words(str(v))) & names]  # "dark blue" is blue
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


def parse_turn(text: str, vocab: Vocabulary | None = None) -> TurnIntent:
    text = normalize_text(text)
    low = text.lower().replace("’", "'")
    it = TurnIntent(text=text)
    kinds = vocab.kinds if vocab else set(SYNONYMS)
    # membership tests, not a union: a 1M-item catalog's vocabulary has millions of words
    excludable = (lambda w: w in vocab.excludable or w in kinds) if vocab else kinds.__contains__
    colors = vocab.colors if vocab else COLORS
    consumed: list[tuple[int, int]] = []

    def take(m: re.Match) -> None:
        consumed.append(m.span())

    # prices
    for m in PRICE_RANGE.finditer(low):
        a, b = _num(m.group(1)), _num(m.group(2))
        it.price_min, it.price_max = min(a, b), max(a, b)
        take(m)
    if it.price_max is None:
        for m in PRICE_DASH.finditer(low):
            a, b = _num(m.group(1)), _num(m.group(2))
            it.price_min, it.price_max = min(a, b), max(a, b)
            take(m)
    for m in PRICE_MAX.finditer(low):
        if not _inside(m.span(), consumed):
            it.price_max = _num(m.group(1))
            take(m)
    for m in PRICE_MIN.finditer(low):
        if not _inside(m.span(), consumed):
            it.price_min = _num(m.group(1))
            take(m)
    for m in PRICE_AROUND.finditer(low):
        if not _inside(m.span(), consumed):
            v = _num(m.group(1))
            it.price_min, it.price_max = round(v * 0.75, 2), round(v * 1.25, 2)
            take(m)
    if it.price_max is None and it.price_min is None:
        for m in PRICE_BARE.finditer(low):
            if not _inside(m.span(), consumed):
                it.price_max = _num(m.group(1) or m.group(2))
                take(m)
    if it.price_min is not None and it.price_max is not None and it.price_min > it.price_max:
        it.price_min, it.price_max = it.price_max, it.price_min  # "under 20 over 40": read as a range
    if CHEAPER.search(low) and it.price_max is None:
        it.cheaper = True
        consumed.extend(m.span() for m in CHEAPER.finditer(low))
    if PRICIER.search(low) and it.price_min is None:
        it.pricier = True
        consumed.extend(m.span() for m in PRICIER.finditer(low))

    # change of mind ("no wait, sunglasses instead") before negation, so "no wait" is not "no <thing>"
    com = list(CHANGE_OF_MIND.finditer(low))
    it.change_of_mind = bool(com)
    consumed.extend(m.span() for m in com)
    it.additive = bool(ADDITIVE.search(low))
    it.goes_with = bool(GOES_WITH.search(low))

    # negations: "not black", "no backpacks", "without a hood"
    for m in NEGATION.finditer(low):
        if _inside(m.span(), consumed):
            continue
        negated = [singular(w) for w in _words(m.group(1))]
        hit = False
        for w in negated:
            if w in ("wait",):
                break
            c = COLOR_ALIASES.get(w, w)
            if w in colors:
                it.excluded_colors.append(c)
                hit = True
            elif excludable(w):
                it.excluded_kinds.append(w)
                hit = True
            if hit and w not in colors:
                break
        # a negated phrase is never embedded as something wanted: "for filming, not photos"
        # must not pull toward photo cameras, even where "photos" names no kind to exclude
        take(m)

    # what remains: colours and kinds asked for, and the content words
    rest = _strip(low, consumed)
    # "a case for my phone": the kind is the case, not the phone
    head = re.split(r"\b(?:for|to go with|that goes with|to match|matching|with)\b", rest)[0]
    for w in _words(rest):
        s = singular(w)
        if w in colors or s in colors:
            c = COLOR_ALIASES.get(w, w)
            if c not in it.colors and c not in it.excluded_colors:
                it.colors.append(c)
    hw = _words(head)
    for k, w in enumerate(hw):
        s = singular(w)
        if _used_as_verb(hw, k):
            continue  # "print your system prompt", "watch the game": a verb that is also a product
        # a noun compound names the kind by its last noun: a "notebook computer" is a computer,
        # a "phone case" a case; the noun before it only says which (and stays in the content)
        modifier = k + 1 < len(hw) and singular(hw[k + 1]) in kinds
        if s in kinds and not modifier and s not in it.kinds and s not in it.excluded_kinds:
            it.kinds.append(s)
        elif s in kinds and modifier and s not in it.modifiers:
            it.modifiers.append(s)
        g = GROUP_WORDS.get(w) or GROUP_WORDS.get(s)
        if g and g not in it.groups:
            it.groups.append(g)
    if it.kinds:  # "I'd rather wear trousers": the trousers say more than "wear" does
        it.groups = []
    for m in ONLY.finditer(low):
        s = singular(m.group(1))
        if s in kinds and vocab is not None and s in vocab.postings:  # clearly one of the catalog's kinds
            it.only_kinds.append(s)
            if s not in it.kinds:
                it.kinds.append(s)
    if not it.kinds and not it.groups:  # "something for running": no head noun, take the rest
        for w in _words(rest):
            g = GROUP_WORDS.get(w) or GROUP_WORDS.get(singular(w))
            if g and g not in it.groups:
                it.groups.append(g)
    # the sentence encoder reads whole phrases ("a pad for gaming on the sofa"), so content keeps
    # the function words; it is empty when only constraints and filler were said
    meaningful = [w for w in re.findall(r"[\w'-]+", rest) if w not in STOP]
    it.content = " ".join(re.sub(r"[\s,;:.!?]+", " ", rest).split()).strip(" ,.") if meaningful else ""
    only_colours = bool(it.colors) and all(w in colors or singular(w) in colors or w in SHADES for w in meaningful)
    it.qualifies = not (it.kinds or it.groups) and (only_colours or _points_back(_words(rest)))
    return it


_BEFORE_COMPARATIVE = {"something", "anything", "bit", "slightly", "much", "even", "way", "lot", "little", "somewhat"}


def _points_back(words: list[str]) -> bool:
    """"a big one", "something warmer", "a bit smaller", "lighter than that": points back at the
    thing asked for ("one") or compares with it — "a blender" names a new thing, even where the
    catalog has none."""
    for k, w in enumerate(words):
        if w in ("one", "ones"):
            return True
        before = words[k - 1] if k else ""
        after = words[k + 1] if k + 1 < len(words) else ""
        if len(w) > 4 and w.endswith("er") and (before in _BEFORE_COMPARATIVE or after in ("one", "ones", "than")):
            return True
    return False


# a word followed by one of these and not preceded by a determiner is read as a verb ("print your
# photos", "watch the match"), not as the product of the same name ("a watch for my dad")
_VERB_OBJECTS = {"your", "my", "the", "this", "that", "these", "those", "it", "me", "them", "our", "his", "her",
                 "us", "all", "every"}
_DETERMINERS = {"a", "an", "the", "my", "this", "that", "some", "any", "your", "our", "his", "her", "their", "one",
                "new", "another"}


def _used_as_verb(words: list[str], k: int) -> bool:
    nxt = words[k + 1] if k + 1 < len(words) else ""
    return nxt in _VERB_OBJECTS and (k == 0 or words[k - 1] not in _DETERMINERS)


def _num(s: str) -> float:
    return float(s.replace(",", "."))


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a <= span[0] < b or a < span[1] <= b for a, b in spans)


def _strip(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for a, b in sorted(spans):
        if a >= last:
            out.append(text[last:a])
            last = b
    out.append(text[last:])
    return " ".join(" ".join(out).split())


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
    only_kinds: list[str] = field(default_factory=list)  # "only X": the kind that filters
    inferred: list[dict] = field(default_factory=list)  # kinds read by meaning, with confidence (Recommender)

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
            turn.has_image and bool(self.kinds or self.groups)) or photo_after_vague
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
        # "cheaper" / "pricier" are relative to the top pick the shopper was shown
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

    def mask(self, vocab: Vocabulary) -> tuple[np.ndarray, list[str]]:
        """Items that meet the hard constraints; relaxed (and said so) when none would be left."""
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
        if self.price_max is not None:
            apply(vocab.price_hi <= self.price_max + 1e-9, f"a price up to {self.price_max:g}")
        if self.price_min is not None:
            apply(vocab.price_lo >= self.price_min - 1e-9, f"a price from {self.price_min:g}")
        return keep, notes

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
            parts.append("looks like " + " or ".join(f"{x['kind']} ({x['confidence']:.0%} sure)" for x in best))
        return ", ".join(parts)

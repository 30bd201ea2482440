"""What one turn says, whatever its language: the shape every language pack's reader returns
(lang/en.py, lang/zh.py, …), and the small helpers they share."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

MAX_TURN_CHARS = 2000  # a 100,000-character message is cut here before anything reads it


def normalize_text(text: str) -> str:
    """Unicode-normalised, control characters removed, bounded length."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_TURN_CHARS]
    return "".join(ch if (ch.isprintable() or ch in " \n\t") else " " for ch in text).strip()


class CatalogWords(Protocol):
    """What a pack reads of the catalog's own words (dialogue.Vocabulary is the one the app
    builds): named here so the packs need not import dialogue.py, which imports them."""

    kinds: set[str]  # the kinds of thing it sells
    excludable: set[str]  # words a turn may exclude ("no leather")
    colors: set[str]
    postings: dict[str, Any]  # word → the items whose title has it
    currency: str  # ISO code of its prices


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
    # what the thing is for, or goes with, when the words name it first ("for skiing" in "a warm hat
    # for skiing"): a setting, an occasion, a purpose, never the kind itself
    purpose: str = ""
    language: str = "en"  # the language the turn was read in (language.detect_language)
    # a budget in a currency other than the catalog's ("100块" in a shop priced in dollars): not
    # applied, asked about instead (its ISO code; "" when none)
    currency_asked: str = ""

    @property
    def constrains(self) -> bool:
        return bool(
            self.excluded_kinds or self.only_kinds or self.colors or self.excluded_colors or self.cheaper or self.pricier
            or self.price_min is not None or self.price_max is not None or self.change_of_mind
        )


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

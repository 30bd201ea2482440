"""Language packs: the words and rules that read a turn, one small module per language, each of the
same shape (`LANGUAGE`, `read(text, vocab) -> TurnIntent`, `REPLY`: the reply's phrases).

    en.py      English: the full rule set (prices, colours, kinds, exclusions, changes of mind)
    zh.py      Chinese: budgets (美元/刀/块/元, 以内/不超过/…), 便宜点, colours and materials,
               exclusions (不要/别/除了…都行), corrections (算了/不对/还是/换成/其实), 像这样
    others.py  the other languages the multilingual encoder reads: budgets and "not X"

A turn is read by the pack of its own language (language.detect_language, per turn: people mix);
a language with no pack of its own is read by the English one, which then only finds prices and
colours written as digits and English words.
"""
from __future__ import annotations

from ..language import detect_language
from . import en, others, zh
from .reading import CatalogWords, TurnIntent

PACKS = {"en": en, "zh": zh, **{code: others.pack(code) for code in others.LANGUAGES}}


def pack(language: str):
    """The pack for a language code (English for one without a pack)."""
    return PACKS.get(language, en)


def parse_turn(text: str, vocab: CatalogWords | None = None) -> TurnIntent:
    """What one turn says, read by the pack of its language."""
    language = detect_language(text or "")
    it = pack(language).read(text, vocab)
    it.language = language
    return it

"""Which requests the text encoder can read.

The offline text encoder (all-MiniLM-L6-v2) was trained on English: a request written in another
script — Chinese, Cyrillic, Arabic, … — comes out as noise that still scores items with
confidence. Such text is recognised by its Unicode script, so the app and the CLI can say so
instead of answering. Latin-script languages other than English (French, Spanish, …) are not
caught here: MiniLM shares some of their words with English, and answers them less well.
"""
from __future__ import annotations

import unicodedata

MULTILINGUAL_ENCODER = "openclip:xlm-roberta-base-ViT-B-32/laion5b_s13b_b90k"
OFFLINE_TEXT_MODEL = "all-MiniLM-L6-v2"

# open_clip text towers trained on many languages (XLM-RoBERTa, NLLB, mT5, SigLIP i18n)
_MULTILINGUAL_ARCHS = ("xlm", "nllb", "mt5", "i18n", "multilingual")
# Unicode character names start with their script's name, except these
_SCRIPT_NAMES = {"CJK": "Han"}
# how a message names a few scripts; the rest are "<Script> script"
_SCRIPT_WORDS = {"Han": "Chinese characters (Han script)", "Hiragana": "Japanese (Hiragana)",
                 "Katakana": "Japanese (Katakana)", "Hangul": "Korean (Hangul)"}
# at least this share of a request's letters in other scripts: it is not English
_FOREIGN_SHARE = 0.5


def script_of(ch: str) -> str | None:
    """The script of one letter ("Latin", "Han", "Cyrillic", "Hangul", …), None for a non-letter."""
    ch = unicodedata.normalize("NFKC", ch)[:1]  # fullwidth and styled Latin letters are Latin
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    if not name:
        return None
    first = name.split()[0].split("-")[0]
    return _SCRIPT_NAMES.get(first, first.title())


def foreign_script(text: str) -> str | None:
    """The main non-Latin script of `text` when at least half of its letters are in scripts other
    than Latin, else None (English, accented words, a brand name in another script)."""
    counts: dict[str, int] = {}
    for ch in text:
        s = script_of(ch)
        if s is not None:
            counts[s] = counts.get(s, 0) + 1
    letters = sum(counts.values())
    other = {s: n for s, n in counts.items() if s != "Latin"}
    if not letters or sum(other.values()) < _FOREIGN_SHARE * letters:
        return None
    return max(other, key=other.get)


def english_only(encoder_name: str) -> bool:
    """Does this encoder read English only? The offline one does, and so do open_clip models
    whose text tower was trained on English captions (all but XLM-RoBERTa, NLLB, mT5, i18n)."""
    name = (encoder_name or "offline").strip().lower()
    if name == "offline":
        return True
    arch = name.removeprefix("openclip:").split("/")[0]
    return not any(m in arch for m in _MULTILINGUAL_ARCHS)


def _encoder_words(encoder_name: str) -> str:
    name = (encoder_name or "offline").strip()
    return f"the offline text encoder ({OFFLINE_TEXT_MODEL})" if name == "offline" else f"the encoder {name}"


def unreadable_note(text: str, encoder_name: str) -> str | None:
    """A plain-words message when `encoder_name` cannot read `text`, else None."""
    if not english_only(encoder_name):
        return None
    script = foreign_script(text)
    if script is None:
        return None
    written = _SCRIPT_WORDS.get(script, f"{script} script")
    return (f"This request is written in {written}, which {_encoder_words(encoder_name)} cannot read: it "
            f"understands English only, so any products picked for it would be guesses. Please ask in English, "
            f"or start mmcrec with a multilingual encoder: --encoder {MULTILINGUAL_ENCODER}")

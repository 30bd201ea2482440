"""Which requests the text encoder can read.

The offline text encoder (all-MiniLM-L6-v2) was trained on English: a request written in another
script — Chinese, Cyrillic, Arabic, … — comes out as noise that still scores items with
confidence. Such text is recognised by its Unicode script, so the app and the CLI can say so
instead of answering. Latin-script languages other than English (French, Spanish, …) are not
caught here: MiniLM shares some of their words with English, and answers them less well.
"""
from __future__ import annotations

import re
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


# the languages the multilingual sentence encoder reads (multilingual.py: USE multilingual v3)
MULTILINGUAL_LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th",
                                    "tr", "zh"})
# a request's main script, when not Latin, names its language (Han with kana is Japanese)
_SCRIPT_LANGUAGE = {"Han": "zh", "Hiragana": "ja", "Katakana": "ja", "Hangul": "ko", "Cyrillic": "ru",
                    "Arabic": "ar", "Thai": "th"}
# Latin-script languages by their commonest short words (shopping requests are short: two hits decide)
_FUNCTION_WORDS = {
    "en": ("a an the and or for with in on of to my me i im i'm want need some any please show looking under no not "
           "what do does you your have has got is are it this that these those can could would do any "
           "something anything get buy find looking like one ones more less than over but just also too "
           "good nice new cheap under below above around about instead actually wait sorry thanks "
           "he she they his her their him them we our us be was were will shall should am").split(),
    "es": "un una unos unas el la los las y o para con en de del mi me quiero necesito algo por favor busco menos sin no que".split(),
    "fr": "un une des le la les et ou pour avec en de du mon ma je veux cherche quelque chose s'il vous plaît moins sans pas".split(),
    "de": "ein eine einen der die das und oder für mit in von mein meine ich möchte suche brauche etwas bitte unter ohne nicht".split(),
    "it": "un una uno il lo la gli le e o per con in di del mio mia voglio cerco vorrei qualcosa per favore meno senza non".split(),
    "pt": "um uma uns umas o a os as e ou para com em de do da meu minha eu quero preciso procuro algo por favor menos sem não".split(),
    "nl": "een de het en of voor met in van mijn ik wil zoek graag iets alsjeblieft onder zonder niet".split(),
    "pl": "i lub dla z w na mój moja chcę szukam potrzebuję coś proszę poniżej bez nie".split(),
    "tr": "bir ve veya için ile benim istiyorum arıyorum lütfen altında olmadan değil".split(),
}


def detect_language(text: str) -> str:
    """The language of one turn, as a code ("en", "zh", "ru", "es", …). Per turn, not per session:
    people mix. A non-Latin script decides by itself (another script than the ones named here
    gives its name in lower case, e.g. "hebrew"); Latin text is English unless another language's
    short words clearly outnumber English ones."""
    script = foreign_script(text)
    if script is not None:
        if script == "Han" and any(script_of(ch) in ("Hiragana", "Katakana") for ch in text):
            return "ja"
        return _SCRIPT_LANGUAGE.get(script, script.lower())
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.lower())
    hits = {lang: sum(w in vocab for w in words) for lang, vocab in _FUNCTION_WORDS_SETS.items()}
    best = max(hits, key=lambda k: (hits[k], k == "en"))
    # a short request has few such words: one is enough when no English one stands beside it
    enough = hits[best] >= 2 or (hits[best] == 1 and hits["en"] == 0)
    if best != "en" and enough and hits[best] > hits["en"]:
        return best
    if hits["en"] == 0:  # no short words at all ("słuchawki bezprzewodowe"): letters no English word has
        low = text.lower()
        for lang, letters in _LETTERS.items():
            if any(ch in low for ch in letters):
                return lang
    return "en"


# letters of one Latin-script language that English words never use (é, è, à, ç are left out:
# "café", "crème", "façade" are English too)
_LETTERS = {"pl": "łśżźąęćń", "de": "ßäö", "tr": "ğış", "es": "ñ¿¡", "pt": "ãõ"}


# a word English also uses ("do", "me", "no", "a") tells nothing against English
_FUNCTION_WORDS_SETS = {k: frozenset(v) - (set() if k == "en" else set(_FUNCTION_WORDS["en"]))
                        for k, v in _FUNCTION_WORDS.items()}


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


def bridged(text: str, encoder_name: str) -> bool:
    """Is this turn read through the multilingual encoder (multilingual.py)? When the item encoder
    reads English only, the turn is in another language the multilingual encoder reads, and it is
    installed."""
    if not text or not english_only(encoder_name) or detect_language(text) == "en":
        return False
    from .multilingual import available

    return detect_language(text) in MULTILINGUAL_LANGUAGES and available()


def unreadable_note(text: str, encoder_name: str) -> str | None:
    """A plain-words message when no installed encoder can read `text`, else None."""
    if not english_only(encoder_name):
        return None
    script = foreign_script(text)
    if script is None or bridged(text, encoder_name):
        return None
    written = _SCRIPT_WORDS.get(script, f"{script} script")
    return (f"This request is written in {written}, which {_encoder_words(encoder_name)} cannot read: it "
            f"understands English only, so any products picked for it would be guesses. Please ask in English, "
            f"or start mmcrec with a multilingual encoder: --encoder {MULTILINGUAL_ENCODER}")

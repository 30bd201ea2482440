"""One rule for text that comes from outside (the page, the API, files) and may be stored: what every
backend can keep, the same for SQLite and PostgreSQL.

- A lone surrogate ("\\ud800", which JSON can carry) cannot be encoded as UTF-8, so no database can
  keep it and Python's own encoders fail on it later: it becomes U+FFFD (�), as a decoder shows it.
- NUL and the other control characters (but tab and newline) have no meaning in a message or a
  name, and PostgreSQL refuses NUL: they are removed.
- Unicode is NFC-normalised, so the same words typed on two keyboards are the same text.

`clean_text` applies the rule; `unstorable` says what a stored field would refuse (the label store
refuses rather than silently changing what an import file holds).
"""
from __future__ import annotations

import re
import unicodedata

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Text any backend keeps: lone surrogates → U+FFFD, control characters but tab and newline
    removed (a carriage return becomes a newline), NFC."""
    s = _SURROGATE.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", s))


def unstorable(text: str) -> str | None:
    """Why a text field cannot be stored as it is ("a NUL character", "a lone surrogate"), or None."""
    if "\x00" in text:
        return "a NUL character"
    if _SURROGATE.search(text):
        return "a lone surrogate (not valid Unicode)"
    return None

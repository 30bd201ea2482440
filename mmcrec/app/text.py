"""User and catalog text on the page: shown as typed, never as markup."""
from __future__ import annotations

import html
import re
from typing import Any

# Backslash-escaped, these show as typed and can never open a tag, a link or an image (which
# would fetch from another host); CommonMark allows escaping any ASCII punctuation.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~&#])")


def md_escape(text: Any) -> str:
    """User or catalog text, safe inside the chat's Markdown: shown as typed, never as HTML."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def one_line(text: Any, n: int | None = None) -> str:
    """Whitespace collapsed to single spaces, clipped to n characters with an ellipsis."""
    s = " ".join(str(text).split())
    if n is not None and len(s) > n:
        s = s[: n - 1] + "…"
    return s


def plotly_text(text: Any) -> str:
    """Text for a Plotly label or hover: Plotly draws a subset of HTML there (<b>, <a href>, …),
    so <, > and & go in as entities, which it shows as the characters typed."""
    return html.escape(str(text), quote=False)

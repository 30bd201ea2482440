"""The page's stylesheet and scripts, kept as files in static/ (package data: pyproject.toml ships
them) so they read as CSS and JavaScript rather than as Python strings.

    static/app.css            the look on top of the theme: launch_kwargs passes it as css_paths
    static/campaign_keys.js   the Campaigns tab's keys (2/1/0, arrows, Enter), run on each page load
    static/language.js        the interface language on load and on a switch (ui_text.py)
"""
from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
CSS_PATH = STATIC / "app.css"
_HEADER = re.compile(r"\A\s*/\*.*?\*/\s*", re.S)  # a file's opening /* … */ comment


def script(name: str) -> str:
    """static/<name> as Gradio's `js=` takes it: one JavaScript function expression. The file's
    opening comment is for its readers and stays out of the page's config."""
    return _HEADER.sub("", (STATIC / name).read_text(encoding="utf-8"), count=1).strip()

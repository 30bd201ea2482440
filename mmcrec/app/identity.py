"""Who a request is, and what it may do."""
from __future__ import annotations

import importlib.util

from .config import AppConfig
from .text import one_line


def hf_sign_in_available() -> bool:
    """Hugging Face sign-in needs gradio's `oauth` extra (authlib, itsdangerous)."""
    return all(importlib.util.find_spec(m) is not None for m in ("authlib", "itsdangerous"))


def annotator(config: AppConfig, typed: str | None, username: str | None) -> str:
    """The logged-in user when there is a login, else the name typed in the page."""
    if username:
        return str(username).strip()
    if config.auth:
        return ""  # auth on and no user: never trust a typed name
    return one_line(typed or "", 80)


def is_admin(config: AppConfig, who: str) -> bool:
    """MMCREC_ADMINS lists the admins. Unset: everyone is admin on a local run without auth,
    nobody when there is a login (password auth or a Space) — set MMCREC_ADMINS there."""
    if config.admins is None:
        return not config.identity_checked
    return bool(who) and who in config.admins


def admin_hint(config: AppConfig) -> str:
    return " (set MMCREC_ADMINS=name1,name2)" if config.admins is not None or config.identity_checked else ""


def identity_note(config: AppConfig, hf_sign_in: bool) -> str:
    """The name box's hint."""
    if config.auth:
        return "Signed in: labels carry your login name."
    if hf_sign_in:
        return "Sign in with Hugging Face to label."
    return "Your name is remembered in this browser."

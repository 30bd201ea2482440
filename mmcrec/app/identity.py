"""Who a request is, and what it may do: the one place that decides.

With a login — password auth (MMCREC_AUTH) or Hugging Face sign-in on a Space — a request is the
signed-in user (gr.Request.username, gr.OAuthProfile.username), and a name typed in the page or
sent over the API is ignored. Without a login, the typed name only tells annotators apart: it
never grants a role.

Admins (export labels, train, promote, roll back): with MMCREC_ADMINS set, the signed-in users it
lists — a typed name is never enough, so without a login nobody is an admin. Unset: everyone on a
local run without a login (one person at their own machine), nobody once there is a login or
the app runs on a Space.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

from ..plain_text import clean_text
from .config import AppConfig
from .text import one_line


@dataclass(frozen=True)
class Identity:
    """Who a request is: the name its labels carry ("" when unknown), and whether a login vouches
    for that name (verified) or it was only typed."""

    name: str = ""
    verified: bool = False


class NotAllowed(ValueError):
    """The request may not do this (not signed in, not an admin); nothing was changed."""


def hf_sign_in_available() -> bool:
    """Hugging Face sign-in needs gradio's `oauth` extra (authlib, itsdangerous)."""
    return all(importlib.util.find_spec(m) is not None for m in ("authlib", "itsdangerous"))


@dataclass(frozen=True)
class Access:
    """The app's login set-up, deciding who each request is and what it may do."""

    passwords: bool = False  # password login (MMCREC_AUTH)
    hf_sign_in: bool = False  # Hugging Face sign-in (on a Space, with gradio[oauth])
    admins: frozenset[str] | None = None  # MMCREC_ADMINS; None = unset
    on_space: bool = False  # a Space is never a local run, even without a login

    @classmethod
    def of(cls, config: AppConfig, hf_sign_in: bool) -> "Access":
        admins = None if config.admins is None else frozenset(config.admins)
        return cls(bool(config.auth), bool(hf_sign_in), admins, bool(config.on_space))

    @property
    def login(self) -> bool:
        return self.passwords or self.hf_sign_in

    def identify(self, typed: str | None, request: Any = None, profile: Any = None) -> Identity:
        """The request's identity: the signed-in user with a login (`request.username` for
        passwords, the gr.OAuthProfile for Hugging Face; anonymous when nobody is signed in), else
        the typed name, unverified."""
        if not self.login:
            return Identity(one_line(clean_text(typed) if isinstance(typed, str) else "", 80), verified=False)
        user = getattr(request, "username", None) if self.passwords else None
        if not user and self.hf_sign_in and profile is not None:
            user = getattr(profile, "username", None)
        user = str(user or "").strip()
        return Identity(user, verified=True) if user else Identity()

    def is_admin(self, who: Identity) -> bool:
        if self.admins is None:
            return not self.login and not self.on_space
        return who.verified and who.name in self.admins

    def require_admin(self, who: Identity, what: str) -> None:
        """Raises NotAllowed, saying what is missing, unless `who` is an admin."""
        if self.is_admin(who):
            return
        if self.admins is None:
            why = " (set MMCREC_ADMINS=name1,name2)"
        elif not self.login:
            why = (": admin actions need a login (MMCREC_AUTH, or Hugging Face sign-in on a Space); "
                   "a typed name is not one")
        elif not who.verified:
            why = ": sign in first"
        else:
            why = ""
        raise NotAllowed(f"Only admins can {what}{why}.")

    def annotator(self, who: Identity) -> str:
        """The name labels are written under, and read back for: the signed-in user with a login
        (NotAllowed when nobody is signed in), else the typed name ("" when none was typed)."""
        if self.login and not who.verified:
            raise NotAllowed("Sign in first: with a login, labels carry the signed-in name.")
        return who.name

    def campaign_annotator(self, who: Identity) -> str:
        """The name a campaign's claims and grades are written under. On a public Space they need
        a login: a claim holds a request's slot for its whole time, and typed names cost nothing,
        so twenty made-up ones could hold every slot of a campaign."""
        if self.on_space and not self.login:
            raise NotAllowed("On a public Space, campaigns need a sign-in (Hugging Face sign-in or MMCREC_AUTH): "
                             "a typed name could hold every request's slot.")
        return self.annotator(who)

    def note(self) -> str:
        """The name box's hint."""
        if self.passwords:
            return "Signed in: labels carry your login name."
        if self.hf_sign_in:
            return "Sign in with Hugging Face to label."
        return "Your name is remembered in this browser (it only tells annotators apart)."

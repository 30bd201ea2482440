"""The app's one boundary with its callers: the page, gradio_client, /gradio_api/call|run/<name> and
the page's hidden events (fn_index) all arrive here with whatever JSON they like.

Each handler checks its arguments with the small functions below (types, finite numbers in range,
lengths, text cleaned by plain_text's rule) and is wrapped in `guarded`, which turns every failure
into one clear line for the caller: a `Refusal` (a `BadRequest`, a refused rating or model action)
or another known refusal says what was wrong;
anything else is logged (one line with a reference, the traceback at debug level) and answered
"something went wrong … (ref …)", never with Python's own words or a server path.
"""
from __future__ import annotations

import functools
import logging
import math
import re
import uuid
from typing import Any, Callable

import gradio as gr

from ..images import ImageError
from ..labels import FeedbackError
from ..plain_text import clean_text
from ..registry import RegistryError
from .identity import NotAllowed

logger = logging.getLogger(__name__)

MAX_MESSAGE = 2000  # characters in one chat message (the page's box stops at the same number)
MAX_NAME = 80  # characters in an annotator or campaign name
MAX_SHORT = 200  # characters in an id, a version name or a reason
# what one visitor can hold on the server: a conversation (gr.State) is dropped after this long
# without a call, and the oldest go first beyond this many live ones (each holds at most a
# PHOTO_SIDE photo and the last recommendation: ~1 MB)
SESSION_IDLE_S = 2 * 3600
MAX_LIVE_SESSIONS = 1000
MAX_QUEUED = 256  # calls waiting in the queue; more are turned away at once ("queue is full")


class Refusal(ValueError):
    """A request the app turns down, with a message meant for its caller; nothing was changed.
    The app's own refusals derive from it (BadRequest, ratings.FeedbackInputError,
    model_check.ModelTabError), so `guarded` knows them without importing their modules."""


class BadRequest(Refusal):
    """An argument a handler cannot take; the message says which and why, in one line."""


# -- arguments -------------------------------------------------------------------------------------


def text_arg(value: Any, what: str, limit: int = MAX_SHORT, *, required: bool = False) -> str:
    """A text argument, cleaned (plain_text.clean_text) and stripped; None reads as "". Refused when it
    is not text, is longer than `limit` characters, or is empty while required."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadRequest(f"{what} must be text, got {_kind(value)}")
    s = clean_text(value).strip()
    if len(s) > limit:
        raise BadRequest(f"{what} is too long ({len(s):,} characters; at most {limit:,})")
    if required and not s:
        raise BadRequest(f"{what} is empty")
    return s


def number_arg(value: Any, what: str, lo: float, hi: float, *, integer: bool = False,
               default: float | None = None) -> float:
    """A finite number in [lo, hi] (an integer when asked); None gives `default` when there is one.
    NaN, ±inf, booleans, text and numbers out of range are refused."""
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str):  # a form field may send "0.5"
            try:
                value = float(value)
            except ValueError:
                raise BadRequest(f"{what} must be a number, got {_kind(value)}") from None
        else:
            raise BadRequest(f"{what} must be a number, got {_kind(value)}")
    x = float(value)
    if not math.isfinite(x):
        raise BadRequest(f"{what} must be a finite number, got {value!r}")
    if not lo <= x <= hi:
        raise BadRequest(f"{what} must be between {lo:g} and {hi:g}, got {x:g}")
    if integer and not x.is_integer():
        raise BadRequest(f"{what} must be a whole number, got {x:g}")
    return x


def alpha_arg(value: Any) -> float | None:
    """α from the slider or an API call: None (the served model's own) or a finite number in [0, 1]."""
    return None if value is None else number_arg(value, "α", 0.0, 1.0)


def mapping_arg(value: Any, keys: tuple[str, ...]) -> dict[str, str]:
    """What the browser remembers (gr.BrowserState): only `keys`, each one line of clean text of at
    most MAX_NAME characters; anything else an API client sends is dropped (it goes back to the
    browser, so nothing unchecked may ride along)."""
    if not isinstance(value, dict):
        return {}
    return {k: " ".join(clean_text(value[k]).split())[:MAX_NAME] for k in keys if isinstance(value.get(k), str)}


def _kind(value: Any) -> str:
    """What a value is, in a caller's words (JSON's, not Python's)."""
    if value is None:
        return "nothing (null)"
    for types, word in ((bool, "true/false"), ((int, float), "a number"), (str, "text"), (dict, "an object"),
                        ((list, tuple), "a list")):
        if isinstance(value, types):
            return word
    return "a value of another kind"


# -- the wrapper -----------------------------------------------------------------------------------

# absolute paths inside a message (a file the server looked at): only their last part is shown
_PATH = re.compile(r"(?<![\w.~])/(?:[^\s'\"/:,;()]+/)+([^\s'\"/:,;()]*)")


def public_message(message: str) -> str:
    """A refusal as the caller may see it: one line, no server path."""
    return " ".join(_PATH.sub(lambda m: m.group(1) or "…", clean_text(str(message))).split())[:500]


#: refusals that already say what was wrong: answered with their own (cleaned) message
KNOWN_REFUSALS = (Refusal, FeedbackError, NotAllowed, RegistryError, ImageError)


def guarded(fn: Callable) -> Callable:
    """`fn` as an event handler: a known refusal becomes gr.Error with its (cleaned) message; any
    other exception is logged once with a reference and answered without its text. gr.Error passes
    through as raised. The signature is kept, so Gradio still injects gr.Request, gr.Progress, …"""

    @functools.wraps(fn)
    def handler(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except KNOWN_REFUSALS as e:
            raise gr.Error(public_message(str(e)) or "That request was refused.") from None
        except Exception as e:  # noqa: BLE001 — the boundary: nothing unexpected reaches a caller as is
            ref = uuid.uuid4().hex[:8]
            logger.error("ref=%s handler=%s failed: %s: %s", ref, fn.__name__, type(e).__name__,
                         public_message(str(e))[:200])
            logger.debug("ref=%s traceback", ref, exc_info=True)
            raise gr.Error(f"Something went wrong on the server (ref {ref}). Please try again.") from None

    return handler

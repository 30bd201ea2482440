"""One browser tab's conversation: the chat turn (text, a photo, or both), α re-ranking, reset,
the gallery selection, and the example conversations. Plain functions over a `Session`, which
the page keeps in gr.State; each returns the `View` the page shows next."""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..labels import make_label_id
from ..language import unreadable_note
from . import compare
from .boundary import MAX_MESSAGE, BadRequest, alpha_arg, text_arg
from .context import AppContext
from .text import md_escape, one_line

PHOTO_SIDE = 448  # pixels a kept photo has on its longer side: above every encoder's input (224–384)

logger = logging.getLogger(__name__)

try:  # a no-op decorator off Hugging Face Spaces
    import spaces  # type: ignore

    _gpu = spaces.GPU
except Exception:  # noqa: BLE001 — spaces is optional off a Space
    def _gpu(fn=None, **_kw):
        return fn if fn is not None else (lambda f: f)


@dataclass
class Session:
    """One browser tab's conversation (kept in gr.State)."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    dialogue: Any = None  # DialogueState
    last: Any = None  # Recommendation
    messages: list[dict] = field(default_factory=list)  # the chat as shown
    texts: list[str] = field(default_factory=list)  # each turn's text ("" for a photo alone)
    image_sha256: str = ""  # the latest uploaded image of this conversation (its bytes: ctx.upload_bytes)
    image_turn: int | None = None  # the turn it came with (labels record it: docs/contracts.md §4)
    replies: dict[int, dict] = field(default_factory=dict)  # chat message index → reply context
    selected: int | None = None  # gallery index picked for 👍/👎
    rated: dict[str, int] = field(default_factory=dict)  # label_id → current value, this conversation
    annotator: str = ""  # who rated last in this tab (captions show their marks)
    placed_by: dict[str, str] = field(default_factory=dict)  # item_id → version, in an interleaved gallery

    def new_conversation(self) -> None:
        from ..dialogue import DialogueState

        self.session_id = uuid.uuid4().hex
        self.dialogue = DialogueState()
        self.last = None
        self.messages = []
        self.texts = []
        self.image_sha256 = ""
        self.image_turn = None
        self.replies = {}
        self.selected = None
        self.rated = {}
        self.placed_by = {}

    def item_label_id(self, item_id: str, annotator: str | None = None) -> str:
        """The label_id a thumb on this item gets now (by `annotator`, default who rated last)."""
        who = annotator if annotator is not None else self.annotator
        return make_label_id(self.session_id, who, "item", item_id, self.texts, image_sha256=self.image_sha256)


def new_session(session_id: str | None = None) -> Session:
    s = Session()
    s.new_conversation()
    if session_id:
        s.session_id = session_id
    return s


def as_session(s: Session | None) -> Session:
    """The session gr.State holds, or a new one (before the page's load event ran)."""
    return s if isinstance(s, Session) else new_session()


# ----------------------------------------------------------------------------- what the page shows


@dataclass
class View:
    """Everything a turn updates on the page."""

    messages: list[dict]
    gallery: list[tuple[str, str]]
    figures: dict[str, Any]  # turns, alpha, modality, items → plotly Figure (or None)
    explanation: dict
    selected: str
    status: str


def item_caption(rank: int, item: dict, rated: int | None = None, language: str = "en") -> str:
    """A gallery caption; language: the replies' (an item over budget says so in it)."""
    from ..lang import pack

    price = item.get("price")
    p = f" · ${price:,.2f}" if price is not None else ""
    if item.get("over_budget"):  # shown because it is the kind asked for, and said plainly
        p += " (" + pack(language).REPLY["over_caption"].format(amount=_money(item["over_budget"])) + ")"
    mark = {1: " · ✓👍", -1: " · ✓👎"}.get(rated or 0, "")
    return f"{rank}. {one_line(item['title'], 60)}{p} · score {score_text(item['score'])}{mark}"


def _money(x: float) -> str:
    return f"${x:,.2f}".replace(".00", "")


def score_text(score: float) -> str:
    """Three significant digits in plain decimals ("0.0718", "0.0000825"): the scores are shares of
    attention over the whole catalog, and at three decimals every item after the first few read
    "0.000"; below a millionth, "< 0.000001"."""
    if 0 < score < 1e-6:
        return "< 0.000001"
    return np.format_float_positional(float(score), precision=3, fractional=False, trim="-")


def explanation_json(session: Session | None) -> dict:
    """The last recommendation as Recommendation.to_json() (empty before the first turn)."""
    s = as_session(session)
    if s.last is None:
        return {}
    out = s.last.to_json()
    out["session_id"] = s.session_id
    # an item's picture by its name in the catalog, never the server's path to it
    out["items"] = [{**it, "image": public_image_name(it.get("image"))} for it in out.get("items") or []]
    return json.loads(json.dumps(out, default=str))


def public_image_name(ref: Any) -> str:
    """An item image as a caller may see it: a URL as it is, a file by its name only."""
    ref = str(ref or "")
    return ref if ref.startswith(("http://", "https://")) else Path(ref).name


def _language(s: Session) -> str:
    """The language the session's replies are in (the shopper's latest words)."""
    from ..reply import reply_language

    return reply_language(s.dialogue) if s.dialogue is not None else "en"


def selected_text(s: Session) -> str:
    """The line under the gallery, in the replies' language: which product is picked for 👍/👎,
    and its current rating."""
    from ..lang import pack

    say = pack(_language(s)).REPLY
    if s.last is None or s.selected is None or s.selected >= len(s.last.items):
        return say["select_hint"]
    it = s.last.items[s.selected]
    cur = s.rated.get(s.item_label_id(it["item_id"]), 0)
    state = say[{1: "rated_up", -1: "rated_down"}.get(cur, "not_rated")]
    return say["selected"].format(n=s.selected + 1, title=md_escape(one_line(it["title"], 80)), state=state)


def render(ctx: AppContext, s: Session, status: str = "") -> View:
    from ..explain import explain_all

    if s.last is None:
        return View(list(s.messages), [], {"turns": None, "alpha": None, "modality": None, "items": None}, {},
                    selected_text(s), status)
    language = _language(s)
    gallery = [(ctx.thumbnail(it), item_caption(r, it, s.rated.get(s.item_label_id(it["item_id"])), language))
               for r, it in enumerate(s.last.items, start=1)]
    return View(list(s.messages), gallery, explain_all(s.last), explanation_json(s), selected_text(s), status)


# ----------------------------------------------------------------------------- the chat turn


def _message_parts(message: Any) -> tuple[str, list[str]]:
    """MultimodalTextbox value (dict with text and files), or plain text: the text cleaned
    (plain_text's rule) and at most MAX_MESSAGE characters; BadRequest for anything else."""
    if message is None:
        return "", []
    if isinstance(message, str):
        return text_arg(message, "the message", MAX_MESSAGE), []
    if not isinstance(message, dict):
        raise BadRequest("the message must be text, or {\"text\": …, \"files\": […]}")
    text = text_arg(message.get("text"), "the message", MAX_MESSAGE)
    files = message.get("files") or []
    if not isinstance(files, list):
        raise BadRequest("the message's files must be a list")
    out = []
    for f in files:
        if isinstance(f, dict):
            f = f.get("path") or ""
        if not isinstance(f, str):
            raise BadRequest("each file of the message is a path or {\"path\": …}")
        if f:
            out.append(f)
    return text, out


@_gpu
def _recommend(rec, state, k: int, alpha: float | None, served=None):
    """The work that may touch an accelerator: encoding the new turn and scoring."""
    return rec.recommend(state, k=k, alpha=alpha, served=served)


def _gallery(ctx: AppContext, rec, s: Session, alpha: float | None):
    """The served model's recommendation for the dialogue; while a comparison runs (compare.py),
    its team-draft interleaving with the candidate's, which scores with its own α. Sets
    `s.placed_by` (empty when not interleaved). Call with ctx.lock held."""
    result = _recommend(rec, s.dialogue, ctx.config.k, alpha)
    s.placed_by = {}
    running = compare.running(ctx)
    if running is None or running["candidate"] == result.model_version:
        return result
    try:
        candidate = compare.candidate_model(ctx, running["candidate"])
    except Exception:  # noqa: BLE001 — e.g. its folder was removed: shoppers still get the served ranking
        logger.exception("comparison candidate %s cannot be loaded; not interleaving", running["candidate"])
        return result
    other = _recommend(rec, s.dialogue, ctx.config.k, None, candidate)
    result, s.placed_by = compare.interleave(result, other, ctx.config.k,
                                             compare.impression_rng(s.session_id, len(s.dialogue.turns)))
    return result


def chat_turn(ctx: AppContext, message: Any, history: list | None, session: Session | None,
              alpha: float | None = None, progress: Callable | None = None) -> tuple[Session, View]:
    """One user turn: text, a photo, or both. A bad photo, or text in a script the encoder cannot
    read, is answered in the chat (and is not a turn), not raised."""
    from ..dialogue import Turn
    from ..images import ImageError, open_image, release_freed_memory, thumbnail
    from ..reply import plain_reply

    s = as_session(session)
    text, files = _message_parts(message)
    alpha = alpha_arg(alpha)
    if not history and s.texts:  # the chat was cleared (or an API client sent no history): start over
        s.new_conversation()
    if not text and not files:
        return s, render(ctx, s, "Type a message or attach a photo.")
    rec = ctx.rec(progress)
    note = unreadable_note(text, rec.encoder.name)
    if note is not None:  # not a turn: nothing scored, no picks that would only be guesses
        said = (f"📎 {md_escape(one_line(Path(files[0]).name, 60))}\n\n" if files else "") + md_escape(text)
        s.messages.append({"role": "user", "content": said})
        if files:
            note += " (Or send the photo alone: pictures need no words.)"
        s.messages.append({"role": "assistant", "content": md_escape(note)})
        return s, render(ctx, s, "Not answered: the message is in a script the encoder cannot read.")

    img = data = None
    sha = shown = ""
    if files:
        path = files[0]
        try:
            img = open_image(path)  # size, bomb and format checks before anything else sees it
            data = Path(path).read_bytes()
            sha, shown = ctx.save_upload(data, img)
            # the session keeps no full-size picture: the encoder's pixels are all it needs again
            big = img.width * img.height > 4 * PHOTO_SIDE**2
            img = thumbnail(img, PHOTO_SIDE)
            if big:
                release_freed_memory()
        except (ImageError, OSError) as e:
            name = one_line(Path(path).name, 60)
            s.messages.append({"role": "user", "content": f"📎 {md_escape(name)}" + (f"\n\n{md_escape(text)}" if text else "")})
            msg = str(e) if isinstance(e, ImageError) else "the file could not be read"
            s.messages.append({"role": "assistant",
                               "content": f"⚠️ I couldn't use that image: {md_escape(msg)}. "
                                          "Please try a PNG, JPEG or WebP photo."})
            return s, render(ctx, s, "The image was not used.")

    user_content: list = []
    if shown:
        user_content.append({"path": shown, "alt_text": "your photo"})
    if text:
        user_content.append(md_escape(text))
    s.messages.append({"role": "user", "content": user_content if len(user_content) > 1 else user_content[0]})

    with ctx.lock:
        st = s.dialogue
        st.shown_prices = [it["price"] for it in (s.last.items[:5] if s.last else []) if it.get("price") is not None]
        st.add(Turn(text, img, sha, shown), rec.vocab)
        result = _gallery(ctx, rec, s, alpha)
        reply = plain_reply(result, st, rec.vocab.categories, rec.vocab.currency)
    s.texts.append(text)
    if data is not None:
        s.image_sha256, s.image_turn = sha, len(s.texts) - 1
    s.last = result
    s.selected = None
    s.messages.append({"role": "assistant", "content": md_escape(reply)})
    s.replies[len(s.messages) - 1] = {
        "reply_index": len(s.texts) - 1,
        "turns": list(s.texts),
        "image_sha256": s.image_sha256,
        "image_turn": s.image_turn,
        "alpha": result.alpha,
        "model_version": result.model_version,
        "plain": reply,
        "said": text,
        "top": result.items[0]["title"] if result.items else "",
    }
    return s, render(ctx, s)


def rephrase_last_reply(ctx: AppContext, session: Session | None) -> tuple[Session, bool]:
    """After the turn is shown: let the chat model (when on) rephrase the last answer."""
    s = as_session(session)
    if ctx.phraser is None or not s.replies:
        return s, False
    idx = max(s.replies)
    if idx != len(s.messages) - 1:  # a newer message came in meanwhile
        return s, False
    c = s.replies[idx]
    text = ctx.phraser.rephrase(c["plain"], c["said"], c["top"])
    if text is None or idx != len(s.messages) - 1:
        return s, False
    s.messages[idx] = {"role": "assistant", "content": md_escape(text)}
    return s, True


def rerank(ctx: AppContext, session: Session | None, alpha: float) -> tuple[Session, View]:
    """Re-rank the current conversation with another α: turn encodings are cached, nothing is
    encoded again."""
    s = as_session(session)
    alpha = alpha_arg(alpha)
    if s.last is None or not s.dialogue.turns:
        return s, render(ctx, s)
    rec = ctx.rec()
    with ctx.lock:
        s.last = _gallery(ctx, rec, s, alpha)
    s.selected = None
    return s, render(ctx, s, f"Re-ranked with α = {s.last.alpha:.2f}.")


def reset(ctx: AppContext, session: Session | None) -> tuple[Session, View]:
    s = as_session(session)
    s.new_conversation()
    return s, render(ctx, s, "New conversation.")


def select_item(session: Session | None, index: int | None) -> tuple[Session, str]:
    """A click on a gallery item picks it for 👍/👎."""
    s = as_session(session)
    s.selected = index if (s.last is not None and index is not None and 0 <= index < len(s.last.items)) else None
    return s, selected_text(s)


# ----------------------------------------------------------------------------- examples


PHOTO_TURN = "📷"  # in a walkthrough: the example photo sent alone (example_photo)
WALKTHROUGHS = {
    "The vague shopper": ["I need a gift for my sister", "something to wear, under $40", "not black"],
    "Photo first": [PHOTO_TURN, "like this but in blue", "cheaper"],
    "Change of mind": ["show me some hats", "no wait, sunglasses instead"],
    "Refine a kind": ["running shoes", "in blue", "cheaper"],
}


def example_photo(ctx: AppContext) -> Path | None:
    """The examples' sneaker photo: the demo catalog's white runner (so "like this but in blue"
    asks for a change, and "cheaper" leaves some); None on a catalog without it."""
    cand = Path(str(ctx.config.catalog)).expanduser().resolve().parent / "images" / "sho-004.webp"
    return cand if cand.is_file() else None


def example_messages(ctx: AppContext) -> list[dict]:
    """Starters for gr.Examples: the walkthroughs' first turns, and a photo when one is at hand."""
    ex: list[dict] = [
        {"text": "I need a gift for my sister", "files": []},
        {"text": "show me some hats", "files": []},
        {"text": "something to wear, under $40", "files": []},
    ]
    photo = example_photo(ctx)
    if photo is not None:
        ex.append({"text": "", "files": [str(photo)]})
        ex.append({"text": "like this but in blue", "files": [str(photo)]})
    return ex


def play_walkthrough(ctx: AppContext, name: str, session: Session | None, alpha: float | None) -> tuple[Session, View]:
    """Reset and play one of the example conversations turn by turn."""
    s = as_session(session)
    turns = WALKTHROUGHS.get(name)
    if not turns:
        return s, render(ctx, s, "Pick an example conversation.")
    photo = example_photo(ctx)
    if PHOTO_TURN in turns and photo is None:
        return s, render(ctx, s, "This example needs a photo, and none is at hand for this catalog.")
    s.new_conversation()
    view = None
    for t in turns:
        message = {"text": "", "files": [str(photo)]} if t == PHOTO_TURN else {"text": t, "files": []}
        s, view = chat_turn(ctx, message, s.messages, s, alpha)
    return s, view

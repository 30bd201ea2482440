"""Thumbs on items and on replies, stored as labels with their full context (docs/contracts.md §4), and
each annotator's own ratings. Plain functions over a chat `Session`."""
from __future__ import annotations

from typing import Any

from ..labels import FeedbackError, Label, make_label_id
from ..logs import request_context
from .boundary import Refusal
from .chat import Session, as_session
from .context import AppContext
from .text import md_escape, one_line

LABEL_ICONS = {1: "👍", -1: "👎", 0: "retracted"}
RATINGS_COLUMNS = ["when (UTC)", "rated", "what", "conversation", "this browser session"]


class FeedbackInputError(Refusal):
    """Bad feedback input; nothing was written. The page shows it as gr.Error."""


def record_feedback(ctx: AppContext, session: Session | None, target: str, key: Any, label: Any,
                    annotator: str) -> tuple[Session, Any]:
    """Store one label with its full context (docs/contracts.md §4); returns the stored Label, or a
    QueuedLabel (labels/outbox.py) when the label store did not answer in time: it is kept on this
    server and written under the same label_id when the store is back.

    target "item": key is an item_id (rank and score come from the gallery shown, when it is
    there); target "reply": key is the reply's index (0 = first answer) in this conversation.
    Raises FeedbackInputError (nothing written) for bad input.
    """
    s = as_session(session)
    who = (annotator or "").strip()
    if not who:
        raise FeedbackInputError("Please enter your name (top of the page) before rating, so labels can be told apart.")
    try:
        value = float(label)
    except (TypeError, ValueError):
        raise FeedbackInputError(f"label must be 1 (👍), -1 (👎) or 0 (retract), got {label!r}") from None
    if value not in (-1.0, 0.0, 1.0):
        raise FeedbackInputError(f"label must be 1 (👍), -1 (👎) or 0 (retract), got {label!r}")
    value_i = int(value)
    target = str(target or "").strip().lower()
    catalog_id = ctx.rec().catalog.catalog_id
    if target == "item":
        item_id = str(key or "").strip()
        if item_id not in ctx.known_items:
            raise FeedbackInputError(f"unknown item id {item_id!r}: it is not in the catalog")
        if not s.texts:
            raise FeedbackInputError("there is no conversation to rate yet: send a message first")
        rank = score = None
        alpha = s.last.alpha if s.last is not None else None
        for r, it in enumerate(s.last.items if s.last is not None else [], start=1):
            if it["item_id"] == item_id:
                rank, score = r, float(it["score"])
                break
        lab = Label(
            label_id=s.item_label_id(item_id, who),
            session_id=s.session_id, annotator=who, model_version=s.last.model_version if s.last else ctx.model_version,
            catalog_id=catalog_id, turns=list(s.texts), image_sha256=s.image_sha256, item_id=item_id,
            rank=rank, score=score, alpha=alpha, target="item", label=value_i,
            placed_by=s.placed_by.get(item_id, "") if rank is not None else "",
            image_turn=s.image_turn if s.image_sha256 else None,
        )
        image = ctx.upload_bytes(s.image_sha256) if s.image_sha256 else None
    elif target == "reply":
        try:
            idx = int(float(key))
        except (TypeError, ValueError):
            raise FeedbackInputError(f"a reply is named by its index (0, 1, …), got {key!r}") from None
        ctxs = [c for c in s.replies.values() if c["reply_index"] == idx]
        if not ctxs:
            raise FeedbackInputError(f"there is no reply #{idx} in this conversation")
        c = ctxs[-1]
        lab = Label(
            label_id=make_label_id(s.session_id, who, "reply", idx, c["turns"], image_sha256=c["image_sha256"]),
            session_id=s.session_id, annotator=who, model_version=c["model_version"], catalog_id=catalog_id,
            turns=list(c["turns"]), image_sha256=c["image_sha256"], item_id="", rank=idx, score=None,
            alpha=c["alpha"], target="reply", label=value_i,
            image_turn=c.get("image_turn") if c["image_sha256"] else None,
        )
        image = ctx.upload_bytes(c["image_sha256"]) if c["image_sha256"] else None
    else:
        raise FeedbackInputError(f"target must be 'item' or 'reply', got {target!r}")
    try:
        with request_context(s.session_id[:8]):
            stored = ctx.outbox.record(lab, image_bytes=image, known_items=ctx.known_items)
    except FeedbackError as e:
        raise FeedbackInputError(str(e)) from e
    s.rated[stored.label_id] = stored.label
    s.annotator = who
    return s, stored


def toggle_value(ctx: AppContext, s: Session, target: str, key: Any, wanted: int, annotator: str) -> int:
    """A second click on the same thumb retracts it. The value it has: this session's, else one
    waiting in the outbox, else the store's (none while the store does not answer)."""
    if target == "item":
        lid = s.item_label_id(key, annotator)
    else:
        c = [c for c in s.replies.values() if c["reply_index"] == int(key)]
        if not c:
            return wanted
        lid = make_label_id(s.session_id, annotator, "reply", int(key), c[-1]["turns"], image_sha256=c[-1]["image_sha256"])
    cur = s.rated.get(lid)
    if cur is None:
        queued = ctx.outbox.latest(lid)
        if queued is not None:
            cur = queued.label
        elif ctx.outbox.online:
            try:
                got = ctx.store.get(lid)
                cur = got.label if got is not None else 0
            except FeedbackError:
                cur = 0
    return 0 if cur == wanted else wanted


def rate_selected(ctx: AppContext, session: Session | None, wanted: int, annotator: str) -> tuple[Session, str]:
    """👍/👎 under the gallery, on the selected product."""
    s = as_session(session)
    if s.last is None or s.selected is None or s.selected >= len(s.last.items):
        raise FeedbackInputError("Select a product in the gallery first.")
    item_id = s.last.items[s.selected]["item_id"]
    with ctx.store.deadline():  # the lookup and the write together: one call bound for the click
        value = toggle_value(ctx, s, "item", item_id, wanted, (annotator or "").strip())
        s, stored = record_feedback(ctx, s, "item", item_id, value, annotator)
    return s, confirmation(stored, s.last.items[s.selected]["title"])


def rate_reply(ctx: AppContext, session: Session | None, message_index: int, liked: Any,
               annotator: str) -> tuple[Session, str]:
    """Chatbot.like on an assistant message: liked True → 👍, False → 👎, "" → retracted.

    The Chatbot keeps the thumb state itself: a second click on the same thumb sends "" (it
    un-selects), so the value is taken as sent, with no toggling here."""
    s = as_session(session)
    c = s.replies.get(int(message_index))
    if c is None:
        raise FeedbackInputError("Only the assistant's answers to a request can be rated.")
    value = 1 if liked is True else -1 if liked is False else 0
    s, stored = record_feedback(ctx, s, "reply", c["reply_index"], value, annotator)
    return s, confirmation(stored, f"answer #{c['reply_index'] + 1}")


#: the status line's second sentence when a label waits in the outbox
KEPT_NOTE = ("The label store is not answering; your rating is kept on this server and will be saved "
             "when the store is back.")


def confirmation(stored, what: str) -> str:
    """The status line after a thumb: what was saved, for what, by whom (and that it waits on this
    server when the label store did not answer)."""
    where = f"for *{md_escape(one_line(what, 60))}* (label {stored.label_id[:8]}, by {md_escape(stored.annotator)})"
    if getattr(stored, "queued", False):
        verb = {1: "👍 kept", -1: "👎 kept", 0: "rating taken back"}[stored.label]
        return f"⏳ {verb} {where}. {KEPT_NOTE}"
    verb = {1: "👍 saved", -1: "👎 saved", 0: "rating taken back"}[stored.label]
    return f"✓ {verb} {where}."


def my_ratings(ctx: AppContext, annotator: str, session: Session | None = None, limit: int = 200) -> list[list[str]]:
    """This annotator's labels, newest first, as rows for a table (restored after a reload); those
    waiting in the outbox too, marked ⏳ (only those while the label store does not answer)."""
    who = (annotator or "").strip()
    if not who:
        return []
    have: dict[str, Label] = {}
    if ctx.outbox.online:
        try:
            have = ctx.store.labels_for(who)
        except FeedbackError:
            pass
    for row in ctx.outbox.pending(who).rows:  # oldest first: the newest value of a label wins
        if "label" in row:
            have[row["label"].label_id] = row["label"]
    labs = sorted(have.values(), key=lambda lab: lab.created_at, reverse=True)[:limit]
    titles = ctx.item_titles({lab.item_id for lab in labs if lab.item_id})
    sid = session.session_id if isinstance(session, Session) else None
    rows = []
    for lab in labs:
        what = f"{one_line(titles.get(lab.item_id, lab.item_id), 50)} ({lab.item_id})" if lab.target == "item" \
            else f"answer #{(lab.rank or 0) + 1}"
        conv = " → ".join(t if t else "[photo]" for t in lab.turns)
        icon = LABEL_ICONS.get(lab.label, str(lab.label)) + (" ⏳ waits" if getattr(lab, "queued", False) else "")
        rows.append([lab.created_at[:19].replace("T", " "), icon, what,
                     one_line(conv, 80), "yes" if lab.session_id == sid else ""])
    return rows

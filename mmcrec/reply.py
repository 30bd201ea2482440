"""The assistant's reply: what was understood, why the top items fit, or a clarifying question.

The plain reply is built from the recommendation itself and is always available at once; a chat
model may rephrase it (see `ReplyModel`), but the gallery never waits for it.
"""
from __future__ import annotations

from .dialogue import DialogueState
from .recommender import Recommendation


def _price(p) -> str:
    return "" if p is None else f"${p:,.2f}".replace(".00", "")


def clarifying_question(state: DialogueState, categories: list[str]) -> str:
    cats = ", ".join(categories[:6]) if categories else "clothes, gadgets, home things"
    return (
        "Happy to help! To narrow it down: what are they into — for example "
        f"{cats}? And is there a budget I should stay under? Meanwhile, here is a varied first selection."
    )


def plain_reply(rec: Recommendation, state: DialogueState, categories: list[str]) -> str:
    if rec.vague:
        return clarifying_question(state, categories)
    lines = []
    if rec.summary:
        lines.append(f"Understood: {rec.summary}.")
    elif state.turns and state.turns[-1].has_image and not state.turns[-1].text.strip():
        lines.append("Looking for things like your photo.")
    for note in rec.notes:
        lines.append(f"Note: {note}.")
    if not rec.items:
        lines.append("Nothing in the catalog fits all of that. Try loosening a constraint (price, colour or kind).")
        return " ".join(lines)
    top = rec.items[0]
    why = []
    share_r = top["alpha_contribution"]["m_r"] / max(top["score"], 1e-12)
    if rec.modality_weights["image"] > 0.5:
        why.append("it looks most like your photo" if top["modality"]["image"] > 0.5 else "its description matches your photo")
    elif share_r >= 0.5:
        why.append("it matches what you asked for most directly")
    else:
        why.append("it fits the whole conversation best")
    if state.colors and top.get("color") in state.colors:
        why.append(f"it is {top['color']}")
    price = _price(top.get("price"))
    lines.append(f"Top pick: {top['title']}{f' ({price})' if price else ''} — {' and '.join(why)}.")
    if len(rec.items) > 1:
        others = ", ".join(it["title"] for it in rec.items[1:3])
        lines.append(f"Also worth a look: {others}.")
    lines.append(f"{rec.n_candidates} of the catalog's items fit so far.")
    return " ".join(lines)

"""What a recommendation says: the page's items with everything the explanation shows (stage 7
of serving, recommender.py), as the charts (explain.py), the reply (reply.py), the API and
`recommend --json` (docs/contracts.md §5) read it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .dialogue import DialogueState, Turn, Vocabulary
from .memory import BoundMemory, Recall

if TYPE_CHECKING:
    from .catalog import Catalog
    from .kind_reading import KindIndex


@dataclass
class Recommendation:
    """One turn's answer: the page's items (each with its score, α-split, modality, labels and
    what moved it) and the dialogue's side of the explanation (turn attention, what was understood)."""

    model_version: str
    alpha: float
    turn_attention: list[float]
    modality_weights: dict[str, float]
    items: list[dict]
    item_attention: list[float]  # the last turn's attention over the returned items
    understood: dict
    summary: str
    notes: list[str]
    vague: bool
    n_candidates: int  # items the hard constraints (budget, exclusions, "only") leave
    memory: dict | None = None  # the labelled requests the label memory recalled (None: none)
    turn_labels: list[str] = field(default_factory=list)
    n_items: int = 0  # the catalog's items

    def to_json(self) -> dict:
        """The explanation as docs/contracts.md §5 `recommend --json` prints it (plus extras)."""
        return {
            "model_version": self.model_version,
            "alpha": self.alpha,
            "turn_attention": self.turn_attention,
            "modality_weights": self.modality_weights,
            "items": self.items,
            "item_attention": self.item_attention,
            "understood": self.understood,
            "notes": self.notes,
            "vague": self.vague,
            "turns": self.turn_labels,
            "memory": self.memory,
        }


def explain_page(catalog: Catalog, vocab: Vocabulary, kinds: KindIndex, state: DialogueState, s,
                 order: np.ndarray, mem: BoundMemory | None) -> Recommendation:
    """Stage 7 of serving: the page (positions `order` in the arrays of s, recommender.
    DialogueScores) with everything the explanation shows — each item's score and its α-split,
    modality, the labels that moved it, its distance from the budget, what moved it."""
    rows = s.candidates  # the arrays' catalog rows (None: all of them)
    items = []
    evidence = mem.evidence(s.recall) if s.recall else {}
    for i in order:
        r = int(i if rows is None else rows[i])
        row = catalog.item(r)
        price = row.get("price")
        from_labels = 0.0 if s.from_labels is None else float(s.from_labels[i])
        items.append(
            {
                "item_id": row["item_id"],
                "title": row["title"],
                "score": float(s.y[i]),
                "m_r": float(s.m_r[i]),
                "m_c": float(s.m_c[i]),
                "alpha_contribution": {"m_r": float(s.alpha * s.m_r[i]), "m_c": float((1 - s.alpha) * s.m_c[i])},
                "from_labels": from_labels,  # score = α·m_r + (1 − α)·m_c + from_labels
                "labels": evidence.get(r),
                "modality": {"image": float(s.beta[i]), "text": float(1 - s.beta[i])},
                "price": None if price is None or (isinstance(price, float) and np.isnan(price)) else float(price),
                # how far outside the budget (0: inside it, or no budget): the page says so
                "over_budget": state.over_budget(None if price is None else float(price)),
                "moved_by": moved_by(kinds, vocab, state, r, row, float(s.beta[i])),
                "category": row.get("category", ""),
                "color": row.get("color", ""),
                "description": row.get("description", ""),
                "image": row["image"],
            }
        )
    ia = s.last_attention[order]
    return Recommendation(
        model_version=s.model.version,
        alpha=s.alpha,
        turn_attention=[float(x) for x in s.turn_attention],
        modality_weights=({"image": float(s.image_share), "text": float(1 - s.image_share)} if s.live
                          else {"image": 0.0, "text": 1.0}),
        items=items,
        item_attention=[float(x) for x in (ia / ia.sum() if ia.sum() > 0 else ia)],
        understood=state.understood(),
        summary=state.summary(),
        notes=s.notes,
        vague=state.is_vague,
        n_candidates=s.n_eligible,
        n_items=vocab.n,
        memory=recall_summary(s.recall, mem),
        turn_labels=[turn_label(t, with_photo=state.photo_turn(j) not in (None, j)) for j, t in enumerate(state.turns)],
    )


def moved_by(kinds: KindIndex, vocab: Vocabulary, state: DialogueState, r: int, row: dict, picture: float) -> dict:
    """What of the dialogue moved one item (the explanation): the kind it was read as, at
    what grain and how surely; whether it has the wanted colour; where it stands against the
    budget; how much its picture counted."""
    kind = next(({k: g[k] for k in ("kind", "confidence", "within") if k in g}
                 for g in sorted(state.inferred or [], key=lambda g: -g["confidence"])
                 if kinds.covers(g["kind"], r)), None)
    colour = bool(state.color_match(vocab, np.array([r]))[0]) if state.colors else None
    price = row.get("price")
    budget = None
    if state.has_budget and price is not None and not (isinstance(price, float) and np.isnan(price)):
        budget = state.over_budget(float(price))
    return {"kind": kind, "colour": colour, "budget": budget, "picture": picture}

def recall_summary(recall: Recall, mem: BoundMemory | None) -> dict | None:
    """The labelled requests the memory recalled, for the explanation (None: none)."""
    if not recall:
        return None
    return {"threshold": mem.threshold, "requests": [
        {"turns": list(mem.memory.entries[e].get("turns") or []), "similarity": float(sim), "weight": float(g)}
        for e, sim, g in zip(recall.entries, recall.sims, recall.weights)]}


def turn_label(t: Turn, with_photo: bool = False) -> str:
    """A turn as the charts name it; with_photo: its words are matched with an earlier photo."""
    text = " ".join(t.text.split())
    if len(text) > 40:
        text = text[:39] + "…"
    if t.has_image:
        return f"[photo] {text}".strip()
    if with_photo:
        return f"[+ photo] {text}"
    return text or "(empty)"

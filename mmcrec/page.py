"""Stage 6 of serving, the page: which k of the scored items are shown, in what order.

The items that meet every constraint come first and the closest others after them when there are
too few. A thing named before what it is for ("a bag for tennis") comes before what its purpose
matches, and a thing named with a colour ("a yellow dress") before other kinds in that colour.
With a budget that orders, the kind asked for within the budget leads, then that kind over it
(the wanted colour first, then the nearest price), then the rest. A vague request gets a varied
first page.
"""
from __future__ import annotations

import numpy as np

from .dialogue import DialogueState, Vocabulary


def page_order(vocab: Vocabulary, state: DialogueState, s, k: int) -> np.ndarray:
    """The k items shown, as positions in the arrays of s (recommender.DialogueScores)."""
    rank_y = s.y if s.strict is None else s.y + s.strict * (1.0 + float(np.abs(s.y).max()))
    named = named_first(vocab, state, s.candidates, rank_y)
    if named is not None:  # "a bag for tennis": the bags, then what the rest of the words match
        rank_y = rank_y + named * (1.0 + float(np.abs(rank_y).max()))
    if s.within is None:
        return top_items(vocab, rank_y, s.mask, k, diverse=state.is_vague, rows=s.candidates)
    return budget_order(vocab, state, s, rank_y, k, s.candidates)


def budget_order(vocab: Vocabulary, state: DialogueState, s, y: np.ndarray, k: int,
                 rows: np.ndarray | None) -> np.ndarray:
    """The page with a budget that orders: the asked kind within budget (best first), then the
    asked kind over it (the wanted colour first, then the nearest price), then other kinds within
    budget, then the rest. Without a kind read, within budget first, then the rest."""
    allowed = s.mask
    within, asked = s.within, s.asked
    picked: list[int] = []

    def take(m: np.ndarray, order_by: np.ndarray | None = None) -> None:
        left = k - len(picked)
        if left <= 0:
            return
        cand = np.flatnonzero(allowed & m)
        cand = cand[~np.isin(cand, picked)]
        if order_by is None:
            top = top_items(vocab, y, np.isin(np.arange(len(y)), cand), left, diverse=False, rows=rows)
        else:
            top = cand[np.lexsort((order_by[cand],))][:left] if cand.size else cand
        picked.extend(int(i) for i in top)

    if asked is not None and asked.any():
        prices = vocab.prices if rows is None else vocab.prices[rows]
        over = state.over_budget_many(prices)
        colour = state.color_match(vocab, rows) > 0
        take(within & asked)
        # the same kind over budget: the wanted colour first, then the nearest price
        take(~within & asked, order_by=over - 1e6 * colour)
        take(within & ~asked)
        take(~within & ~asked)
    else:
        take(within)
        take(~within)
    return np.array(picked, dtype=int)

def named_first(vocab: Vocabulary, state: DialogueState, rows: np.ndarray | None,
                y: np.ndarray | None = None) -> np.ndarray | None:
    """The items of the kind the latest ask names, when its words go on to say what it is for
    ("a bag for tennis", "a vase for red roses"): the thing named comes before the things its
    purpose matches; and of the kind the dialogue names, when it wants a colour. None otherwise,
    or when the shop has none of that kind."""
    if not state.content_of:
        return None
    it = state.intents[state.content_of[-1]]
    grain = False
    if it.purpose and it.kinds:
        kinds = it.kinds
    elif state.colors and state.kinds:
        grain = True
        # a colour counts within the kind: "a red dress" shows the dresses, the red one first,
        # before a red kimono that the colour's word in the query pulls up
        kinds = state.kinds
    else:
        return None
    m = np.zeros(vocab.n, bool)
    for kind in kinds:
        m |= vocab.kind_mask(kind)
    # a named kind read at a narrower grain ("red running shoes": runners, within the shoes) is that
    sure = {g["kind"]: g["confidence"] for g in state.inferred or []}
    grains = [g for g in state.inferred or [] if g.get("within")]
    # (with a purpose the words around the thing pull the grain: "shoes for a beach holiday" are no sneakers)
    inside = [g for g in grains if not (vocab.kind_mask(g["kind"]) & ~m).any()] if grain else []
    # only when the meaning of the words agrees that the named kind is the thing: "warm
    # accessories for winter walks" names a shop's "Computer Accessories" by its word alone
    named = max([sure.get(k, 0.0) for k in kinds] + [g["confidence"] for g in inside])
    if not sure or named < 0.5 or named < 0.9 * max(sure.values()):
        return None
    if inside:
        narrow = np.logical_or.reduce([vocab.kind_mask(g["kind"]) for g in inside])
        # ... when the scores agree, the best match being of that grain (a refining "跑步穿的" read
        # as sandals by meaning, with running shoes on top, keeps the shoes)
        if y is None or (narrow if rows is None else narrow[rows])[int(np.argmax(y))]:
            m = narrow
    for word in it.modifiers:  # a "notebook computer" is no paper notebook
        m &= ~vocab.kind_mask(word)
    m = m if rows is None else m[rows]
    return m.astype(np.float64) if m.any() else None

def top_items(vocab: Vocabulary, y: np.ndarray, mask: np.ndarray, k: int, diverse: bool,
              rows: np.ndarray | None = None) -> np.ndarray:
    """Positions in y of the k best allowed items (rows: y's catalog rows, None = all)."""
    cand = np.flatnonzero(mask)
    if cand.size == 0:
        return cand
    take = min(cand.size, k if not diverse else max(k * 5, 50))
    top = cand[np.argpartition(-y[cand], take - 1)[:take]]
    top = top[np.argsort(-y[top], kind="stable")]
    if not diverse:
        return top[:k]
    # a vague request gets a varied first gallery: at most two items per category
    cats = vocab.category_of if rows is None else vocab.category_of[rows]
    seen: dict = {}
    picked = []
    for i in top:
        if seen.get(cats[i], 0) < 2:
            picked.append(i)
            seen[cats[i]] = seen.get(cats[i], 0) + 1
        if len(picked) == k:
            break
    return np.array(picked, dtype=int)

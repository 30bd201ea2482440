"""A budget orders before it filters (issue 30): the kind the shopper named comes first within the
budget, then the same kind over it — the wanted colour first, then the nearest price — each said
to be over budget, and only then other kinds. A shop that wants nothing over budget shown sets
MMCREC_BUDGET=filter. "not X" stays a filter."""
from __future__ import annotations

import copy

import pytest

from mmcrec.app.chat import item_caption
from mmcrec.dialogue import DialogueState, Turn
from mmcrec.reply import plain_reply


def ask(rec, *turns: str, k: int = 8):
    st = DialogueState()
    for t in turns:
        st.add(Turn(t), rec.vocab)
    r = rec.recommend(st, k=k)
    return r, st


def test_nothing_of_the_kind_in_budget_the_kind_comes_first_nearest_price_first(demo_rec):
    r, st = ask(demo_rec, "a carry-on for a weekend away, under $60")
    top = r.items[:4]  # the catalog's four carry-on suitcases, all over $60
    assert all("carry-on" in it["title"].lower() for it in top), [it["title"] for it in r.items]
    over = [it["over_budget"] for it in top]
    assert all(o > 0 for o in over) and over == sorted(over)  # nearest price first
    assert all(it["over_budget"] == pytest.approx(it["price"] - 60) for it in top)
    assert "over budget" in item_caption(1, top[0])
    reply = plain_reply(r, st, demo_rec.vocab.categories)
    assert "within your budget" in reply and "Nothing of that kind" in reply


def test_the_wanted_colour_comes_first_among_those_over_budget(demo_rec):
    r, _ = ask(demo_rec, "a red carry-on, max $50")
    assert r.items[0]["title"] == "Hard-Shell Carry-On - Red" and r.items[0]["over_budget"] > 0


def test_in_budget_first_then_the_same_kind_over_it_then_other_kinds(demo_rec):
    r, st = ask(demo_rec, "a ceramic teapot, no more than $34", k=10)
    seen = [(it["title"], it["over_budget"]) for it in r.items]
    # the two teapots at $33.99, then the one at $35.99 marked over budget, then other kinds
    assert {t for t, _ in seen[:2]} == {"Ceramic Teapot - Pink", "Ceramic Teapot - White"} and seen[0][1] == 0
    assert seen[2] == ("Ceramic Teapot - Blue", pytest.approx(1.99)), seen
    assert all("teapot" not in t.lower() and o == 0 for t, o in seen[3:]), seen
    assert "1 more of that kind" in plain_reply(r, st, demo_rec.vocab.categories)


def test_a_shop_can_keep_the_budget_a_filter(demo_rec, monkeypatch):
    monkeypatch.setenv("MMCREC_BUDGET", "filter")
    from mmcrec.recommender import Recommender

    rec = Recommender(demo_rec.catalog, demo_rec.index, demo_rec.encoder)
    r, _ = ask(rec, "a carry-on for a weekend away, under $60")
    assert all(it["price"] <= 60 for it in r.items if it["price"] is not None) or "met everything" in " ".join(r.notes)
    assert not any(it["over_budget"] and "carry-on" in it["title"].lower() for it in r.items[:1])


def test_without_a_named_kind_the_budget_still_comes_first(demo_rec):
    r, _ = ask(demo_rec, "something nice for my neighbour, under $15")
    assert all(it["over_budget"] == 0 for it in r.items)


def test_not_x_stays_a_filter(demo_rec):
    r, _ = ask(demo_rec, "a carry-on under $60", "not red")
    assert all("red" not in it["title"].lower() for it in r.items)

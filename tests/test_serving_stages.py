"""The serving path stage by stage (mmcrec/recommender.py): read → candidates → preferences →
score_items → remember → page → explain, each called alone on the demo catalog."""
from __future__ import annotations

import numpy as np

from mmcrec.dialogue import DialogueState, Turn


def dialogue(rec, *turns: str) -> DialogueState:
    st = DialogueState()
    for t in turns:
        st.add(Turn(t), rec.vocab)
    return st


def test_read_keeps_hard_constraints_in_the_mask_and_a_budget_apart(demo_rec):
    st = dialogue(demo_rec, "a mug under $15", "not blue")
    req = demo_rec.read(st, demo_rec.served)
    prices = demo_rec.vocab.prices
    # the budget orders the page instead of filtering it: within is the budget, the mask is "not blue"
    assert req.within is not None and np.all(prices[req.within] <= 15)
    assert req.mask.sum() > req.within.sum()
    colours = demo_rec.catalog.items["color"].astype(str).str.lower().to_numpy()
    assert not any("blue" == c for c in colours[req.mask])
    assert req.turns == 2 and len(req.raws) == 2 and req.alpha == demo_rec.served.model.params.alpha


def test_a_small_catalog_is_scored_whole_and_y_is_the_alpha_mix(demo_rec):
    st = dialogue(demo_rec, "a warm hat for skiing")
    req = demo_rec.read(st, demo_rec.served, alpha=0.3)
    assert demo_rec.candidates(req) is None  # 359 items: no ANN index
    kind, color = demo_rec.soft_preferences(st, req.raws)
    core = demo_rec.score_items(req, None, kind, color)
    assert core.y.shape == (len(demo_rec.catalog),)
    np.testing.assert_allclose(core.y[core.mask], (0.3 * core.m_r + 0.7 * core.m_c)[core.mask], atol=1e-9)
    assert np.isclose(core.turn_weights.sum(), 1.0)


def test_without_a_memory_remember_changes_nothing(demo_rec):
    st = dialogue(demo_rec, "a teapot")
    req = demo_rec.read(st, demo_rec.served)
    kind, color = demo_rec.soft_preferences(st, req.raws)
    core = demo_rec.score_items(req, None, kind, color)
    recall, shift = demo_rec.remember(req.served, req.d, core.turn_weights, core.y, None, req.turns)
    assert not recall and shift is None


def test_page_then_explain_is_recommend(demo_rec):
    st = dialogue(demo_rec, "running shoes under $80")
    s = demo_rec.scores(st, full=False, fill=6)
    order = demo_rec.page(st, s, 6)
    rec = demo_rec.explain(st, s, order, demo_rec.served)
    assert [it["item_id"] for it in rec.items] == [it["item_id"] for it in demo_rec.recommend(st, k=6).items]
    # the budget orders: whatever is within it comes before whatever is over it, kind by kind
    over = [it["over_budget"] > 0 for it in rec.items]
    assert len(rec.items) == 6 and not over[0]
    for it in rec.items:
        a = it["alpha_contribution"]
        assert np.isclose(a["m_r"] + a["m_c"] + it["from_labels"], it["score"])

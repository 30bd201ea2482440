"""The label memory: labelled requests recalled for other wordings of the same need (mmcrec/memory.py,
mmcrec/training/memory.py), end to end through `train_next` and unit by unit."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from mmcrec.catalog import load_catalog
from mmcrec.dialogue import DialogueState, Turn
from mmcrec.explain import explain_alpha
from mmcrec.labels import Label, make_label_id
from mmcrec.memory import LabelMemory, item_hash
from mmcrec.model import Model
from mmcrec.recommender import Recommender
from mmcrec.reply import plain_reply
from mmcrec.registry import Registry
from mmcrec.training import TrainConfig, train_next
from mmcrec.training.memory import EntryVotes, collect, item_values

from conftest import DEMO_CATALOG

FAST = TrainConfig(max_epochs=3, patience=2, expand_pull=(0.0,))

# needs asked in the labels (first wording), and other shoppers' wordings of them (never labelled)
NEEDS = {
    "marathon": ("running shoes for a marathon, under $100", "I need marathon trainers, max 100 dollars"),
    "tea": ("a teapot to brew loose leaf tea", "something to steep my tea leaves in"),
    "music": ("headphones for the train", "something to listen to music on my commute"),
    "kids": ("a toy for a five year old", "a present a small child would play with"),
    "hat": ("a hat to keep the sun off", "something for my head on sunny days"),
}


def ask(rec: Recommender, *turns: str, k: int = 10):
    st = DialogueState()
    for t in turns:
        st.add(Turn(t), rec.vocab)
    return rec.recommend(st, k=k), st


def thumbs(rec: Recommender, need: str, like: list[str], dislike: list[str], sessions: int, start: int = 0,
           annotators: int = 3) -> list[Label]:
    """Shoppers asking a need in its first wording: thumbs up on `like`, down on `dislike`."""
    text = NEEDS[need][0]
    out = []
    for s in range(start, start + sessions):
        who = f"ann{s % annotators}"
        for iid, v in [(i, 1) for i in like] + [(i, -1) for i in dislike]:
            out.append(Label(label_id=make_label_id(f"{need}-{s}", who, "item", iid, [text]), session_id=f"{need}-{s}",
                             annotator=who, created_at=f"2026-01-0{1 + s % 9}T00:00:00Z", turns=[text], item_id=iid,
                             rank=1, target="item", label=v))
    return out


def bottom_of_kind(rec: Recommender, text: str, words: tuple[str, ...], n: int) -> list[str]:
    """Items of the asked kind that the untrained model ranks low (so a lift is visible)."""
    ranked = [it for it in ask(rec, text, k=len(rec.catalog))[0].items]
    kind = [it["item_id"] for it in ranked if any(w in it["title"].lower() for w in words)]
    return kind[-n:]


@pytest.fixture(scope="module")
def trained(demo_rec, tmp_path_factory):
    """A model trained on thumbs for the first wordings of NEEDS (8 sessions each)."""
    rec = demo_rec
    plan = {}
    labels = []
    for need, (text, _) in NEEDS.items():
        top = [it["item_id"] for it in ask(rec, text)[0].items]
        liked = top[3:5]  # the shoppers liked two items from lower down the first page
        disliked = top[:1]  # and disliked the top one
        plan[need] = (liked, disliked)
        labels += thumbs(rec, need, liked, disliked, sessions=8)
    reg = Registry(tmp_path_factory.mktemp("models"))
    res = train_next(labels, rec.catalog, rec, reg, seed=0, config=FAST)
    return res, plan


def test_train_saves_a_label_memory_inside_the_version(trained):
    res, _ = trained
    m = res.model.memory
    assert m is not None and len(m) == len(NEEDS)
    card = res.model.card["memory"]
    assert card["entries"] == len(NEEDS)
    assert 0 < card["threshold"] < 1 and card["strength"] > 0
    assert "fit" in card and card["fit"]["sessions"] >= 4
    # everything a version needs lies inside it: a fresh load serves the same memory
    again = Model.load(res.model_dir)
    assert again.memory is not None and again.memory.entries == m.entries
    np.testing.assert_allclose(again.memory.text, m.text)


def test_another_wording_of_a_rated_need_shows_its_thumbs(demo_rec, trained):
    res, plan = trained
    rec = demo_rec
    liked, disliked = plan["marathon"]
    other = NEEDS["marathon"][1]
    before = [it["item_id"] for it in ask(rec, other, k=len(rec.catalog))[0].items]
    rec.set_model(res.model)
    try:
        r, st = ask(rec, other, k=len(rec.catalog))
    finally:
        rec.set_model(Model())
    after = [it["item_id"] for it in r.items]
    for iid in liked:  # up, or already first for this wording
        assert after.index(iid) <= before.index(iid) and after.index(iid) < 3, (iid, before.index(iid), after.index(iid))
    assert any(after.index(iid) < before.index(iid) for iid in liked), [(before.index(i), after.index(i)) for i in liked]
    assert after.index(disliked[0]) > before.index(disliked[0])
    top = r.items[0]
    assert top["from_labels"] > 0 and top["labels"]["liked_by"] >= 1
    # the score splits into the α parts and the labels' part
    assert top["score"] == pytest.approx(top["alpha_contribution"]["m_r"] + top["alpha_contribution"]["m_c"] + top["from_labels"])
    assert r.memory and r.memory["requests"][0]["turns"] == [NEEDS["marathon"][0]]
    reply = plain_reply(r, st, [])
    assert "liked by" in reply and "similar request" in reply
    fig = explain_alpha(r)
    names = [tr.name for tr in fig.data]
    assert "from labels" in names
    hover = " ".join(fig.data[names.index("from labels")].hovertext)
    assert "liked by" in hover and NEEDS["marathon"][0][:20] in hover


def test_a_need_nobody_rated_is_ranked_exactly_as_before(demo_rec, trained):
    res, _ = trained
    rec = demo_rec
    new_need = "a vase for fresh flowers"
    base = Model(res.model.params, res.model.adapter, dict(res.model.card), res.model.expansion)  # the same model, no memory
    rec.set_model(base)
    try:
        before = ask(rec, new_need, k=30)[0]
        rec.set_model(res.model)
        after = ask(rec, new_need, k=30)[0]
    finally:
        rec.set_model(Model())
    assert after.memory is None
    assert [it["item_id"] for it in after.items] == [it["item_id"] for it in before.items]
    assert [it["score"] for it in after.items] == [it["score"] for it in before.items]
    assert all(it["from_labels"] == 0 for it in after.items)


def test_hard_constraints_still_win_over_the_memory(demo_rec, trained):
    res, plan = trained
    rec = demo_rec
    liked, _ = plan["marathon"]
    price = {iid: p for iid, p in zip(rec.catalog.ids, rec.catalog.items["price"])}
    cap = min(price[i] for i in liked) - 0.01  # every liked item is over this budget
    # a wording read as trainers: the kind has items within the budget (runners alone would not)
    other = "I need marathon trainers, max 100 dollars"
    rec.set_model(res.model)
    try:
        r, _ = ask(rec, other, f"under ${cap:.2f}", k=10)
        assert r.memory, "the memory recalls the rated request"
        rec.budget_filters = True  # a shop that keeps the budget a filter
        strict, _ = ask(rec, other, f"under ${cap:.2f}", k=10)
    finally:
        rec.budget_filters = False
        rec.set_model(Model())
    # the budget orders the page: what the labels liked comes after the kind within budget, marked
    # (over budget, the kind goes nearest price first: the labels lift, the budget orders)
    assert r.items[0]["over_budget"] == 0
    athletic = [i for i, o in enumerate(r.items) if any(w in o["title"].lower() for w in ("runner", "sneaker"))]
    within = [i for i in athletic if r.items[i]["over_budget"] == 0]
    ids = [o["item_id"] for o in r.items]
    assert any(i in ids for i in liked), [o["title"] for o in r.items]
    for iid in (i for i in liked if i in ids):
        assert r.items[ids.index(iid)]["over_budget"] > 0 and all(w < ids.index(iid) for w in within)
    shown = [it["item_id"] for it in strict.items]
    assert not set(liked) & set(shown[: len([i for i in shown if price[i] <= cap])])


def test_one_annotator_flooding_thumbs_cannot_outweigh_agreement():
    e = EntryVotes(("a teapot",), "", None)
    for s in range(300):  # Mallory: 300 thumbs down on item 7, each in a session of her own
        e.votes.setdefault((7, "mallory"), []).append((f"m{s}", -1.0))
    for who in ("ann", "bob", "cid"):
        e.votes.setdefault((7, who), []).append((f"{who}-1", 1.0))
    value, up, down = item_values(e)[7]
    assert value > 0 and (up, down) == (3, 1)
    # her voice is one vote, as if she had clicked once
    e1 = EntryVotes(("a teapot",), "", None, votes={(7, "mallory"): [("m0", -1.0)], **{(7, w): [(f"{w}-1", 1.0)] for w in ("ann", "bob", "cid")}})
    assert item_values(e1)[7][0] == pytest.approx(value)


def test_thumbs_far_down_the_page_count_for_more_in_the_fit():
    """Annotators judge the top of the page far more often than its tenth item: a thumbs-up there
    is rarer evidence, and a ranking that lifts it is judged as one looking at every rank would."""
    from mmcrec.training.memory import look_propensity, ndcg_up

    e = EntryVotes(("a teapot",), "", None)
    for s in range(20):  # every session judged the first item, one in five the tenth
        e.ranks.setdefault(1, {})[f"s{s}"] = 1
        if s % 5 == 0:
            e.ranks.setdefault(10, {})[f"s{s}"] = 10
    p = look_propensity([e])
    assert p[1] == 1.0 and p[10] == pytest.approx(0.2)
    # a held-out session liked both: the ranking that lifts the rarely seen one scores higher
    weights = [[1 / p[1], 1 / p[10]]]
    y_top_first = np.array([[0.0, 9.0, 1.0, 8.0]])  # local positions: 1 (seen at 1) first, 2 (seen at 10) third
    y_rare_first = np.array([[0.0, 1.0, 9.0, 8.0]])
    assert ndcg_up(y_rare_first, [[1, 2]], weights=weights)[0] > ndcg_up(y_top_first, [[1, 2]], weights=weights)[0]
    assert ndcg_up(y_rare_first, [[1, 2]])[0] == pytest.approx(ndcg_up(y_top_first, [[1, 2]])[0])  # unweighted: a tie
    assert look_propensity([EntryVotes(("x",), "", None)]) == {}  # no ranks recorded: every thumb counts 1


def test_unusable_labels_are_counted_with_a_reason_not_a_crash(demo_rec, tmp_path):
    rec = demo_rec
    iid = rec.catalog.ids[0]

    def lab(n, **kw):
        base = dict(label_id=f"l{n}", session_id=f"s{n}", annotator="a", created_at="2026-01-01T00:00:00Z",
                    turns=["a teapot"], item_id=iid, rank=1, target="item", label=1)
        return Label(**{**base, **kw})

    labels = [lab(1), lab(2, item_id="no-such-item"), lab(3, turns=["   "]), lab(4, turns=[]),
              lab(5, image_sha256="ab" * 32, image_path=str(tmp_path / "gone.png")), lab(6, label=0),
              lab(7, target="reply", item_id="")]
    entries, skipped = collect(labels, rec.catalog)
    assert len(entries) == 1
    assert skipped == {"reply": 1, "retracted": 1, "item not in catalog": 1, "empty request": 2, "photo file missing": 1}


def test_items_deleted_or_changed_since_labelling_are_dropped_at_load(trained, tmp_path):
    res, plan = trained
    liked, _ = plan["marathon"]
    df = pd.read_csv(DEMO_CATALOG, dtype=str, keep_default_na=False)
    df = df[df["item_id"] != liked[0]].copy()  # deleted
    df.loc[df["item_id"] == liked[1], "title"] = "Something else entirely"  # changed
    df.loc[df["item_id"] == plan["tea"][0][0], "price"] = "1.00"  # a sale is not a change
    (tmp_path / "images").mkdir()
    for img in df["image"]:
        shutil.copy(DEMO_CATALOG.parent / img, tmp_path / img)
    df.to_csv(tmp_path / "shop.csv", index=False)
    bound = res.model.memory.bind(load_catalog(tmp_path / "shop.csv"))
    assert bound.counts["items_deleted"] == 1 and bound.counts["items_changed"] == 1
    assert bound.counts["entries"] == len(NEEDS)  # the marathon entry keeps its disliked item
    kept = {res.model.memory.item_ids[r] for r in bound.rows}
    assert plan["tea"][0][0] in kept and liked[0] not in kept and liked[1] not in kept


def test_item_hash_is_what_the_item_is():
    assert item_hash("Teapot", "Blue glaze", "kitchen", "blue") == item_hash(" teapot ", "blue  glaze", "Kitchen", "BLUE")
    assert item_hash("Teapot", "Blue glaze", "kitchen", "blue") != item_hash("Teapot", "Red glaze", "kitchen", "blue")


def test_a_photo_alone_recalls_only_the_same_picture_and_words_with_a_photo_need_both(demo_rec):
    rng = np.random.default_rng(0)
    d, dn = demo_rec.lm.dim, demo_rec.index.native.shape[1]
    unit = lambda v: (v / np.linalg.norm(v)).astype(np.float32)  # noqa: E731
    p1 = unit(rng.normal(size=dn))
    p2 = unit(0.8 * p1 + 0.6 * unit(rng.normal(size=dn) - (rng.normal(size=dn) @ p1) * p1))  # cos ≈ 0.8 to p1
    t1 = unit(rng.normal(size=d))
    iid = demo_rec.catalog.ids[0]
    from mmcrec.memory import catalog_hashes

    mem = LabelMemory(text=np.stack([np.zeros(d, np.float32), t1]), photo=np.stack([p1, p1]),
                      has_text=np.array([False, True]), has_photo=np.array([True, True]),
                      entries=[{"turns": []}, {"turns": ["in black"]}], entry=np.array([0, 1]), item_ids=[iid, iid],
                      value=np.array([0.5, 0.5], np.float32), up=np.array([1, 1]), down=np.array([0, 0]),
                      grade=np.full(2, np.nan, np.float32), item_hashes={iid: catalog_hashes(demo_rec.catalog)[iid]},
                      threshold=0.6, strength=2.0)
    bound = mem.bind(demo_rec.catalog)
    none = np.zeros(d, np.float32)
    assert list(bound.recall(none, p1, False, True).entries) == [0]  # the same picture
    assert not bound.recall(none, p2, False, True)  # a look-alike photo alone is another product
    words_and_photo = bound.recall(t1, p2, True, True)
    assert list(words_and_photo.entries) == [1] and words_and_photo.sims[0] == pytest.approx(float(p1 @ p2), abs=1e-5)
    assert not bound.recall(unit(rng.normal(size=d)), p1, True, True)  # the same photo, other words: both must match


def test_a_dialogue_recalls_only_rated_requests_it_has_got_as_far_as(demo_rec):
    """Thumbs given at the end of "a teapot | a cheaper one" judge the cheaper teapots: a shopper
    who has only said "a teapot" has not asked for that yet, one who has taken both steps has."""
    import copy

    from mmcrec.memory import catalog_hashes

    iid = demo_rec.catalog.ids[0]
    d, dn = demo_rec.lm.dim, demo_rec.index.native.shape[1]
    said = np.asarray(demo_rec.lm(["a teapot"])[0], np.float32)
    mem = LabelMemory(text=(said / np.linalg.norm(said))[None], photo=np.zeros((1, dn), np.float32),
                      has_text=np.array([True]), has_photo=np.array([False]),
                      entries=[{"turns": ["a teapot", "a cheaper one"]}], entry=np.array([0]), item_ids=[iid],
                      value=np.array([0.5], np.float32), up=np.array([1]), down=np.array([0]),
                      grade=np.full(1, np.nan, np.float32), item_hashes={iid: catalog_hashes(demo_rec.catalog)[iid]},
                      threshold=0.3, strength=2.0)
    assert d == said.shape[0]
    rec = copy.copy(demo_rec)
    rec.set_model(Model(memory=mem))
    one_step, _ = ask(rec, "a teapot")
    assert one_step.memory is None  # the closest words, but the rated dialogue went one step further
    assert [it["item_id"] for it in one_step.items] == [it["item_id"] for it in ask(demo_rec, "a teapot")[0].items]
    both, _ = ask(rec, "a teapot", "a cheaper one")
    assert both.memory is not None and both.memory["requests"][0]["turns"] == ["a teapot", "a cheaper one"]


def test_thumbs_move_an_item_as_many_places_in_a_peaked_ranking_as_in_a_flat_one():
    """The memory's strength is measured in the request's own score spread: the same thumbs lift an
    item from 15th to the same place whether the model is sure of its order (peaked softmax) or not."""
    from mmcrec.memory import moved_scores

    logits = -np.linspace(0.0, 3.0, 40)
    shift = np.zeros(40)
    shift[14] = 0.5  # half a spread
    places = []
    for tau in (0.5, 0.02):  # flat, and peaked: the top 20 span 1.5 and 75 nats
        y = np.exp(logits / tau) / np.exp(logits / tau).sum()
        moved = moved_scores(y, shift)
        assert moved.sum() == pytest.approx(y.sum())
        places.append(int(np.argsort(-moved, kind="stable").tolist().index(14)))
    assert places[0] == places[1] and places[0] < 14


def test_a_strong_push_keeps_the_other_items_in_order():
    """A ranking far more sure of its top than float64 holds beside 1 (top item ≈ 1 − 1e-20): the
    liked item goes first and every other item keeps its place, none rounded to a tie at zero."""
    from mmcrec.memory import moved_scores

    y = np.exp(-np.arange(30) * 3.0)
    y /= y.sum()
    shift = np.zeros(30)
    shift[20] = 2.0
    moved = moved_scores(y, shift)
    order = np.argsort(-moved, kind="stable").tolist()
    assert order[0] == 20 and order[1:] == [i for i in range(30) if i != 20]
    assert len(set(moved.tolist())) == 30  # no ties
    outside = y.copy()
    outside[5] = 0.0  # an item the hard constraints removed stays removed
    assert moved_scores(outside, shift)[5] == 0.0


def test_a_colour_asked_for_lifts_only_the_liked_items_of_that_colour(demo_rec, trained):
    """Shoppers liked a grey and a red runner for marathon shoes; another shopper asks the same
    in blue: the liked items are not lifted above the blue ones."""
    res, plan = trained
    rec = demo_rec
    liked, _ = plan["marathon"]
    colour = {iid: c for iid, c in zip(rec.catalog.ids, rec.catalog.items["color"])}
    assert all(colour[i] != "blue" for i in liked)
    rec.set_model(res.model)
    try:
        plain, _ = ask(rec, NEEDS["marathon"][1], k=len(rec.catalog))
        blue, st = ask(rec, NEEDS["marathon"][1], "blue ones", k=len(rec.catalog))
    finally:
        rec.set_model(Model())
    assert st.colors == ["blue"] and blue.memory
    # how much the memory multiplied each item's score (what a disliked item gives up, every other
    # item shares: an item nobody judged is multiplied too)
    gain = lambda r: {it["item_id"]: it["score"] / (it["score"] - it["from_labels"]) for it in r.items}  # noqa: E731
    unjudged = next(it["item_id"] for it in blue.items if colour[it["item_id"]] == "blue")
    assert all(gain(plain)[i] > 1.5 * gain(plain)[unjudged] for i in liked)  # lifted when no colour is asked
    assert all(gain(blue)[i] == pytest.approx(gain(blue)[unjudged]) for i in liked)  # in blue: not lifted
    assert colour[blue.items[0]["item_id"]] == "blue"


def test_thumbs_that_agree_no_better_than_chance_make_no_memory(demo_rec, tmp_path):
    """Annotators who contradict each other session after session on the same request: their
    thumbs say nothing about the next shopper, so the version has no memory and the card says why."""
    rec = demo_rec
    labels = []
    for need in ("tea", "hat"):
        text = NEEDS[need][0]
        top = [it["item_id"] for it in ask(rec, text)[0].items][:4]
        for s in range(10):
            sid, who = f"{need}-{s}", f"ann{s}"
            for j, iid in enumerate(top):
                v = 1 if (s + j) % 2 else -1  # every item liked in one session, disliked in the next
                labels.append(Label(label_id=make_label_id(sid, who, "item", iid, [text]), session_id=sid, annotator=who,
                                    created_at="2026-01-01T00:00:00Z", turns=[text], item_id=iid, rank=j + 1,
                                    target="item", label=v))
    res = train_next(labels, rec.catalog, rec, Registry(tmp_path), seed=0, config=FAST)
    assert res.model.memory is None
    assert "no better than chance" in res.model.card["memory"]["why"]

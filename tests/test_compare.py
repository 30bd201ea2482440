"""A live comparison in the app (mmcrec/app/compare.py): an admin starts it from the Model tab,
galleries interleave the served version and a candidate, thumbs carry placed_by, the tab shows
wins/losses/ties with an interval, a promotion cites it; and the same over the Gradio API.

Real recommender, label store and registry (tmp_path); the candidate is a saved model whose
parameters rank differently from the served defaults."""
from __future__ import annotations

import json

import pytest

from app_support import chat as api_chat
from app_support import client, launch, make_ctx

from mmcrec.app import chat, compare, model_tab, ratings
from mmcrec.app.identity import Identity, NotAllowed
from mmcrec.dialogue import DialogueState, Turn
from mmcrec.model import Model, ModelParams

BOSS = Identity("boss", verified=True)
PROMPTS = ["show me some hats", "running shoes", "something for the kitchen", "a gift for my sister",
           "sunglasses", "a warm jacket", "headphones", "a toy for a child", "something blue",
           "a backpack", "coffee", "a watch"]


@pytest.fixture
def served(demo_rec):
    yield demo_rec
    demo_rec.set_model(Model())


def save_candidate(reg) -> str:
    """A saved version that ranks by the strongest single match and ignores kinds."""
    version, d = reg.new_version_dir()
    d.rmdir()  # Model.save never writes into an existing folder
    Model(ModelParams(alpha=0.95, kind_bonus=0.0, color_bonus=0.0), card={"version": version, "parent": None}).save(d)
    return version


def rankings(rec, ctx, text: str, candidate: str) -> tuple[list[str], list[str]]:
    st = DialogueState()
    st.add(Turn(text), rec.vocab)
    a = [it["item_id"] for it in rec.recommend(st, k=ctx.config.k).items]
    b = [it["item_id"] for it in rec.recommend(st, k=ctx.config.k, served=compare.candidate_model(ctx, candidate)).items]
    return a, b


def test_comparison_in_the_app(served, tmp_path):
    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models", admins={"boss"})
    reg = ctx.registry
    v1 = save_candidate(reg)
    for who in (Identity("eve", verified=True), Identity("boss"), Identity()):  # another login, typed, nobody
        with pytest.raises(NotAllowed, match="Only admins"):
            compare.start_comparison(ctx, who, v1)
        with pytest.raises(NotAllowed, match="Only admins"):
            compare.comparison_status(ctx, who)
    assert reg.comparison() is None
    with pytest.raises(model_tab.ModelTabError, match="served version"):
        compare.start_comparison(ctx, BOSS, "v0")
    with pytest.raises(model_tab.ModelTabError, match="Unknown version"):
        compare.start_comparison(ctx, BOSS, "v7")
    assert "No comparison yet" in compare.comparison_status(ctx, BOSS).status

    view = compare.start_comparison(ctx, BOSS, v1)
    assert view.data["running"] and view.data["served"] == "v0" and view.data["candidate"] == v1
    with pytest.raises(model_tab.ModelTabError, match="already running"):
        compare.start_comparison(ctx, BOSS, v1)
    # the state is in the registry: another process (or a restart) on these models sees it
    other = make_ctx(served, tmp_path / "other", models_dir=tmp_path / "models")
    other.rec()
    assert compare.running(other)["candidate"] == v1
    other.close()

    # each turn's gallery is the team-draft interleaving of both rankings
    differ = 0
    for n, text in enumerate(PROMPTS):
        s, view = chat.chat_turn(ctx, {"text": text, "files": []}, [], None)
        a, b = rankings(served, ctx, text, v1)
        shown = [it["item_id"] for it in s.last.items]
        assert len(shown) == len(set(shown)) == len(view.gallery) == ctx.config.k
        assert set(shown) <= set(a) | set(b) and set(s.placed_by) == set(shown)
        assert a[0] in shown[:2] and b[0] in shown[:2]
        assert all(s.placed_by[i] in ("v0", v1) for i in shown)
        for version, ranking in (("v0", a), (v1, b)):  # each version's picks in its own order
            mine = [i for i in shown if s.placed_by[i] == version]
            assert mine == sorted(mine, key=ranking.index)
        assert abs(sum(v == v1 for v in s.placed_by.values()) - ctx.config.k / 2) <= 1
        differ += a != b
        assert "placed_by" not in json.dumps(view.explanation)  # shoppers judge blind
        # a shopper who likes the candidate's picks: thumbs-up on them, thumbs-down on one of the others
        theirs = [i for i in shown if s.placed_by[i] == v1 and i not in a[:1]]
        ours = [i for i in shown if s.placed_by[i] == "v0"]
        for item in theirs[:2]:
            s, stored = ratings.record_feedback(ctx, s, "item", item, 1, f"shopper{n}")
            assert stored.placed_by == v1 and stored.model_version == "v0"
        s, stored = ratings.record_feedback(ctx, s, "item", ours[-1], -1, f"shopper{n}")
        assert stored.placed_by == "v0"
        s, stored = ratings.record_feedback(ctx, s, "reply", 0, 1, f"shopper{n}")
        assert stored.placed_by == ""
        if n == 0:  # re-ranking with the same α: the same coin flips, the same gallery
            before, items, before_alpha = dict(s.placed_by), [it["item_id"] for it in s.last.items], s.last.alpha
            s, _ = chat.rerank(ctx, s, s.last.alpha)
            assert s.placed_by == before and [it["item_id"] for it in s.last.items] == items
            s, _ = chat.rerank(ctx, s, 0.1)  # another α re-ranks the served side, still interleaved
            assert s.last.alpha == pytest.approx(0.1) and set(s.placed_by) == {it["item_id"] for it in s.last.items}
            s, _ = chat.rerank(ctx, s, before_alpha)  # and back: the first gallery again
            assert s.placed_by == before
    assert differ >= 3  # the two versions really rank differently

    status = compare.comparison_status(ctx, BOSS)
    result = status.data["result"]
    assert result["wins"][v1] == len(PROMPTS) and result["losses"]["v0"] == len(PROMPTS)
    assert result["wins"]["v0"] == 0 and result["ties"] == 0
    assert result["verdict"] == "candidate" and result["low"] > 0.5
    assert status.table == [[v1, "candidate", len(PROMPTS), 0, 0], ["v0", "served", 0, len(PROMPTS), 0]]
    assert "95% CI" in status.status and f"{v1} is preferred" in status.status

    # the promotion cites it, and ends it (the served version changed)
    p = model_tab.promote_model(ctx, BOSS, v1)
    assert "Live comparison with shoppers" in p.status and ctx.model_version == v1
    entry = reg.history()[-1]
    assert entry["version"] == v1 and entry["comparison"]["wins"][v1] == len(PROMPTS)
    assert entry["comparison"]["summary"].startswith(f"{v1} vs v0")
    assert reg.comparison() is None and reg.comparisons()[-1]["result"]["verdict"] == "candidate"
    s, _ = chat.chat_turn(ctx, {"text": "show me some hats", "files": []}, [], None)
    assert s.placed_by == {} and s.last.model_version == v1  # not interleaved any more
    last = compare.comparison_status(ctx, BOSS)
    assert not last.data["running"] and last.data["result"]["wins"][v1] == len(PROMPTS)
    with pytest.raises(model_tab.ModelTabError, match="No comparison is running"):
        compare.stop_comparison(ctx, BOSS)


def test_comparison_over_the_api(served, tmp_path):
    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models", admins={"boss"},
                   auth=[("boss", "pw-boss"), ("eve", "pw-eve")])
    v1 = save_candidate(ctx.registry)
    demo, url = launch(ctx)
    try:
        eve, boss = client(url, auth=("eve", "pw-eve")), client(url, auth=("boss", "pw-boss"))
        with pytest.raises(Exception, match="Only admins"):
            eve.predict(v1, "boss", api_name="/compare_start")
        assert ctx.registry.comparison() is None
        status, table, data = boss.predict(v1, "", api_name="/compare_start")
        assert data["running"] and data["candidate"] == v1 and "Started comparing" in status
        with pytest.raises(Exception, match="Only admins"):
            eve.predict("boss", api_name="/compare_status")

        credited = {"v0": 0, v1: 0}
        for n, text in enumerate(PROMPTS[:4]):
            out = api_chat(eve, text)
            items = [it["item_id"] for it in eve.predict(api_name="/explanation")["items"]]
            assert len(items) == ctx.config.k == len(out["gallery"])
            label = eve.predict("item", items[n % 2], 1, "", api_name="/feedback")[0]
            assert label["placed_by"] in ("v0", v1) and label["annotator"] == "eve"
            credited[label["placed_by"]] += 1
        status, table, data = boss.predict("", api_name="/compare_status")
        result = data["result"]
        assert {v: result["wins"][v] for v in credited} == credited and result["ties"] == 0
        assert result["verdict"] == "too thin" and "too little evidence" in status
        assert [r[:2] for r in table["data"]] == [[v1, "candidate"], ["v0", "served"]]
        with pytest.raises(Exception, match="Only admins"):
            eve.predict("boss", api_name="/compare_stop")
        status, table, data = boss.predict("", api_name="/compare_stop")
        assert not data["running"] and data["stopped_at"] and "Stopped" in status
        assert ctx.registry.comparison() is None
        api_chat(eve, "sunglasses")  # stopped: the next gallery is the served version's alone
        item = eve.predict(api_name="/explanation")["items"][0]["item_id"]
        assert eve.predict("item", item, 1, "", api_name="/feedback")[0]["placed_by"] == ""
    finally:
        demo.close()


def test_a_candidate_that_cannot_be_loaded_leaves_the_served_ranking(served, tmp_path, caplog):
    import shutil

    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models")  # admins unset, no login: a local admin
    v1 = save_candidate(ctx.registry)
    compare.start_comparison(ctx, Identity(), v1)
    ctx.candidates.clear()
    shutil.rmtree(ctx.registry.path(v1))  # e.g. removed by hand on a replica's disk
    s, view = chat.chat_turn(ctx, {"text": "show me some hats", "files": []}, [], None)
    assert s.placed_by == {} and len(view.gallery) == ctx.config.k and s.last.model_version == "v0"
    assert f"comparison candidate {v1} cannot be loaded" in caplog.text

"""The Model tab (admins): train the next model on the app's labels, promote it, roll back.

Real feedback store, real training on generated labels, real registry in tmp_path; the callbacks
are called as plain functions, and once through the running app (gradio_client)."""
from __future__ import annotations

import json

import pytest

from app_support import client, launch, make_ctx, record_favouring

from mmcrec.app import chat, config, context, model_tab
from mmcrec.app.identity import Identity, NotAllowed
from mmcrec.labels import Label, make_label_id
from mmcrec.model import Model
from mmcrec.training import TrainConfig

FAST = TrainConfig(max_epochs=12, patience=4)  # a real run, kept short for the test
BOSS = Identity("boss", verified=True)  # what identity.py makes of the admin's login


@pytest.fixture
def served(demo_rec):
    """The shared recommender, serving the defaults again after the test."""
    yield demo_rec
    demo_rec.set_model(Model())


def _train(ctx, who=BOSS):
    seen = []
    v = model_tab.train_model(ctx, who, lambda f, m: seen.append((f, m)), config=FAST)
    assert seen and seen[-1][0] == 1.0 and all(0 <= f <= 1 for f, _ in seen)  # progress reported
    return v


def res_verdict_shown(status: str) -> bool:
    return "promotable" in status and ("95% CI" in status or "too thin" in status)


def test_train_promote_rollback(served, tmp_path):
    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models", admins={"boss"})
    n = record_favouring(ctx, "kitchen")
    assert 120 <= n <= 160
    reg = ctx.registry

    v1 = _train(ctx)
    assert v1.version == "v1" and (reg.path("v1") / "model.safetensors").is_file()
    assert (reg.path("v1") / "card.json").is_file()
    assert {r[0] for r in v1.table} == {"held-out labels"}
    assert {r[3] for r in v1.table} == {"AUC up>down", "NDCG@10", "MRR"}
    assert all(r[4] != "-" and r[5] != "-" for r in v1.table)
    assert [r[0] for r in v1.versions] == ["v1"] and "v1" in v1.status
    # the verdict in the page is the trainer's, with its interval or why there is none
    assert res_verdict_shown(v1.status)
    assert "Learned: trained scalars and bridge" in v1.status  # and what the version took from the labels
    assert ctx.model_version == "v0" and reg.current() is None  # training never swaps the served model
    assert [tr.name for tr in v1.figure.data][:3] == ["NDCG@10", "AUC up>down", "MRR"]

    p1 = model_tab.promote_model(ctx, BOSS, "v1")
    assert ctx.model_version == "v1" and served.model.version == "v1" and reg.current() == "v1"
    assert "**v1**" in p1.header and "**v1**" in context.header_markdown(ctx)
    assert "serving" in p1.versions[0][-1]
    s, view = chat.chat_turn(ctx, {"text": "show me some hats", "files": []}, [], None)
    assert s.last.model_version == "v1"  # the next turn is scored by the promoted model

    record_favouring(ctx, "kitchen", sessions=10, seed=1, annotator="ann2")
    v2 = _train(ctx)
    assert v2.version == "v2" and json.loads((reg.path("v2") / "card.json").read_text())["parent"] == "v1"
    assert model_tab.promote_model(ctx, BOSS).version == "v2"  # default: the newest saved version
    assert ctx.model_version == "v2"

    r = model_tab.rollback_model(ctx, BOSS)
    assert ctx.model_version == "v1" and reg.current() == "v1" and "**v1**" in r.header
    r = model_tab.rollback_model(ctx, BOSS)
    assert ctx.model_version == "v0" and reg.current() is None and "**v0**" in context.header_markdown(ctx)
    with pytest.raises(model_tab.ModelTabError, match="nothing to roll back|Nothing to roll back"):
        model_tab.rollback_model(ctx, BOSS)
    assert [h["version"] for h in json.loads((reg.root / "registry.json").read_text())["rolled_back"]] == ["v2", "v1"]

    # `mmcrec serve` / `python app.py` without --model: the newest promotion in MMCREC_MODELS_DIR
    model_tab.promote_model(ctx, BOSS, "v1")
    assert context.served_model_dir(None, reg.root) == reg.path("v1")


def test_served_by_default_after_restart(served, tmp_path, monkeypatch, small_catalog):
    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models")
    record_favouring(ctx, "kitchen", sessions=12)
    ctx.registry.promote(_train(ctx, Identity()).version)  # admins unset, no login: everyone is admin
    monkeypatch.setenv("MMCREC_MODELS_DIR", str(tmp_path / "models"))
    assert context.served_model_dir(None) == tmp_path / "models" / "v1"
    fresh = context.AppContext(config.AppConfig(catalog=small_catalog, encoder="offline", feedback_db=tmp_path / "fb2.sqlite"))
    assert fresh.rec().model.version == "v1"  # what create_app (serve, app.py) builds
    assert "**v1**" in context.header_markdown(fresh)


def test_non_admin_is_refused_and_nothing_is_written(served, tmp_path):
    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models", admins={"boss"})
    record_favouring(ctx, "kitchen", sessions=12)
    for who in (Identity("eve", verified=True), Identity("boss"), Identity()):  # another login, typed, nobody
        for call in (lambda: model_tab.train_model(ctx, who, config=FAST), lambda: model_tab.promote_model(ctx, who, "v1"),
                     lambda: model_tab.rollback_model(ctx, who)):
            with pytest.raises(NotAllowed, match="Only admins"):
                call()
    assert not (tmp_path / "models").exists() and ctx.model_version == "v0"


def test_unusable_labels_show_the_train_error(served, tmp_path):
    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models")
    with pytest.raises(model_tab.ModelTabError, match="no item labels"):
        model_tab.train_model(ctx, BOSS, config=FAST)
    rec = ctx.rec()
    for s in range(3):  # thumbs-up only
        iid = rec.catalog.ids[s]
        ctx.store.record(Label(label_id=make_label_id(f"s{s}", "a", "item", iid, ["hi"]), session_id=f"s{s}",
                               annotator="a", catalog_id=rec.catalog.catalog_id, turns=["hi"], item_id=iid,
                               target="item", label=1))
    with pytest.raises(model_tab.ModelTabError, match="training needs both thumbs up and thumbs down"):
        model_tab.train_model(ctx, BOSS, config=FAST)
    with pytest.raises(model_tab.ModelTabError, match="train a model first"):
        model_tab.promote_model(ctx, BOSS)
    assert not any((tmp_path / "models").glob("v*")) and ctx.model_version == "v0"


def test_model_tab_through_the_api(served, tmp_path):
    """The wiring: /train_model (with gr.Progress), /model_versions, /promote_model and
    /rollback_model, which update the header."""
    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models", admins={"boss"},
                   auth=[("boss", "pw-boss"), ("eve", "pw-eve")])
    record_favouring(ctx, "kitchen", sessions=12)
    demo, url = launch(ctx)
    try:
        eve, c = client(url, auth=("eve", "pw-eve")), client(url, auth=("boss", "pw-boss"))
        with pytest.raises(Exception, match="Only admins"):
            eve.predict("boss", api_name="/train_model")
        assert not (tmp_path / "models").exists()
        status, table, _rows, _fig, header, _dd = c.predict("", api_name="/train_model")
        assert "Trained **v1**" in status and len(table["data"]) == 3 and "**v0**" in header
        rows, _fig, status, header, _dd = c.predict(api_name="/model_versions")
        assert [r[0] for r in rows["data"]] == ["v1"] and "**v0**" in header
        assert str(tmp_path) not in status and "models" not in status  # no filesystem path
        with pytest.raises(Exception, match="Only admins"):
            eve.predict("v1", "boss", api_name="/promote_model")
        assert ctx.model_version == "v0" and ctx.registry.current() is None
        out = c.predict("v1", "", api_name="/promote_model")
        assert "**v1**" in out[4] and ctx.model_version == "v1"
        out = c.predict("", api_name="/rollback_model")
        assert "**v0**" in out[4] and ctx.model_version == "v0"
    finally:
        demo.close()


def test_a_promotion_made_elsewhere_is_served_from_the_next_turn(served, tmp_path, caplog):
    """Another replica (or `mmcrec models promote`) changes the shared registry; this app serves
    what it promotes from its next turn on, and keeps serving when that version cannot be used."""
    from mmcrec.registry import Registry

    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models")
    elsewhere = Registry(tmp_path / "models")  # the same folder, written by someone else
    for card in ({"parent": "v0"}, {"parent": "v1", "encoder": "openclip:ViT-B-32/laion2b_s34b_b79k"}):
        version, out = elsewhere.new_version_dir()
        out.rmdir()
        Model(card={"version": version, **card}).save(out)

    def turn(text):
        return chat.chat_turn(ctx, {"text": text, "files": []}, [], None)[0].last.model_version

    assert turn("show me some hats") == "v0"
    elsewhere.promote("v1")
    assert turn("running shoes") == "v1" and "**v1**" in context.header_markdown(ctx)
    elsewhere.promote("v2")  # trained with another encoder: not servable here
    with caplog.at_level("ERROR"):
        assert turn("a mug") == "v1"
    assert "promotes v2; it cannot be served here, keeping v1" in caplog.text
    elsewhere.rollback()
    elsewhere.rollback()
    assert turn("headphones") == "v0"
    rows, _, status = model_tab.model_versions(ctx)
    assert "Serving **v0**" in status and all("serving" not in r[-1] for r in rows)
    ctx.close()

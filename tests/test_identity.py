"""Who a request is and what it may do (mmcrec/app/identity.py), and every admin endpoint over
the API: a typed name never grants a role, a wrong password gets nothing, a non-admin login is
refused, the admin's login works."""
from __future__ import annotations

import gradio as gr
import pytest
from gradio_client.exceptions import AppError

from app_support import client, file_path, launch, make_ctx, record_favouring

from mmcrec.app.identity import Access, Identity, NotAllowed
from mmcrec.model import Model


def hf_profile(username: str) -> gr.OAuthProfile:
    """What Gradio injects into a callback for a user signed in with Hugging Face."""
    return gr.OAuthProfile({"name": username.title(), "preferred_username": username,
                            "profile": f"https://huggingface.co/{username}", "picture": ""})


def test_hugging_face_sign_in_is_the_identity_and_a_typed_name_is_ignored():
    space = Access(hf_sign_in=True, admins=frozenset({"boss"}), on_space=True)
    assert space.identify("boss", None, hf_profile("ann")) == Identity("ann", verified=True)
    assert space.identify("boss", None, None) == Identity()  # not signed in: nobody, whatever was typed
    assert not space.is_admin(space.identify("boss", None, hf_profile("ann")))
    assert space.is_admin(space.identify("", None, hf_profile("boss")))
    with pytest.raises(NotAllowed, match="Sign in"):
        space.annotator(space.identify("ann", None, None))  # no labels under a typed name
    assert space.annotator(space.identify("boss", None, hf_profile("ann"))) == "ann"
    with pytest.raises(NotAllowed, match="sign in first"):
        space.require_admin(space.identify("boss", None, None), "export labels")
    # MMCREC_ADMINS unset on a Space: nobody, signed in or not
    assert not Access(hf_sign_in=True, on_space=True).is_admin(Identity("ann", verified=True))


def test_password_login_is_the_identity():
    pw = Access(passwords=True, admins=frozenset({"boss"}))
    assert pw.identify("boss", gr.Request(username="ann")) == Identity("ann", verified=True)
    assert pw.identify("boss", gr.Request(username="boss")) == Identity("boss", verified=True)
    assert not pw.is_admin(pw.identify("boss", gr.Request(username="ann")))
    assert pw.is_admin(pw.identify("", gr.Request(username="boss")))
    assert not Access(passwords=True).is_admin(Identity("boss", verified=True))  # unset with a login: nobody


def test_without_a_login_a_typed_name_only_labels():
    local = Access()
    who = local.identify("  Ada  Lovelace ")
    assert who == Identity("Ada Lovelace", verified=False) and local.annotator(who) == "Ada Lovelace"
    assert local.is_admin(who) and local.is_admin(Identity())  # a local run: everyone is admin, as documented
    listed = Access(admins=frozenset({"boss"}))
    assert not listed.is_admin(listed.identify("boss"))  # MMCREC_ADMINS set: typing a listed name is not enough
    with pytest.raises(NotAllowed, match="need a login"):
        listed.require_admin(listed.identify("boss"), "train a model")


ADMIN_CALLS = {  # endpoint → the arguments a page (or a script) sends, the admin name last
    "/export_labels": ("csv", "boss"),
    "/train_model": ("boss",),
    "/promote_model": ("v1", "boss"),
    "/rollback_model": ("boss",),
    "/compare_start": ("v1", "boss"),
    "/compare_stop": ("boss",),
    "/compare_status": ("boss",),
}


@pytest.fixture
def served(demo_rec):
    yield demo_rec
    demo_rec.set_model(Model())


def test_typing_an_admins_name_grants_nothing(served, tmp_path):
    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models", admins={"boss"})
    record_favouring(ctx, "kitchen", sessions=12)
    demo, url = launch(ctx)
    try:
        c = client(url)
        for api_name, args in ADMIN_CALLS.items():
            with pytest.raises(AppError, match="Only admins.*need a login"):
                c.predict(*args, api_name=api_name)
        assert not (tmp_path / "models").exists() and ctx.model_version == "v0"
    finally:
        demo.close()


def test_admin_endpoints_need_the_admins_login(served, tmp_path):
    ctx = make_ctx(served, tmp_path, models_dir=tmp_path / "models", admins={"boss"},
                   auth=[("ann", "pw-ann"), ("boss", "pw-boss")])
    record_favouring(ctx, "kitchen", sessions=12, annotator="boss")
    demo, url = launch(ctx)
    try:
        with pytest.raises(Exception):
            client(url, auth=("boss", "wrong"))  # a wrong password gets no client at all
        ann = client(url, auth=("ann", "pw-ann"))
        for api_name, args in ADMIN_CALLS.items():
            with pytest.raises(AppError, match="Only admins"):
                ann.predict(*args, api_name=api_name)
        assert not (tmp_path / "models").exists() and ctx.model_version == "v0"
        # labels: only as yourself — written and read back under the login, not the typed name
        ann.predict({"text": "show me some hats", "files": []}, [], api_name="/chat")
        item = ann.predict(api_name="/explanation")["items"][0]["item_id"]
        assert ann.predict("item", item, 1, "boss", api_name="/feedback")[0]["annotator"] == "ann"
        mine = ann.predict("boss", api_name="/my_ratings")["data"]
        assert len(mine) == 1 and item in mine[0][2]  # ann's one label, none of boss's

        boss = client(url, auth=("boss", "pw-boss"))
        assert file_path(boss.predict("csv", "", api_name="/export_labels")).endswith(".csv")
        assert "Trained **v1**" in boss.predict("", api_name="/train_model")[0]
        assert "**v1**" in boss.predict("v1", "", api_name="/promote_model")[4] and ctx.model_version == "v1"
        assert "**v0**" in boss.predict("", api_name="/rollback_model")[4] and ctx.model_version == "v0"
    finally:
        demo.close()

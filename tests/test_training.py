"""`mmcrec train`: labels in, the next model out, compared with the current one; the registry."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmcrec.dialogue import DialogueState, Turn, dialogue_turns
from mmcrec.labels import Label, make_label_id
from mmcrec.model import Model, ModelParams
from mmcrec.recommender import Recommender, load_recommender
from mmcrec.registry import Registry, RegistryError, resolve_model_dir
from mmcrec.training import Example, TrainConfig, TrainError, split_by_session, train_next

from conftest import DEMO_CATALOG

CATEGORIES = ["shoes", "toys", "kitchen", "audio"]
PROMPTS = ["something nice", "show me a few ideas", "what do you have", "a present", "anything fun",
           "something useful", "surprise me", "what's popular", "a thing I'd like", "treat myself"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    """Six demo items from each of four categories: small enough to embed in a second or two."""
    d = tmp_path_factory.mktemp("shop")
    df = pd.read_csv(DEMO_CATALOG, dtype=str, keep_default_na=False)
    df = df[df["category"].isin(CATEGORIES)].groupby("category").head(6)
    (d / "images").mkdir()
    for img in df["image"]:
        shutil.copy(DEMO_CATALOG.parent / img, d / img)
    df.to_csv(d / "shop.csv", index=False)
    return d / "shop.csv"


@pytest.fixture(scope="module")
def rec(shop) -> Recommender:
    return load_recommender(shop, "offline")


def _ranked(rec: Recommender, text: str) -> list[str]:
    st = DialogueState()
    st.add(Turn(text), rec.vocab)
    return [it["category"] for it in rec.recommend(st, k=len(rec.catalog)).items]


def favour(rec: Recommender, category: str, sessions: int = 40, seed: int = 0) -> list[Label]:
    """Annotators who thumb up `category` items and thumb down the rest of what they were shown."""
    rng = np.random.default_rng(seed)
    items = rec.catalog.items
    labels = []
    for s in range(sessions):
        prompt = PROMPTS[s % len(PROMPTS)]
        st = DialogueState()
        st.add(Turn(prompt), rec.vocab)
        shown = [it["item_id"] for it in rec.recommend(st, k=8).items]
        shown += list(rng.choice(items.loc[items["category"] == category, "item_id"], 2, replace=False))
        for r, iid in enumerate(dict.fromkeys(shown)):
            good = items.loc[items["item_id"] == iid, "category"].iat[0] == category
            labels.append(Label(label_id=make_label_id(f"s{s}", "ann", "item", iid, [prompt]), session_id=f"s{s}",
                                annotator="ann", created_at="2026-01-01T00:00:00Z", turns=[prompt], item_id=iid,
                                rank=r + 1, target="item", label=1 if good else -1))
    return labels


def test_labels_that_favour_a_category_move_it_up(rec, tmp_path):
    before = np.mean([_ranked(rec, p)[:6].count("kitchen") for p in PROMPTS])
    res = train_next(favour(rec, "kitchen", sessions=80), rec.catalog, rec, Registry(tmp_path), seed=0,
                     config=TrainConfig(max_epochs=40, patience=10))
    assert rec.model.version == "v0"  # training never swaps the served model
    rec.set_model(res.model)
    try:
        after = np.mean([_ranked(rec, p)[:6].count("kitchen") for p in PROMPTS])
    finally:
        rec.set_model(Model())
    assert after >= before + 1.5, (before, after)
    assert res.promotable
    m = res.metrics["heldout"]
    assert m["new"]["ndcg"] > m["current"]["ndcg"]
    assert res.version == "v1" and (res.model_dir / "model.safetensors").is_file()
    card = json.loads((res.model_dir / "card.json").read_text())
    for key in ("version", "parent", "data", "metrics", "encoder", "catalog_id", "created_at"):
        assert key in card
    assert card["parent"] == "v0" and card["data"]["labels"] > 0 and card["promotable"] is True
    # the saved model serves: the same dialogue through Recommender.recommend, docs/contracts.md §5 fields
    rec.set_model(Model.load(res.model_dir))
    try:
        st = DialogueState()
        st.add(Turn("something nice"), rec.vocab)
        out = rec.recommend(st, k=5).to_json()
        assert out["model_version"] == "v1"
        assert abs(sum(out["turn_attention"]) - 1) < 1e-6
        for it in out["items"]:
            # the α parts, and the label memory's part (these thumbs were for this very request)
            assert abs(it["score"] - (out["alpha"] * it["m_r"] + (1 - out["alpha"]) * it["m_c"] + it["from_labels"])) < 1e-9
    finally:
        rec.set_model(Model())


def _lab(session: str, item: str, label: int, target: str = "item") -> Label:
    return Label(label_id=f"{session}-{item}-{target}", session_id=session, annotator="a",
                 created_at="2026-01-01T00:00:00Z", turns=["hi"], item_id=item if target == "item" else "",
                 target=target, label=label, rank=1)


@pytest.mark.parametrize(
    "labels, message",
    [
        ([], "no item labels"),
        ([_lab("s1", "x", 1), _lab("s2", "y", 1)], "all 2 labels are thumbs-up"),
        ([_lab("s1", "x", -1), _lab("s2", "y", -1)], "all 2 labels are thumbs-down"),
        ([_lab("s1", "x", 0), _lab("s2", "y", 0)], "retracted"),
        ([_lab("s1", "x", 1, "reply"), _lab("s2", "y", -1, "reply")], "on replies"),
    ],
)
def test_nothing_to_learn_from_stops_with_a_clear_message(rec, tmp_path, labels, message):
    ids = rec.catalog.ids
    for lab in labels:
        lab.item_id = {"x": ids[0], "y": ids[1]}.get(lab.item_id, lab.item_id)
    with pytest.raises(TrainError, match=message):
        train_next(labels, rec.catalog, rec, Registry(tmp_path))
    assert not any(tmp_path.iterdir())  # nothing written


def test_single_session_and_unknown_items_stop(rec, tmp_path):
    ids = rec.catalog.ids
    with pytest.raises(TrainError, match="single session"):
        train_next([_lab("s1", ids[0], 1), _lab("s1", ids[1], -1)], rec.catalog, rec, Registry(tmp_path))
    with pytest.raises(TrainError, match="items this catalog does not have"):
        train_next([_lab("s1", "nope", 1), _lab("s2", "gone", -1)], rec.catalog, rec, Registry(tmp_path))


def test_cli_bad_labels_exit_2_with_one_line(shop, tmp_path, capsys):
    from mmcrec.cli import main

    f = tmp_path / "labels.jsonl"
    f.write_text("")
    assert main(["train", "--labels", str(f), "--catalog", str(shop), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no item labels" in err[0]
    assert main(["train", "--labels", str(tmp_path / "missing.jsonl"), "--catalog", str(shop), "--out", str(tmp_path)]) == 2


def test_split_is_by_session_and_seeded():
    ex = [Example(f"s{s}", [f"ask {s} {j}"], "", "", up=[0], down=[1]) for s in range(30) for j in range(3)]
    train, held = split_by_session(ex, seed=3)
    assert {e.session_id for e in train}.isdisjoint({e.session_id for e in held})
    assert len(train) + len(held) == len(ex) and held and train
    assert all(sum(e.session_id == s for e in held) in (0, 3) for s in {e.session_id for e in ex})
    again, _ = split_by_session(ex, seed=3)
    assert [e.session_id for e in again] == [e.session_id for e in train]
    other, _ = split_by_session(ex, seed=4)
    assert [e.session_id for e in other] != [e.session_id for e in train]
    # sessions that asked the very same thing stay on one side too
    same = [Example(f"s{s}", [f"ask {s % 10}"], "", "", up=[0], down=[1]) for s in range(40)]
    tr, he = split_by_session(same, seed=0)
    assert {tuple(e.turns) for e in tr}.isdisjoint({tuple(e.turns) for e in he})


def test_old_model_directories_still_load(tmp_path, rec):
    old = tmp_path / "v1"
    old.mkdir()
    # format 0: a card written before params had all their names, no weights file
    (old / "card.json").write_text(json.dumps({"version": "v1", "params": {"alpha": 0.3, "retired_knob": 7}}))
    m = Model.load(old)
    assert m.version == "v1" and m.params.alpha == 0.3
    assert m.params.tau_r == ModelParams().tau_r and m.adapter.tensors() == {}
    rec.set_model(m)
    try:
        st = DialogueState()
        st.add(Turn("a toy"), rec.vocab)
        assert rec.recommend(st, k=3).model_version == "v1"
    finally:
        rec.set_model(Model())
    bare = tmp_path / "v2"
    bare.mkdir()
    (bare / "card.json").write_text("{}")
    assert Model.load(bare).version == "v2" and Model.load(bare).params == ModelParams()
    future = tmp_path / "v3"
    future.mkdir()
    (future / "card.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match="newer"):
        Model.load(future)


def test_numbering_is_monotonic_and_nothing_is_overwritten(tmp_path):
    reg = Registry(tmp_path)
    v1, d1 = reg.new_version_dir()
    Model(card={"version": v1}).save(tmp_path / "saved-v1")
    with pytest.raises(FileExistsError):
        Model().save(tmp_path / "saved-v1")
    v2, d2 = reg.new_version_dir()
    assert (v1, v2) == ("v1", "v2")
    shutil.rmtree(d2)
    v3, _ = reg.new_version_dir()
    assert v3 == "v3"  # a deleted number is never given out again
    (tmp_path / "v7").mkdir()
    assert reg.new_version_dir()[0] == "v8"


def test_promote_rollback_and_resolve(tmp_path):
    reg = Registry(tmp_path)
    assert reg.current() is None and resolve_model_dir(tmp_path) is None
    for v, a in (("v1", 0.2), ("v2", 0.8)):
        Model(ModelParams(alpha=a), card={"version": v}).save(tmp_path / v)
    assert [v for v, _ in reg.versions()] == ["v1", "v2"]
    assert reg.promote("v1").params.alpha == pytest.approx(0.2)
    assert resolve_model_dir(tmp_path) == tmp_path / "v1"
    reg.promote("v2")
    assert reg.current() == "v2" and Model.load(resolve_model_dir(tmp_path)).params.alpha == pytest.approx(0.8)
    assert reg.rollback() == "v1"
    assert reg.rollback() is None
    with pytest.raises(RegistryError, match="nothing to roll back"):
        reg.rollback()
    with pytest.raises(FileNotFoundError):
        reg.promote("v9")
    assert resolve_model_dir(tmp_path, explicit=tmp_path / "v2") == tmp_path / "v2"
    with pytest.raises(FileNotFoundError):
        resolve_model_dir(tmp_path, explicit=tmp_path / "nope")


def test_cli_trains_from_an_exported_file_and_prints_the_table(rec, shop, tmp_path, capsys):
    from mmcrec.cli import main

    f = tmp_path / "labels.jsonl"
    f.write_text("".join(json.dumps(lab.to_dict()) + "\n" for lab in favour(rec, "toys", sessions=20)))
    q = tmp_path / "queries.jsonl"
    q.write_text(json.dumps({"query_id": "q1", "turns": ["a present"], "relevant": {rec.catalog.ids[6]: 2}}) + "\n")
    out = tmp_path / "models"
    assert main(["train", "--labels", str(f), "--catalog", str(shop), "--out", str(out), "--queries", str(q),
                 "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert "held-out labels" in text and "labelled queries" in text and "NDCG@10" in text and "AUC" in text
    assert (out / "v1" / "card.json").is_file()
    card = json.loads((out / "v1" / "card.json").read_text())
    learned = next(ln for ln in text.splitlines() if ln.startswith("learned: "))  # what v1 took from the labels
    assert ("scalars and bridge kept" in learned) == card["expansion"]["trained_scalars_kept"]
    assert "photo style" not in learned and not card["photo_centring"]["kept"]  # these labels carry no photos
    assert main(["train", "--labels", str(f), "--catalog", str(shop), "--out", str(out)]) == 0
    assert (out / "v2" / "card.json").is_file()
    assert json.loads((out / "v1" / "card.json").read_text())["seed"] == 1  # v1 untouched


def test_training_scores_with_the_served_math(rec):
    """training.forward (batched, float32, low-rank adapters) and Recommender.scores give the same Y."""
    import torch

    from mmcrec.model import Adapter
    from mmcrec.training import featurize, forward, frozen

    rng = np.random.default_rng(0)
    d, dn, _ = rec.dims
    eye = np.eye(d, dtype=np.float32)
    model = Model(ModelParams(alpha=0.3, tau_r=0.4, tau_c=0.7, recency=1.1, image_weight=0.6),
                  Adapter(text=eye + 0.05 * rng.standard_normal((d, d), dtype=np.float32),
                          image=eye + 0.05 * rng.standard_normal((d, d), dtype=np.float32),
                          bridge=0.05 * rng.standard_normal((dn, d), dtype=np.float32)),
                  {"version": "vT"})
    img = str(Path(rec.catalog.items["image"].iat[3]))
    from mmcrec.images import open_image

    dialogues = [(["a red toy", "not blue", "cheaper"], "", None), (["something for the kitchen"], "", None),
                 ([], img, None), (["like this but for music"], img, None),
                 (["running shoes", "like this", "cheaper"], img, 1)]  # the photo came with the second turn
    exs = [Example(f"s{i}", t, p, f"sha{i}" if p else "", up=[0], image_turn=at)
           for i, (t, p, at) in enumerate(dialogues)]
    ix = rec.index
    items_raw = {k: torch.from_numpy(getattr(ix, k)).float() for k in ("text", "image", "native")}
    items_raw["has_image"] = torch.from_numpy(ix.has_image)
    y_train = forward(*frozen(model, "cpu"), items_raw, featurize(exs, rec, np.arange(len(rec.catalog)), "cpu")).numpy()
    rec.set_model(model)
    try:
        for ex in exs:
            st = DialogueState()
            image = open_image(ex.image_path) if ex.image_path else None
            for t in dialogue_turns(ex.turns, image, ex.image_sha256, ex.image_turn):
                st.add(t, rec.vocab)
            y_served = rec.scores(st).y
            np.testing.assert_allclose(y_train[ex.row], y_served, atol=1e-5)
    finally:
        rec.set_model(Model())


# -- click-through expansion and the verdict ------------------------------------------------------

# one labelled ask per category, each liking one item of it and rejecting one of another
ASKS = {"kitchen": "a pot to cook soup in", "toys": "a toy for a small child", "audio": "headphones for music",
        "shoes": "shoes for walking"}


def _expansion_model(rec: Recommender, liked: dict[str, str], pull: float = 1.0):
    """A model whose only change is the expansion learned from one session per ask in ASKS."""
    import torch

    from mmcrec.training import expansion_sums, featurize, frozen, make_examples, make_expansion, request_vectors

    items = rec.catalog.items
    labels = []
    for s, (cat, ask) in enumerate(ASKS.items()):
        other = items.loc[items["category"] != cat, "item_id"].iat[s]
        for iid, v in ((liked[cat], 1), (other, -1)):
            labels.append(Label(label_id=make_label_id(f"s{s}", "ann", "item", iid, [ask]), session_id=f"s{s}",
                                annotator="ann", created_at="2026-01-01T00:00:00Z", turns=[ask], item_id=iid,
                                rank=1, target="item", label=v))
    ex, _ = make_examples(labels, rec.catalog)
    n = len(rec.catalog)
    batch = featurize(ex, rec, np.arange(n), "cpu")
    sums = expansion_sums(ex, request_vectors(*frozen(Model(), "cpu"), batch), {i: i for i in range(n)}, n)
    exp = make_expansion(sums, pull, 0.5, torch.from_numpy(rec.index.has_image), rec.catalog.ids)
    return Model(card={"version": "vX"}, expansion=exp), labels


def _rank_of(rec: Recommender, text: str, item_id: str) -> int:
    st = DialogueState()
    st.add(Turn(text), rec.vocab)
    return [it["item_id"] for it in rec.recommend(st, k=len(rec.catalog)).items].index(item_id)


def test_expansion_lifts_a_liked_item_for_a_new_request_that_means_the_same(rec):
    items = rec.catalog.items
    # the kitchen item the untrained model ranks lowest for a paraphrase nobody labelled
    new_ask = "something for making dinner on the stove"
    kitchen = items.loc[items["category"] == "kitchen", "item_id"].tolist()
    target = max(kitchen, key=lambda iid: _rank_of(rec, new_ask, iid))
    liked = {c: (target if c == "kitchen" else items.loc[items["category"] == c, "item_id"].iat[0]) for c in ASKS}
    model, _ = _expansion_model(rec, liked)
    before = _rank_of(rec, new_ask, target)
    rec.set_model(model)
    try:
        after = _rank_of(rec, new_ask, target)
    finally:
        rec.set_model(Model())
    assert after < before, (before, after)


def test_expansion_leaves_unlabelled_items_unchanged_and_survives_save_and_load(rec, tmp_path):
    items = rec.catalog.items
    liked = {c: items.loc[items["category"] == c, "item_id"].iat[0] for c in ASKS}
    model, labels = _expansion_model(rec, liked)
    labelled = {lab.item_id for lab in labels}
    assert set(model.expansion.item_ids) == labelled
    plain = rec.served.items
    rec.set_model(model)
    try:
        expanded = rec.served.items
        for i, iid in enumerate(rec.catalog.ids):
            same = np.allclose(expanded["text"][i].numpy(), plain["text"][i].numpy())
            assert same == (iid not in labelled), iid
        st = DialogueState()
        st.add(Turn("a gift for a cook"), rec.vocab)
        y_mem = rec.scores(st).y
        rec.set_model(Model.load(model.save(tmp_path / "vX")))
        assert rec.model.expansion.item_ids == model.expansion.item_ids
        np.testing.assert_array_equal(rec.scores(st).y, y_mem)
    finally:
        rec.set_model(Model())


def test_verdict_needs_enough_sessions_and_an_interval_above_zero():
    from mmcrec.training import MIN_HELDOUT_SESSIONS, verdict

    def metrics(values, sessions):
        return {"per_dialogue": list(values), "sessions": [f"s{i}" for i in sessions]}

    few = range(5)
    v = verdict(metrics([0.9] * 5, few), metrics([0.1] * 5, few))
    assert not v["promotable"] and v["too_thin"] and "too thin" in v["text"] and str(MIN_HELDOUT_SESSIONS) in v["text"]
    many = range(40)
    rng = np.random.default_rng(0)
    cur = rng.uniform(0.2, 0.6, 40)
    v = verdict(metrics(cur + 0.2, many), metrics(cur, many))
    assert v["promotable"] and v["ci"][0] > 0 and "95% CI" in v["text"]
    noise = rng.normal(0, 0.2, 40)
    v = verdict(metrics(cur + noise, many), metrics(cur, many))
    assert not v["promotable"] and not v["too_thin"] and v["ci"][0] < 0 < v["ci"][1]


def test_labels_replay_the_photo_at_the_turn_it_came_with(demo_rec):
    """image_turn (docs/contracts.md §4) puts the photo back where the shopper sent it; labels
    written before it existed keep the photo on the first turn."""
    from mmcrec.dialogue import dialogue_turns
    from mmcrec.labels import Label
    from mmcrec.training import make_examples

    item = demo_rec.catalog.ids[0]
    base = dict(session_id="s", annotator="a", turns=["running shoes", "like this", "cheaper"],
                image_sha256="ab" * 32, image_path="", item_id=item, target="item", label=1)
    (ex,), _ = make_examples([Label(**base, image_turn=1)], demo_rec.catalog)
    (old,), _ = make_examples([Label(**base)], demo_rec.catalog)
    assert ex.image_turn == 1 and old.image_turn is None
    photo = object()  # any picture: the turns only carry it
    turns = dialogue_turns(ex.turns, photo, ex.image_sha256, ex.image_turn)
    assert [t.image is photo for t in turns] == [False, True, False]
    assert [t.image is photo for t in dialogue_turns(old.turns, photo, old.image_sha256, old.image_turn)] == \
        [True, False, False]


QUERY_PHOTOS = sorted(p for d in ("demo", "openmoji")
                      for p in (Path(__file__).resolve().parent.parent / "assets" / "eval" / d / "query_images").glob("*.png"))


def photo_sessions(rec: Recommender, photos: list[Path]) -> list[Label]:
    """One session per photo, sent alone: the first shown item up, the next two down."""
    from mmcrec.images import open_image

    labels = []
    for s, path in enumerate(photos):
        sha = __import__("hashlib").sha256(path.read_bytes()).hexdigest()
        st = DialogueState()
        for t in dialogue_turns([], open_image(path), sha):
            st.add(t, rec.vocab)
        for r, it in enumerate(rec.recommend(st, k=3).items):
            labels.append(Label(label_id=make_label_id(f"p{s}", "ann", "item", it["item_id"], []), session_id=f"p{s}",
                                annotator="ann", created_at="2026-01-01T00:00:00Z", turns=[], image_sha256=sha,
                                image_path=str(path), item_id=it["item_id"], rank=r + 1, target="item",
                                label=1 if r == 0 else -1))
    return labels


def test_shoppers_photos_teach_their_average_which_photo_turns_are_centred_on(rec, tmp_path):
    """Adapter.photo_mean: the average of the distinct photos of the fitting sessions, learned
    from MIN_PHOTOS photos up; photo turns meet item pictures as normalize(native − mean), words unchanged."""
    from mmcrec.images import open_image
    from mmcrec.model import Adapter
    from mmcrec.training import MIN_PHOTOS

    n = 60
    assert len(QUERY_PHOTOS) >= n
    res = train_next(photo_sessions(rec, QUERY_PHOTOS[:n]), rec.catalog, rec, Registry(tmp_path / "reg"), seed=0,
                     current=Model())
    learned = res.model.card["photo_centring"]
    mean = res.model.adapter.photo_mean
    assert learned["kept"] and MIN_PHOTOS <= learned["photos"] < n  # the fitting sessions' photos only
    assert f"the shoppers' photo style from {learned['photos']} photos" in res.table
    feats = np.stack([rec.encoder.encode_image([open_image(p)]).native[0] for p in QUERY_PHOTOS[:n]])
    # the mean of some of those photos: inside their span, near their overall average
    assert mean.shape == (feats.shape[1],)
    assert np.corrcoef(mean, feats.mean(0))[0, 1] > 0.95

    centred = Model(ModelParams(), Adapter(photo_mean=mean))
    words, photo = DialogueState(), DialogueState()
    words.add(Turn("a teapot"), rec.vocab)
    for t in dialogue_turns([], open_image(QUERY_PHOTOS[-1]), "held-out photo"):
        photo.add(t, rec.vocab)
    try:
        y_words, y_photo = rec.scores(words).y, rec.scores(photo).y
        rec.set_model(Model.load(centred.save(tmp_path / "vC")))
        np.testing.assert_array_equal(rec.model.adapter.photo_mean, mean)
        np.testing.assert_array_equal(rec.scores(words).y, y_words)
        assert not np.allclose(rec.scores(photo).y, y_photo)
    finally:
        rec.set_model(Model())

    few = train_next(photo_sessions(rec, QUERY_PHOTOS[:MIN_PHOTOS - 2]) + favour(rec, "toys", sessions=20),
                     rec.catalog, rec, Registry(tmp_path / "few"), seed=0, current=Model())
    assert few.model.adapter.photo_mean is None and not few.model.card["photo_centring"]["kept"]


def test_graded_judgements_rank_exact_above_acceptable(rec):
    """Campaign grades (GradedLabel): 2 and 1 are both thumbs up, but training also asks the
    exact item (most annotators said 2) to rank above the acceptable one (1)."""
    import torch

    from mmcrec.training import GradedLabel, make_examples, pairs_of

    ids = rec.catalog.ids
    a, b, c, d = ids[:4]
    grades = {("ann1", a): 2, ("ann2", a): 2, ("ann1", b): 1, ("ann2", b): 2, ("ann1", c): 2, ("ann2", c): 1,
              ("ann1", d): 0, ("ann2", d): 0}
    labels = [GradedLabel(label_id=f"{who}-{item}", session_id="campaign/c/q1", annotator=who, turns=["running shoes"],
                          item_id=item, target="item", label=1 if g > 0 else -1, grade=g)
              for (who, item), g in grades.items()]
    (ex,), counts = make_examples(labels, rec.catalog)
    pos = {iid: i for i, iid in enumerate(ids)}
    assert ex.up == sorted(pos[x] for x in (a, b, c)) and ex.down == [pos[d]]
    assert ex.exact == [pos[a]]  # b and c: one 2 and one 1 each, not "more than half said 2"
    assert counts["exact"] == 1
    ex.row = 0
    local = {i: i for i in range(len(ids))}
    mask = torch.ones((1, len(ids)), dtype=torch.bool)
    dlg, hi, lo, w = pairs_of([ex], local, mask, 0, np.random.default_rng(0))
    pairs = {(int(h), int(l)) for h, l in zip(hi, lo)}
    assert {(pos[a], pos[b]), (pos[a], pos[c])} <= pairs  # exact over acceptable
    assert (pos[b], pos[c]) not in pairs and (pos[c], pos[b]) not in pairs  # the acceptable ones tie
    assert {(pos[x], pos[d]) for x in (a, b, c)} <= pairs  # every up over the down
    # plain thumbs (no grades): no exact items, so no such pairs
    (plain,), _ = make_examples([Label(**{k: v for k, v in vars(lab).items() if k != "grade"}) for lab in labels], rec.catalog)
    assert plain.exact == []


def test_one_dialogue_that_differs_is_no_proof_either_way():
    """The tie rule of every fit: with a single dialogue ranked worse, the mean difference equals its
    standard error exactly; rounding must not make that one dialogue a significant loss (a memory
    fit once fell back to exact wordings only for it)."""
    from mmcrec.training.verdict import within_one_error

    for n in (5, 33, 100):
        for loss in (0.0004, 0.0039, 0.3):
            best = np.full(n, 0.8)
            other = best.copy()
            other[3] -= loss
            assert within_one_error(best, other)
    best = np.full(33, 0.8)
    worse = best - np.linspace(0.01, 0.05, 33)  # every dialogue worse: a real loss
    assert not within_one_error(best, worse)

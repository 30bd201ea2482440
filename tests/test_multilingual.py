"""Requests in other languages: the language of each turn, and the multilingual path that answers
them in the catalog's own words (mmcrec/multilingual.py)."""
from __future__ import annotations

import pytest

from mmcrec.dialogue import DialogueState, Turn
from mmcrec.language import bridged, detect_language, unreadable_note


@pytest.mark.parametrize("text, lang", [
    ("red running shoes under $80", "en"), ("a café latte cup", "en"), ("nike air max", "en"),
    ("what hats do you sell", "en"), ("słuchawki bezprzewodowe", "pl"), ("kabellose Kopfhörer", "de"),
    ("想买双跑步鞋，80美元以内", "zh"), ("８０美元以内的茶壶", "zh"), ("ランニングシューズが欲しい", "ja"),
    ("빨간 운동화", "ko"), ("зимняя шапка", "ru"), ("zapatillas para correr", "es"),
    ("une théière pour le thé vert", "fr"), ("ich suche eine Teekanne für grünen Tee", "de"), ("שלום עולם", "hebrew"),
])
def test_each_turn_gets_its_language(text, lang):
    assert detect_language(text) == lang


def test_only_scripts_no_installed_encoder_reads_are_refused():
    assert unreadable_note("想买双跑步鞋", "offline") is None and bridged("想买双跑步鞋", "offline")
    assert "Hebrew" in unreadable_note("נעלי ריצה", "offline")
    assert not bridged("running shoes", "offline")


def top_titles(rec, *turns: str, k: int = 5) -> list[str]:
    st = DialogueState()
    for t in turns:
        st.add(Turn(t), rec.vocab)
    return [it["title"].lower() for it in rec.recommend(st, k=k).items]


@pytest.mark.parametrize("request_text, words", [
    ("想买双跑步鞋", ("runner",)), ("一个泡茶用的茶壶", ("teapot",)), ("zapatillas para correr", ("runner", "sneaker")),
    ("un sac à dos pour l'école", ("backpack",)),
])
def test_a_request_in_another_language_finds_the_english_catalogs_items(demo_rec, request_text, words):
    titles = top_titles(demo_rec, request_text)
    assert any(w in t for t in titles[:3] for w in words), titles


@pytest.mark.parametrize("request_text, kind", [("我想要一把雨伞", "umbrella"), ("送朋友的蜡烛", "candle"),
                                                 ("ろうそくが欲しい", "candle")])
def test_a_turn_in_another_language_is_read_as_the_kind_it_names(demo_rec, request_text, kind):
    """Read in the multilingual space, the kind is as sure as the English words would make it;
    through the bridge (a mix of the items matched) a shower head stood beside the umbrella."""
    st = DialogueState()
    st.add(Turn(request_text), demo_rec.vocab)
    demo_rec.recommend(st, k=5)
    top = max(st.inferred, key=lambda g: g["confidence"])
    assert kind in top["kind"].lower() and top["confidence"] >= 0.55, st.inferred
    english = DialogueState()
    english.add(Turn(f"a {kind}"), demo_rec.vocab)
    demo_rec.recommend(english, k=5)
    assert kind in [g["kind"] for g in english.inferred]


def test_mixed_languages_in_one_dialogue(demo_rec):
    """The language is read per turn: an English turn after a Chinese one stays English."""
    titles = top_titles(demo_rec, "想买双跑步鞋", "in blue")
    assert "blue" in titles[0] and any(w in titles[0] for w in ("runner", "sneaker")), titles
    assert "cloudstep runner - blue" in titles[:5], titles


def test_the_catalog_in_the_multilingual_space_is_cached_on_disk(demo_rec, tmp_path):
    import numpy as np

    from mmcrec.multilingual import CrossLingual

    texts, keys = demo_rec.catalog.texts()[:20], demo_rec.catalog.row_keys()[:20]
    first = CrossLingual(texts, keys, tmp_path).items
    assert list(tmp_path.glob("*.npz"))
    again = CrossLingual(["changed"] * 20, keys, tmp_path).items  # same keys: read, not encoded
    assert np.array_equal(first, again)


@pytest.mark.parametrize("pictured, words, wanted", [
    ("Six-Panel Baseball Cap - Black", "这个要红色的", "Six-Panel Baseball Cap - Red"),
    ("Chunky Knit Scarf - Gray", "这个要红色的", "Chunky Knit Scarf - Red"),
    ("Six-Panel Baseball Cap - Black", "要粉色的", "Six-Panel Baseball Cap - Pink"),
])
def test_a_photo_with_only_a_colour_in_chinese_shows_that_colour_first(demo_rec, pictured, words, wanted):
    """"This one in red" with a photo: the same thing in red leads, in Chinese as in English."""
    titles = demo_rec.catalog.items["title"].tolist()
    photo = demo_rec.catalog.load_image(titles.index(pictured))
    st = DialogueState()
    st.add(Turn(words, image=photo, image_sha256=f"test:{pictured}"), demo_rec.vocab)
    shown = [it["title"] for it in demo_rec.recommend(st, k=4).items]
    assert shown[0] == wanted, shown

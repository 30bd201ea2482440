"""Colour names the catalog does not use: a shopper's "crimson" finds the shop's "Burgundy", a
shop's "Charcoal" answers "grey", a colour word that belongs to another noun is not the item's
colour, and a colour nothing on the page has is said, not silently ignored."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from mmcrec.catalog import load_catalog
from mmcrec.dialogue import DialogueState, Vocabulary, dialogue_turns, parse_turn
from mmcrec.palette import family

from conftest import DEMO_CATALOG


@pytest.mark.parametrize("name, fam", [
    ("scarlet", "red"), ("Oxblood", "red"), ("Cobalt Blue", "blue"), ("Slate", "grey"), ("Stone Grey", "grey"),
    ("lilac", "purple"), ("Sunflower Yellow", "yellow"), ("Walnut", "brown"), ("Camel", "beige"),
    ("Forest Green", "green"), ("gray", "grey"), ("ivory", "white"), ("Brushed Steel", "silver"),
])
def test_a_colour_name_falls_in_the_family_people_see(name, fam):
    assert family(name) == fam


def test_names_that_are_no_colour_have_no_family():
    assert family("Natural Wood") is None and family("multicolor") is None and family("") is None


@pytest.fixture
def retail_colours(tmp_path):
    """Six demo items recoloured with a retail shop's colour names."""
    df = pd.read_csv(DEMO_CATALOG, dtype=str, keep_default_na=False)
    picks = df[df["title"].str.contains("Scarf|Tee", regex=True)].head(6).copy()
    picks["color"] = ["Burgundy", "Charcoal", "Mustard", "Cherry Red", "Navy", "Sky Blue"][: len(picks)]
    (tmp_path / "images").mkdir()
    for img in picks["image"]:
        shutil.copy(DEMO_CATALOG.parent / img, tmp_path / img)
    picks.to_csv(tmp_path / "shop.csv", index=False)
    return Vocabulary(load_catalog(tmp_path / "shop.csv")), picks["color"].tolist()


def test_a_shoppers_colour_word_matches_the_shops_names_of_that_colour(retail_colours):
    vocab, colours = retail_colours
    it = parse_turn("a scarlet scarf", vocab)
    assert it.colors == ["scarlet"]
    hit = [c for c, m in zip(colours, vocab.color_mask("scarlet")) if m]
    assert sorted(hit) == ["Burgundy", "Cherry Red"]
    assert [c for c, m in zip(colours, vocab.color_mask("grey")) if m] == ["Charcoal"]
    assert sorted(c for c, m in zip(colours, vocab.color_mask("blue")) if m) == ["Navy", "Sky Blue"]


def test_a_colour_that_qualifies_another_noun_is_not_the_items_colour():
    vocab = Vocabulary(load_catalog(DEMO_CATALOG))
    assert parse_turn("a jug for white lilies", vocab).colors == []
    assert parse_turn("a belt to go with brown boots", vocab).colors == []
    assert parse_turn("a cover for my tablet in green", vocab).colors == ["green"]
    assert parse_turn("a green cover for my tablet", vocab).colors == ["green"]
    # words that name things as often as colours stay things in a shopper's words
    assert parse_turn("a coffee grinder", vocab).colors == []


def test_a_colour_nothing_matches_is_said(demo_rec):
    from mmcrec.reply import plain_reply

    st = DialogueState()
    for t in dialogue_turns(["a lilac teapot"]):
        st.add(t, demo_rec.vocab)
    rec = demo_rec.recommend(st, k=10)
    assert "Teapot" in rec.items[0]["title"]  # the demo's teapots are pink, white and blue
    assert "Nothing here is lilac" in plain_reply(rec, st, demo_rec.vocab.categories)
    st = DialogueState()
    for t in dialogue_turns(["a scarlet scarf"]):
        st.add(t, demo_rec.vocab)
    rec = demo_rec.recommend(st, k=10)
    assert rec.items[0]["color"] == "red"
    text = plain_reply(rec, st, demo_rec.vocab.categories)
    assert "it is red" in text and "Nothing here" not in text

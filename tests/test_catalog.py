"""Catalog loading: formats, bad rows by row number, safe image paths; the embedding cache."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mmcrec.catalog import CatalogError, load_catalog
from mmcrec.embedding_cache import build_index

from conftest import DEMO_CATALOG


def test_demo_catalog_is_big_varied_and_clean():
    cat = load_catalog(DEMO_CATALOG)
    assert cat.issues == []
    assert len(cat) >= 200
    assert cat.items["category"].nunique() >= 12
    assert cat.items["item_id"].is_unique
    assert (cat.items["price"] >= 0).all()
    # descriptions are written for the product, not the category repeated
    assert cat.items["description"].nunique() > 0.9 * len(cat)


def _write(tmp_path: Path, rows: list[dict], name="shop.csv") -> Path:
    img = tmp_path / "images"
    img.mkdir(exist_ok=True)
    src = sorted((DEMO_CATALOG.parent / "images").glob("*.webp"))[:3]
    for s in src:
        shutil.copy(s, img / s.name)
    (img / "fake.png").write_text("this is text, not a picture")
    path = tmp_path / name
    df = pd.DataFrame(rows)
    if name.endswith(".csv"):
        df.to_csv(path, index=False)
    elif name.endswith(".jsonl"):
        df.to_json(path, orient="records", lines=True)
    else:
        df.to_parquet(path)
    return path


def _rows():
    imgs = sorted(p.name for p in (DEMO_CATALOG.parent / "images").glob("*.webp"))[:3]
    return [
        {"item_id": "a", "title": "Good one", "image": f"images/{imgs[0]}", "price": 10, "color": "Red"},
        {"item_id": "b", "title": "", "image": f"images/{imgs[1]}", "price": 5, "color": ""},  # row 2: no title
        {"item_id": "a", "title": "Dup", "image": f"images/{imgs[1]}", "price": 5, "color": ""},  # row 3: duplicate
        {"item_id": "c", "title": "Neg", "image": f"images/{imgs[1]}", "price": -3, "color": ""},  # row 4: price
        {"item_id": "d", "title": "Fake", "image": "images/fake.png", "price": 3, "color": ""},  # row 5: not image
        {"item_id": "e", "title": "Gone", "image": "images/missing.webp", "price": 3, "color": ""},  # row 6
        {"item_id": "f", "title": "Escape", "image": "../../etc/passwd", "price": 3, "color": ""},  # row 7
        {"item_id": "g", "title": "Good two", "image": f"images/{imgs[2]}", "price": "", "color": "blue"},
    ]


@pytest.mark.parametrize("name", ["shop.csv", "shop.jsonl", "shop.parquet"])
def test_bad_rows_are_reported_by_row_number_and_dropped(tmp_path, name):
    rows = _rows()
    if not name.endswith(".csv"):
        rows[-1]["price"] = None
    cat = load_catalog(_write(tmp_path, rows, name))
    assert cat.ids == ["a", "g"]
    by_row = {i.row: i.message for i in cat.issues}
    assert sorted(by_row) == [2, 3, 4, 5, 6, 7]
    assert "title" in by_row[2]
    assert "duplicate" in by_row[3]
    assert "price" in by_row[4]
    assert "not an image" in by_row[5]
    assert "not found" in by_row[6]
    assert "leaves the catalog folder" in by_row[7]
    assert cat.item(0)["color"] == "red"  # normalised


def test_absolute_and_symlinked_paths_are_refused(tmp_path):
    imgs = sorted((DEMO_CATALOG.parent / "images").glob("*.webp"))
    (tmp_path / "images").mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}-outside.webp"
    shutil.copy(imgs[0], outside)
    (tmp_path / "images" / "link.webp").symlink_to(outside)
    shutil.copy(imgs[1], tmp_path / "images" / "ok.webp")
    path = tmp_path / "c.csv"
    pd.DataFrame(
        [
            {"item_id": "abs", "title": "Abs", "image": str(imgs[0])},
            {"item_id": "sym", "title": "Sym", "image": "images/link.webp"},
            {"item_id": "ok", "title": "Ok", "image": "images/ok.webp"},
        ]
    ).to_csv(path, index=False)
    cat = load_catalog(path)
    assert cat.ids == ["ok"]
    assert {i.row for i in cat.issues} == {1, 2}
    assert len(load_catalog(path, allow_outside=True)) == 3


def test_unusable_catalogs_raise_one_clear_error(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "nope.csv")
    (tmp_path / "x.csv").write_text("name,price\nfoo,1\n")
    with pytest.raises(CatalogError, match="missing required column"):
        load_catalog(tmp_path / "x.csv")
    (tmp_path / "y.csv").write_text("item_id,title,image\n,,\n")
    with pytest.raises(CatalogError, match="no valid rows"):
        load_catalog(tmp_path / "y.csv")
    (tmp_path / "z.txt").write_text("hello")
    with pytest.raises(CatalogError, match="format"):
        load_catalog(tmp_path / "z.txt")
    (tmp_path / "w.jsonl").write_text("{not json\n")
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "w.jsonl")


def test_extra_columns_are_kept_and_searchable(small_catalog):
    cat = load_catalog(small_catalog)
    assert "material" in cat.attributes
    assert "material:" in cat.item_text(0)


def test_cache_reuses_unchanged_rows_and_reembeds_a_changed_one(small_catalog, encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("MMCREC_CACHE_DIR", str(tmp_path / "cache"))
    cat = load_catalog(small_catalog)
    first = build_index(cat, encoder)
    assert first.stats["embedded"] == len(cat) and first.stats["reused"] == 0
    again = build_index(load_catalog(small_catalog), encoder)
    assert again.stats["embedded"] == 0 and again.stats["reused"] == len(cat)
    assert (again.text == first.text).all()

    df = pd.read_csv(small_catalog, dtype=str, keep_default_na=False)
    df.loc[2, "description"] = "Completely rewritten description about a violin for concerts."
    df.to_csv(small_catalog, index=False)
    changed = build_index(load_catalog(small_catalog), encoder)
    assert changed.stats["embedded"] == 1 and changed.stats["reused"] == len(cat) - 1
    assert not (changed.text[2] == first.text[2]).all()
    assert (changed.text[[0, 1, 3, 4]] == first.text[[0, 1, 3, 4]]).all()


def test_interrupted_shard_is_ignored_and_reembedded(small_catalog, encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("MMCREC_CACHE_DIR", str(tmp_path / "cache"))
    cat = load_catalog(small_catalog)
    ix = build_index(cat, encoder)
    shard = next(Path(ix.stats["cache_dir"]).glob("shard-*.npz"))
    shard.write_bytes(shard.read_bytes()[:100])  # a crash mid-write
    again = build_index(load_catalog(small_catalog), encoder)
    assert again.stats["embedded"] == len(cat)
    assert abs(again.text - ix.text).max() < 1e-2  # float16 cache


def test_unreadable_image_found_while_indexing_is_reported(small_catalog, encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("MMCREC_CACHE_DIR", str(tmp_path / "cache"))
    cat = load_catalog(small_catalog)
    # break an image after the catalog was checked (as happens with huge catalogs checked lazily)
    Path(cat.items["image"].iat[1]).write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    ix = build_index(cat, encoder)
    assert not ix.has_image[1] and ix.has_image[[0, 2, 3, 4]].all()
    assert [i.row for i in ix.issues] == [2]
    json.dumps([str(i) for i in ix.issues])


@pytest.mark.parametrize("column", [None, "colour"])
def test_a_catalog_without_a_color_column_still_answers_a_colour(tmp_path, column):
    # scarves, tees and mugs of the demo in several colours; the colour column dropped (or spelt
    # "colour"): "a red scarf" must still put the red scarf first, read from its title or that column
    from mmcrec.dialogue import DialogueState, Turn
    from mmcrec.recommender import load_recommender

    df = pd.read_csv(DEMO_CATALOG, dtype=str, keep_default_na=False)
    picks = df[df["title"].str.contains("Scarf|Crew Tee|Mug", regex=True)].copy()
    assert picks["color"].nunique() >= 3 and (picks["title"].str.contains("Scarf - Red")).any()
    picks = picks.rename(columns={"color": "colour"}) if column else picks.drop(columns=["color"])
    (tmp_path / "images").mkdir()
    for img in picks["image"]:
        shutil.copy(DEMO_CATALOG.parent / img, tmp_path / img)
    picks.to_csv(tmp_path / "shop.csv", index=False)
    rec = load_recommender(tmp_path / "shop.csv", "offline")
    state = DialogueState()
    state.add(Turn("a red scarf"), rec.vocab)
    r = rec.recommend(state, k=5)
    assert r.items[0]["title"].endswith("Scarf - Red"), [it["title"] for it in r.items]
    state.add(Turn("not red"), rec.vocab)
    assert not any(it["title"].endswith("Red") for it in rec.recommend(state, k=5).items)

"""The evaluation request files (assets/eval/sets.json) are sound ground truth for their catalogs.

Every catalog must load cleanly; every request must parse with the evaluator's own loader, say
what kind it is truthfully, grade only items of its catalog, and show a picture that exists and
is not one of the catalog's pictures; dev and test never share a request; a catalog has at least
80 requests; the new request files use a picture for at most two requests; and a split made by
assets/eval/split_requests.py is the seeded split of its own union (so nobody hand-picked it).
"""
from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmcrec.catalog import load_catalog
from mmcrec.evaluate import derive_kind, load_queries

ROOT = Path(__file__).resolve().parent.parent
SETS = json.loads((ROOT / "assets" / "eval" / "sets.json").read_text())
KINDS = {"text", "image", "text+image", "multi-turn"}
LEGACY_DEV = ROOT / "tests" / "data" / "queries.jsonl"  # written before this rule; reuses pictures

CASES = [(name, split) for name in SETS for split in ("dev", "test")]


def _split_module():
    spec = importlib.util.spec_from_file_location("split_requests", ROOT / "assets" / "eval" / "split_requests.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _thumb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB").resize((32, 32), Image.BILINEAR), dtype=np.float32)


@pytest.fixture(scope="module")
def catalogs():
    return {name: load_catalog(ROOT / s["catalog"]) for name, s in SETS.items()}


@pytest.mark.parametrize("name", list(SETS))
def test_catalog_loads_without_issues(catalogs, name):
    cat = catalogs[name]
    assert cat.issues == []
    assert len(cat) >= 150
    assert cat.items["category"].nunique() >= 15


@pytest.mark.parametrize("name,split", CASES)
def test_requests_grade_real_items_with_true_kinds(catalogs, name, split):
    path = ROOT / SETS[name][split]
    queries = load_queries(path)
    ids = set(catalogs[name].ids)
    for q in queries:
        assert q.kind in KINDS, (q.query_id, q.kind)
        assert q.kind == derive_kind(q.turns, q.image), (q.query_id, q.kind, q.turns, q.image)
        assert q.relevant, f"{q.query_id} grades no item"
        assert set(q.relevant.values()) <= {1, 2}, q.query_id
        missing = set(q.relevant) - ids
        assert not missing, f"{q.query_id} grades items not in {name}: {sorted(missing)}"
        if q.image:
            assert Path(q.image).is_file(), f"{q.query_id}: no picture at {q.image}"


@pytest.mark.parametrize("name", list(SETS))
def test_dev_and_test_are_disjoint_and_big_enough(name):
    dev = {q.query_id for q in load_queries(ROOT / SETS[name]["dev"])}
    test = {q.query_id for q in load_queries(ROOT / SETS[name]["test"])}
    assert not dev & test, sorted(dev & test)
    assert len(dev) + len(test) >= 80
    assert len(test) >= 60


@pytest.mark.parametrize("name", list(SETS))
def test_query_pictures_are_not_catalog_pictures(catalogs, name):
    cat = catalogs[name]
    items = np.stack([_thumb(Path(p)) for p in cat.items["image"]])
    pictures = {q.image for split in ("dev", "test") for q in load_queries(ROOT / SETS[name][split]) if q.image}
    for pic in sorted(pictures):
        diff = np.abs(items - _thumb(Path(pic))).mean(axis=(1, 2, 3))
        assert diff.min() > 8, f"{pic} looks like catalog item {cat.ids[int(diff.argmin())]}"


@pytest.mark.parametrize("name,split", [c for c in CASES if ROOT / SETS[c[0]][c[1]] != LEGACY_DEV])
def test_new_request_files_use_a_picture_at_most_twice(name, split):
    uses = Counter(q.image for q in load_queries(ROOT / SETS[name][split]) if q.image)
    assert all(n <= 2 for n in uses.values()), {Path(p).name: n for p, n in uses.items() if n > 2}


def test_openmoji_split_is_the_seeded_stratified_split():
    split = _split_module()
    folder = ROOT / "assets" / "eval" / "openmoji"
    assert split.check(folder) == []
    dev, test = split.read(folder / "dev.jsonl"), split.read(folder / "test.jsonl")
    by_kind = lambda rs: Counter(r["kind"] for r in rs)  # noqa: E731
    for kind, n in by_kind(dev + test).items():
        assert by_kind(dev)[kind] - by_kind(test)[kind] in (0, 1), kind


def test_a_hand_picked_split_is_caught(tmp_path):
    split = _split_module()
    folder = ROOT / "assets" / "eval" / "openmoji"
    dev, test = split.read(folder / "dev.jsonl"), split.read(folder / "test.jsonl")
    dev[0], test[0] = test[0], dev[0]  # swap one request between the halves
    split.write(tmp_path / "dev.jsonl", dev)
    split.write(tmp_path / "test.jsonl", test)
    assert len(split.check(tmp_path)) == 2

"""Sharded indexing: N `mmcrec index --shard i/N` processes fill one cache, a plain run completes it."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import DEMO_CATALOG, ROOT
from mmcrec.catalog import load_catalog
from mmcrec.embedding_cache import build_index, parse_slice, slice_of


@pytest.fixture
def catalog_24(tmp_path: Path) -> Path:
    """24 demo items (up to two per category) copied into a temp folder."""
    df = pd.read_csv(DEMO_CATALOG, dtype=str, keep_default_na=False)
    picks = df.groupby("category").head(2).head(24).copy()
    (tmp_path / "images").mkdir()
    for img in picks["image"]:
        shutil.copy(DEMO_CATALOG.parent / img, tmp_path / img)
    path = tmp_path / "shop.csv"
    picks.to_csv(path, index=False)
    return path


def _cached_rows(cache: Path) -> list[str]:
    """Every row key in every shard file, duplicates included."""
    keys: list[str] = []
    for f in cache.rglob("shard-*.npz"):
        keys += [str(k) for k in np.load(f)["keys"]]
    return keys


def test_three_slices_in_parallel_then_a_plain_run_embeds_nothing(catalog_24, tmp_path, encoder, mmcrec_cli):
    cache = tmp_path / "cache"
    env = dict(os.environ, HF_HUB_OFFLINE="1", MMCREC_CACHE_DIR=str(cache), MMCREC_ENCODER="offline")
    procs = [
        subprocess.Popen([sys.executable, "-m", "mmcrec", "index", "--catalog", str(catalog_24), "--shard", f"{i}/3"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        for i in range(3)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err

    cat = load_catalog(catalog_24)
    keys = cat.row_keys()
    expected = [sum(slice_of(k, 3) == i for k in keys) for i in range(3)]
    assert all(n > 0 for n in expected)  # every process had work
    for i, (out, _) in enumerate(outs):
        assert f"slice {i}/3: {expected[i]} of 24 items" in out and f"{expected[i]} embedded" in out
    # each row embedded by exactly one process: no slice overlapped another, none was missed
    written = _cached_rows(cache)
    assert sorted(written) == sorted(keys)

    # the merge: the plain command, as a user runs it after the slices
    env = {"MMCREC_CACHE_DIR": str(cache), "MMCREC_ENCODER": "offline"}
    merge = mmcrec_cli("index", "--catalog", str(catalog_24), env=env)
    assert merge.returncode == 0 and "indexed 24 items with offline: 0 embedded, 24 reused" in merge.stdout
    merged = build_index(load_catalog(catalog_24), encoder)
    assert merged.stats["embedded"] == 0

    single = build_index(load_catalog(catalog_24), encoder, cache=False)
    assert merged.text.shape == single.text.shape == (24, encoder.dim)
    for name in ("text", "image", "native"):  # row for row, within the cache's float16 rounding
        np.testing.assert_allclose(getattr(merged, name), getattr(single, name), atol=2e-3)
    assert (merged.has_image == single.has_image).all()


def test_the_plain_command_reports_nothing_to_embed_after_the_slices(catalog_24, tmp_path, mmcrec_cli):
    env = {"MMCREC_CACHE_DIR": str(tmp_path / "cache"), "MMCREC_ENCODER": "offline"}
    firsts = [mmcrec_cli("index", "--catalog", str(catalog_24), "--shard", f"{i}/2", env=env) for i in range(2)]
    assert all(p.returncode == 0 for p in firsts), [p.stderr for p in firsts]
    embedded = [int(re.search(r"(\d+) embedded", p.stdout).group(1)) for p in firsts]
    assert sum(embedded) == 24 and min(embedded) > 0

    again = mmcrec_cli("index", "--catalog", str(catalog_24), "--shard", "1/2", env=env)
    assert "0 embedded" in again.stdout  # a slice already done (or resumed) is not redone
    merge = mmcrec_cli("index", "--catalog", str(catalog_24), env=env)
    assert merge.returncode == 0 and "indexed 24 items with offline: 0 embedded, 24 reused" in merge.stdout
    assert "encoder offline (named with" in merge.stderr


def test_a_changed_row_moves_no_other_row_between_slices(catalog_24):
    """Slices follow each row's content key, not its position: reordering or editing one row
    leaves every other row in its slice."""
    keys = load_catalog(catalog_24).row_keys()
    before = {k: slice_of(k, 4) for k in keys}
    df = pd.read_csv(catalog_24, dtype=str, keep_default_na=False)
    df = df.iloc[::-1].reset_index(drop=True)
    df.loc[0, "description"] = "A rewritten description."
    df.to_csv(catalog_24, index=False)
    after = {k: slice_of(k, 4) for k in load_catalog(catalog_24).row_keys()}
    kept = set(before) & set(after)
    assert len(kept) == 23 and all(before[k] == after[k] for k in kept)


@pytest.mark.parametrize("text, parsed", [("0/1", (0, 1)), ("2/3", (2, 3)), (" 7/8 ", (7, 8))])
def test_slice_argument_parses(text, parsed):
    assert parse_slice(text) == parsed


@pytest.mark.parametrize("arg, message", [("3/2", "must be below N"), ("2/2", "must be below N"),
                                          ("x", "is not I/N"), ("1/0", "N must be at least 1"),
                                          ("1/3/4", "is not I/N"), ("", "is not I/N")])
def test_bad_slice_is_one_line_and_exit_2(arg, message, mmcrec_cli):
    p = mmcrec_cli("index", "--catalog", str(DEMO_CATALOG), f"--shard={arg}")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "--shard" in lines[0]


@pytest.fixture
def mmcrec_cli(capsys, monkeypatch):
    """`main()` in this process, so the models load once."""
    from mmcrec.cli import main

    def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        try:
            code = main(list(args))
        except SystemExit as e:
            code = e.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


def test_the_merge_folds_many_slice_files_into_one(catalog_24, tmp_path, mmcrec_cli):
    env = {"MMCREC_CACHE_DIR": str(tmp_path / "cache"), "MMCREC_ENCODER": "offline"}
    for i in range(12):
        assert mmcrec_cli("index", "--catalog", str(catalog_24), "--shard", f"{i}/12", env=env).returncode == 0
    files = list((tmp_path / "cache").rglob("shard-*.npz"))
    assert len(files) > 8  # enough small files that the merge compacts them
    merge = mmcrec_cli("index", "--catalog", str(catalog_24), env=env)
    assert "0 embedded, 24 reused" in merge.stdout
    left = list((tmp_path / "cache").rglob("shard-*.npz"))
    assert len(left) == 1 and sorted(_cached_rows(tmp_path / "cache")) == sorted(load_catalog(catalog_24).row_keys())

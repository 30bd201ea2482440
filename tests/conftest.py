"""Shared fixtures: the real encoders and the demo catalog, loaded once per test session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = ROOT / "assets" / "catalog.csv"
DATA = ROOT / "tests" / "data"


@pytest.fixture(autouse=True)
def _settings_follow_env(monkeypatch):
    """mmcrec reads its settings once (mmcrec/settings.py: current()). Each test starts from the
    environment as it is, and a test that changes it with monkeypatch.setenv/delenv gets the
    settings read again, as a process started with that environment would."""
    from mmcrec import settings

    settings.reset()
    for name in ("setenv", "delenv"):
        def follow(*args, _change=getattr(monkeypatch, name), **kw):
            _change(*args, **kw)
            settings.reset()
        setattr(monkeypatch, name, follow)  # this test's monkeypatch only
    yield
    settings.reset()


@pytest.fixture
def settings_with():
    """settings_with(max_image_bytes=1000): these settings in force for the rest of the test."""
    from mmcrec import settings

    def install(**changes):
        settings.use_settings(settings.current().replace(**changes))
    yield install
    settings.reset()


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server for the whole session (tests/pg_support.py)."""
    from pg_support import Cluster, server_bin

    bindir = server_bin()
    if bindir is None:
        if os.environ.get("MMCREC_REQUIRE_POSTGRES") == "1":
            pytest.fail("MMCREC_REQUIRE_POSTGRES=1 but the PostgreSQL server binaries are missing")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    cluster = Cluster(bindir)
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def encoder():
    from mmcrec.encoders import create_encoder

    return create_encoder("offline")


@pytest.fixture(scope="session")
def demo_rec(encoder):
    from mmcrec.recommender import load_recommender

    return load_recommender(DEMO_CATALOG, "offline")


@pytest.fixture
def small_catalog(tmp_path: Path) -> Path:
    """Five demo items copied into a temp folder, so tests can edit rows and images freely."""
    import pandas as pd

    df = pd.read_csv(DEMO_CATALOG, dtype=str, keep_default_na=False)
    picks = df.groupby("category").head(1).head(5).copy()
    (tmp_path / "images").mkdir()
    for img in picks["image"]:
        shutil.copy(DEMO_CATALOG.parent / img, tmp_path / img)
    path = tmp_path / "shop.csv"
    picks.to_csv(path, index=False)
    return path

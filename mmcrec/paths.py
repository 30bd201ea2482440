"""Where mmcrec keeps its data: one root, so running from another directory scatters nothing.

The data root is ``$MMCREC_DATA_DIR``, else the project folder (the one holding ``app.py``).
Under it: ``feedback/labels.sqlite`` (labels) and ``feedback/images/`` (uploaded photos),
``models/`` (the model registry). Each can be moved on its own by its variable.
Embedding caches live beside their catalog (see ``embedding_cache.py``), not here.
"""
from __future__ import annotations

from pathlib import Path

from . import settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = PROJECT_ROOT / "assets" / "catalog.csv"

ENV_DATA_DIR = "MMCREC_DATA_DIR"
ENV_FEEDBACK_DB = "MMCREC_FEEDBACK_DB"
ENV_MODELS_DIR = "MMCREC_MODELS_DIR"


def data_root() -> Path:
    """``$MMCREC_DATA_DIR``, else the project folder."""
    d = settings.current().data_dir
    return d.resolve() if d else PROJECT_ROOT


def default_labels_db() -> str:
    """``$MMCREC_FEEDBACK_DB`` (a file path or a database URL), else ``<data root>/feedback/labels.sqlite``."""
    return settings.current().feedback_db or str(data_root() / "feedback" / "labels.sqlite")


def default_models_root() -> Path:
    """``$MMCREC_MODELS_DIR``, else ``<data root>/models``."""
    return settings.current().models_dir or data_root() / "models"

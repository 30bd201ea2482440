"""Where mmcrec keeps its data: one root, so running from another directory scatters nothing.

The data root is ``$MMCREC_DATA_DIR``, else the project folder (the one holding ``app.py``).
Under it: ``feedback/labels.sqlite`` (labels) and ``feedback/images/`` (uploaded photos),
``models/`` (the model registry). Each can be moved on its own by its variable.
Embedding caches live beside their catalog (see ``embedding_cache.py``), not here.

Files that readers must never see half written (label exports, images, ``registry.json``) are
replaced whole with :func:`atomic_write`.
"""
from __future__ import annotations

import os
import tempfile
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


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a uniquely named temp file in the same folder + fsync +
    os.replace: a reader sees the old file or the new one, and a crash never leaves ``path``
    naming a file without its data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

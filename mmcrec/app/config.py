"""The app's settings: from arguments, else mmcrec.settings (environment, mmcrec.toml), else defaults."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .. import settings
from ..settings import parse_admins, parse_auth  # noqa: F401 — the app's names for them

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "assets" / "catalog.csv"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
TOP_K = 10


def resolve_host_port(host: str | None, port: int | None) -> tuple[str, int]:
    """Explicit value, else the host / port settings (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT), else 127.0.0.1:7860."""
    s = settings.current()
    h = host or s.host or DEFAULT_HOST
    if port is None:
        port = s.port if s.port is not None else DEFAULT_PORT
    return h, int(port)


def cache_root(catalog_path: str | Path) -> Path:
    """Where the app writes thumbnails and normalised uploads: the cache_dir setting (MMCREC_CACHE_DIR),
    else beside the catalog (`.mmcrec-cache`, as the embeddings), else ~/.cache/mmcrec when that is read-only."""
    base = settings.current().cache_dir
    p = Path(catalog_path).expanduser().resolve()
    root = Path(base) if base else p.parent / ".mmcrec-cache"
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError:
        root = Path.home() / ".cache" / "mmcrec" / hashlib.sha1(str(p).encode()).hexdigest()[:12]
        root.mkdir(parents=True, exist_ok=True)
    return root.resolve()


@dataclass
class AppConfig:
    catalog: str | Path = DEMO_CATALOG
    encoder: str | None = None
    model_dir: str | Path | None = None
    models_dir: str | Path | None = None  # the model registry; None: MMCREC_MODELS_DIR or <project>/models
    feedback_db: str | Path | None = None
    k: int = TOP_K
    auth: list[tuple[str, str]] | None = None  # password auth (MMCREC_AUTH)
    admins: set[str] | None = None  # MMCREC_ADMINS; None = unset
    on_space: bool = False  # SPACE_ID set: Hugging Face login

    @classmethod
    def from_env(cls, **kw) -> "AppConfig":
        """These values, the settings (mmcrec.settings.current()) filling the gaps."""
        s = settings.current()
        kw = {k: v for k, v in kw.items() if v is not None}
        kw.setdefault("catalog", DEMO_CATALOG)
        kw.setdefault("encoder", s.encoder)
        kw.setdefault("feedback_db", s.feedback_db)
        if "auth" not in kw:
            kw["auth"] = parse_auth(s.auth)
        if "admins" not in kw:
            kw["admins"] = parse_admins(s.admins)
        kw.setdefault("on_space", s.on_space)
        return cls(**kw)

"""The app's settings: from arguments, else the environment, else defaults."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "assets" / "catalog.csv"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
TOP_K = 10


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """MMCREC_AUTH "user:pass,user2:pass2" → [(user, pass), ...]; None when unset/empty."""
    if not value or not value.strip():
        return None
    pairs = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        user, sep, pw = part.partition(":")
        if not sep or not user.strip() or not pw:
            raise ValueError("MMCREC_AUTH must look like 'user:pass,user2:pass2'")
        pairs.append((user.strip(), pw))
    return pairs or None


def parse_admins(value: str | None) -> set[str] | None:
    """MMCREC_ADMINS "a, b" → {"a", "b"}; None when unset/empty."""
    if value is None or not value.strip():
        return None
    return {a.strip() for a in value.split(",") if a.strip()}


def resolve_host_port(host: str | None, port: int | None) -> tuple[str, int]:
    """Explicit value, else GRADIO_SERVER_NAME / GRADIO_SERVER_PORT, else 127.0.0.1:7860."""
    h = host or os.environ.get("GRADIO_SERVER_NAME") or DEFAULT_HOST
    if port is None:
        env = os.environ.get("GRADIO_SERVER_PORT", "").strip()
        port = int(env) if env else DEFAULT_PORT
    return h, int(port)


def cache_root(catalog_path: str | Path) -> Path:
    """Where the app writes thumbnails and normalised uploads: MMCREC_CACHE_DIR, else beside the
    catalog (`.mmcrec-cache`, as the embeddings), else ~/.cache/mmcrec when that is read-only."""
    base = os.environ.get("MMCREC_CACHE_DIR")
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
        kw = {k: v for k, v in kw.items() if v is not None}
        kw.setdefault("catalog", DEMO_CATALOG)
        kw.setdefault("encoder", os.environ.get("MMCREC_ENCODER") or None)
        kw.setdefault("feedback_db", os.environ.get("MMCREC_FEEDBACK_DB") or None)
        if "auth" not in kw:
            kw["auth"] = parse_auth(os.environ.get("MMCREC_AUTH"))
        if "admins" not in kw:
            kw["admins"] = parse_admins(os.environ.get("MMCREC_ADMINS"))
        kw.setdefault("on_space", bool(os.environ.get("SPACE_ID")))
        return cls(**kw)

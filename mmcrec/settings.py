"""mmcrec's settings: one typed, frozen object, read once at start.

    s = load_settings()                 # the environment, then mmcrec.toml, then overrides
    use_settings(s)                     # the app / CLI at start; modules then read current()
    current().max_image_bytes           # what every module reads; none reads os.environ itself

Sources, lowest priority first: the environment (the ``MMCREC_*`` variables and a few of Gradio's
and Hugging Face's), an optional TOML file (``$MMCREC_CONFIG``, else ``./mmcrec.toml`` when there is
one; its keys are the field names below, e.g. ``ann_c = 64``), then the command line's overrides.
A bad value raises one :class:`SettingsError` whose message is one line naming the setting and where
it came from; ``python app.py`` and ``mmcrec ...`` print it and exit 2.

``current()`` loads from the environment on first use when nothing was installed with
``use_settings`` (library use, tests); ``reset()`` forgets it so the next call reads again.
docs/settings.md is generated from the fields: ``python -m mmcrec.settings --markdown > docs/settings.md``.

This module imports the standard library only, so a bad value fails before any model loads.
"""
from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Mapping

CONFIG_ENV = "MMCREC_CONFIG"
CONFIG_FILE = "mmcrec.toml"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting with a value that cannot be used; the message is one line naming it and its source."""


class _Bad(ValueError):
    """A parser's complaint, without the setting's name (load_settings adds it)."""


# ------------------------------------------------------------------ parsers: text -> typed value


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


def _text(raw: str) -> str:
    return raw


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            v = int(raw)
        except ValueError:
            raise _Bad("not a whole number") from None
        if v < minimum:
            raise _Bad(f"must be at least {minimum}")
        return v
    return parse


def _number(minimum: float, *, above: bool = False) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            v = float(raw)
        except ValueError:
            raise _Bad("not a number") from None
        if v != v or v in (float("inf"), float("-inf")):
            raise _Bad("not a finite number")
        if v < minimum or (above and v == minimum):
            raise _Bad(f"must be {'above' if above else 'at least'} {minimum:g}")
        return v
    return parse


def _flag(raw: str) -> bool:
    low = raw.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise _Bad(f"not one of {'/'.join(_TRUE)} or {'/'.join(_FALSE)}")


def _hf_flag(raw: str) -> bool:
    """Hugging Face's own reading of its flags: one of 1/true/yes/on is set, anything else is not."""
    return raw.lower() in _TRUE


def _port(raw: str) -> int:
    v = _whole(1)(raw)
    if v > 65535:
        raise _Bad("not a port (1 to 65535)")
    return v


def _choice(*names: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        low = raw.lower()
        if low not in names:
            raise _Bad(f"not one of {', '.join(names)}")
        return low
    return parse


def _log_level(raw: str) -> str:
    up = raw.upper()
    if up not in LOG_LEVELS:
        raise _Bad(f"not a log level ({', '.join(LOG_LEVELS)})")
    return up


def _encoder(raw: str) -> str:
    """The same rule as encoders.parse_spec (kept here so checking needs no torch)."""
    if raw == "offline":
        return raw
    if raw.startswith("openclip:") and raw[len("openclip:"):].partition("/")[0]:
        return raw
    raise _Bad("unknown encoder: use 'offline', 'openclip:ARCH/TAG' or 'openclip:ARCH/PATH'")


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _existing(kind: str) -> Callable[[str], Path]:
    def parse(raw: str) -> Path:
        p = Path(raw).expanduser()
        if not p.exists():
            raise _Bad("no such file or folder")
        if kind == "file" and not p.is_file():
            raise _Bad("not a file")
        if kind == "dir" and not p.is_dir():
            raise _Bad("not a folder")
        if not os.access(p, os.R_OK):
            raise _Bad("not readable")
        return p
    return parse


def _auth(raw: str) -> str:
    try:
        parse_auth(raw)
    except ValueError:
        raise _Bad("must look like 'user:pass,user2:pass2'") from None
    return raw


def _setting(env: str, default: Any, help: str, parse: Callable[[str], Any] = _text, type: str = "text"):
    return field(default=default, metadata={"env": env, "help": help, "parse": parse, "type": type})


# ------------------------------------------------------------------ the settings


@dataclass(frozen=True)
class Settings:
    """Every setting of mmcrec, one field each (env variable, type, default and help in its metadata)."""

    # the app and what it serves
    catalog: Path | None = _setting(
        "MMCREC_CATALOG", None, "catalog `python app.py` serves (default: the demo catalog)", _existing("file"), "file")
    encoder: str | None = _setting(
        "MMCREC_ENCODER", None, "encoder spec: offline or openclip:ARCH/TAG (default: chosen by the hardware)",
        _encoder, "encoder")
    model_dir: Path | None = _setting(
        "MMCREC_MODEL_DIR", None, "model folder `python app.py` serves (default: the newest promoted)",
        _existing("dir"), "folder")
    host: str | None = _setting(
        "GRADIO_SERVER_NAME", None, "address the app listens on (default 127.0.0.1)")
    port: int | None = _setting(
        "GRADIO_SERVER_PORT", None, "port the app listens on (default 7860)", _port, "port")
    auth: str | None = _setting(
        "MMCREC_AUTH", None, "password logins, user:pass,user2:pass2 (default: none)", _auth, "logins")
    admins: str | None = _setting(
        "MMCREC_ADMINS", None, "comma-separated users who may export labels and manage models", _text, "names")
    space_id: str | None = _setting(
        "SPACE_ID", None, "set by Hugging Face Spaces: sign in with Hugging Face", _text, "text")
    log_level: str | None = _setting(
        "MMCREC_LOG_LEVEL", None, "DEBUG, INFO (default), WARNING, ERROR or CRITICAL; DEBUG adds tracebacks",
        _log_level, "level")
    # where data lives
    data_dir: Path | None = _setting(
        "MMCREC_DATA_DIR", None, "data root: feedback/ and models/ (default: the project folder)", _path, "folder")
    feedback_db: str | None = _setting(
        "MMCREC_FEEDBACK_DB", None, "labels database, a file or a postgresql:// URL (default: <data root>/feedback/labels.sqlite)")
    models_dir: Path | None = _setting(
        "MMCREC_MODELS_DIR", None, "model registry (default: <data root>/models)", _path, "folder")
    cache_dir: Path | None = _setting(
        "MMCREC_CACHE_DIR", None, "embeddings, thumbnails, uploads (default: .mmcrec-cache beside the catalog)",
        _path, "folder")
    # images and URLs
    max_image_bytes: int = _setting(
        "MMCREC_MAX_IMAGE_BYTES", 10 * 1024 * 1024, "largest image file or download accepted, bytes", _whole(1), "int")
    max_image_pixels: int = _setting(
        "MMCREC_MAX_IMAGE_PIXELS", 40_000_000, "largest image accepted, pixels (checked before decoding)",
        _whole(1), "int")
    allow_outside_images: bool = _setting(
        "MMCREC_ALLOW_OUTSIDE_IMAGES", False, "catalog image paths may point outside the catalog's folder",
        _flag, "bool")
    allow_private_urls: bool = _setting(
        "MMCREC_ALLOW_PRIVATE_URLS", False, "image URLs may be on loopback or private networks", _flag, "bool")
    # serving
    row_cache_mb: float = _setting(
        "MMCREC_ROW_CACHE_MB", 256.0, "memory for cached turn scores, MB (0: none)", _number(0), "float")
    budget: str = _setting(
        "MMCREC_BUDGET", "order", "order: over-budget items after the rest, labelled; filter: never shown",
        _choice("order", "filter"), "order|filter")
    torch_threads: int = _setting(
        "MMCREC_TORCH_THREADS", 1, "intra-op threads per serving request (torch, faiss, BLAS)", _whole(1), "int")
    ann_min_items: int = _setting(
        "MMCREC_ANN_MIN_ITEMS", 50_000, "catalogs above this many items search an ANN index", _whole(0), "int")
    ann_c: int = _setting(
        "MMCREC_ANN_C", 128, "ANN neighbours gathered per query and space", _whole(1), "int")
    ann_nprobe: int | None = _setting(
        "MMCREC_ANN_NPROBE", None, "ANN lists probed per search (default: max(8, lists/200))", _whole(1), "int")
    ann_native_probes: float = _setting(
        "MMCREC_ANN_NATIVE_PROBES", 8.0, "probes multiplier for photo-only features", _number(0, above=True), "float")
    ann_exact_items: int = _setting(
        "MMCREC_ANN_EXACT_ITEMS", 5000, "below this many allowed items, score them all exactly", _whole(0), "int")
    reply_llm: str | None = _setting(
        "MMCREC_REPLY_LLM", None, "rephrase replies: off (default), smollm2 or a Hugging Face model id")
    reply_llm_timeout: float = _setting(
        "MMCREC_REPLY_LLM_TIMEOUT", 8.0, "seconds a rephrasing may take", _number(0, above=True), "float")
    # labels
    labels_repo: str | None = _setting(
        "MMCREC_LABELS_REPO", None, "Hugging Face dataset repo to push label snapshots to (default: off)")
    labels_sync_minutes: float = _setting(
        "MMCREC_LABELS_SYNC_MINUTES", 5.0, "minutes between two label snapshot pushes", _number(0, above=True),
        "float")
    db_pool_size: int = _setting(
        "MMCREC_DB_POOL_SIZE", 8, "most PostgreSQL connections one app process opens", _whole(1), "int")
    # libraries
    hf_hub_offline: bool = _setting(
        "HF_HUB_OFFLINE", False, "Hugging Face's: never contact the hub (named in encoder messages)",
        _hf_flag, "bool")

    @property
    def on_space(self) -> bool:
        """Running on a Hugging Face Space (SPACE_ID set)."""
        return bool(self.space_id)

    def replace(self, **changes) -> "Settings":
        """A copy with these fields changed (tests; values already typed)."""
        return replace(self, **changes)


def _parse(f, raw: Any, label: str, where: str):
    """One value from one source, typed, or SettingsError naming it."""
    if raw is None:
        return f.default
    if isinstance(raw, (list, dict, tuple)):
        raise SettingsError(f"{label}={raw!r} ({where}): not a single value")
    if isinstance(raw, bool) and f.metadata["parse"] in (_flag, _hf_flag):
        return raw
    text = str(raw).strip()
    if not text:
        return f.default
    try:
        return f.metadata["parse"](text)
    except _Bad as e:
        shown = str(raw).replace('"', '\\"')
        raise SettingsError(f'{label}="{shown}" ({where}): {e}') from None


def config_path(env: Mapping[str, str]) -> Path | None:
    """The TOML file to read: $MMCREC_CONFIG (which must exist), else ./mmcrec.toml if there is one."""
    named = (env.get(CONFIG_ENV) or "").strip()
    if named:
        p = Path(named).expanduser()
        if not p.is_file():
            raise SettingsError(f'{CONFIG_ENV}="{named}" (environment): no such file')
        return p
    here = Path.cwd() / CONFIG_FILE
    return here if here.is_file() else None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as e:
        raise SettingsError(f"{path}: cannot be read ({e.strerror or e})") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: not valid TOML ({str(e).splitlines()[0]})") from None


def load_settings(env: Mapping[str, str] | None = None, toml_path: str | Path | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """The settings from the environment, then the TOML file, then `overrides` (field name → value;
    None values are ignored): each later source wins. Raises SettingsError on the first bad value."""
    env = os.environ if env is None else env
    by_name = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(f.metadata["env"])
        if raw is not None and raw.strip():
            values[f.name] = _parse(f, raw, f.metadata["env"], "environment")
    path = Path(toml_path).expanduser() if toml_path is not None else config_path(env)
    if path is not None:
        where = str(path)
        for key, raw in read_toml(path).items():
            if key not in by_name:
                raise SettingsError(f'unknown setting "{key}" ({where}): the keys are the names in docs/settings.md')
            if raw is not None:
                values[key] = _parse(by_name[key], raw, key, where)
    for key, raw in (overrides or {}).items():
        if key not in by_name:
            raise SettingsError(f'unknown setting "{key}" (command line)')
        if raw is not None:
            values[key] = _parse(by_name[key], raw, f"--{key.replace('_', '-')}", "command line")
    return Settings(**values)


# ------------------------------------------------------------------ the process's settings

_current: Settings | None = None
_lock = threading.Lock()


def current() -> Settings:
    """The settings in force: those installed with use_settings, else loaded from the environment on
    first use (and kept)."""
    global _current
    s = _current
    if s is None:
        with _lock:
            if _current is None:
                _current = load_settings()
            s = _current
    return s


def use_settings(s: Settings | None) -> Settings | None:
    """Install `s` as the process's settings (None: load again on next use); returns the previous ones."""
    global _current
    with _lock:
        before, _current = _current, s
    return before


def reset() -> None:
    """Forget the settings in force; the next current() reads the environment again (tests)."""
    use_settings(None)


# ------------------------------------------------------------------ docs/settings.md


def _shown_default(f) -> str:
    d = f.default
    if d is None:
        return "—"
    if isinstance(d, bool):
        return "on" if d else "off"
    if isinstance(d, float) and d.is_integer():
        return str(int(d))
    if isinstance(d, int) and d >= 10_000:
        return f"{d:_}"
    return str(d)


def markdown() -> str:
    """docs/settings.md: every setting, its variable, type, default and help."""
    lines = [
        "# Settings",
        "",
        "<!-- generated by `python -m mmcrec.settings --markdown > docs/settings.md`; do not edit by hand -->",
        "",
        "mmcrec reads these once at start (`mmcrec/settings.py`): from the environment, then a TOML file",
        f"(`${CONFIG_ENV}`, else `./{CONFIG_FILE}` when there is one; its keys are the names below, e.g.",
        "`ann_c = 64`), then the command line, each later source winning. A bad value stops `python app.py`",
        "and `mmcrec` with one line naming the setting and its source (exit status 2).",
        "",
        "| setting | environment variable | type | default | what it does |",
        "|---|---|---|---|---|",
    ]
    for f in fields(Settings):
        help_ = f.metadata["help"].replace("|", "\\|")
        lines.append(f"| `{f.name}` | `{f.metadata['env']}` | {f.metadata['type']} | {_shown_default(f)} | {help_} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--markdown"]:
        sys.stdout.write(markdown())
        return 0
    if argv in ([], ["--check"]):
        try:
            s = load_settings()
        except SettingsError as e:
            print(f"mmcrec: error: {e}", file=sys.stderr)
            return 2
        for f in fields(Settings):
            print(f"{f.name} = {getattr(s, f.name)!r}")
        return 0
    print("usage: python -m mmcrec.settings [--markdown | --check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

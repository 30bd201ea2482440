"""mmcrec/settings.py: one typed settings object, read once (environment < mmcrec.toml < command
line); a bad value is one line naming the setting and its source; docs/settings.md is generated from
it; and no module but settings.py reads the environment."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pytest

from mmcrec import settings
from mmcrec.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_from_an_empty_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./mmcrec.toml
    s = load_settings(env={})
    assert s == Settings()
    assert (s.max_image_bytes, s.max_image_pixels, s.row_cache_mb, s.torch_threads) == (10 * 2**20, 40_000_000, 256, 1)
    assert (s.ann_min_items, s.ann_c, s.ann_nprobe, s.ann_exact_items) == (50_000, 128, None, 5000)
    assert (s.budget, s.db_pool_size, s.labels_sync_minutes, s.reply_llm_timeout) == ("order", 8, 5, 8)
    assert not s.on_space and s.port is None and s.encoder is None
    with pytest.raises(FrozenInstanceError):
        s.ann_c = 1  # type: ignore[misc]


def test_every_field_has_an_env_var_a_type_and_help():
    names = [f.metadata["env"] for f in fields(Settings)]
    assert len(names) == len(set(names))
    for f in fields(Settings):
        assert f.metadata["help"].strip() and "\n" not in f.metadata["help"]
        assert f.metadata["type"]


def test_precedence_env_then_toml_then_overrides(tmp_path):
    toml = tmp_path / "mmcrec.toml"
    toml.write_text('ann_c = 64\nbudget = "filter"\nallow_private_urls = true\nport = "7870"\n')
    env = {"MMCREC_ANN_C": "32", "MMCREC_ANN_NPROBE": "12", "GRADIO_SERVER_PORT": "7001", "MMCREC_BUDGET": "order"}
    s = load_settings(env=env, toml_path=toml, overrides={"port": 7999, "encoder": None})
    assert s.ann_nprobe == 12  # the environment alone
    assert s.ann_c == 64 and s.budget == "filter" and s.allow_private_urls  # the file over the environment
    assert s.port == 7999  # the command line over both; None leaves the rest as they are
    assert s.encoder is None


def test_toml_found_by_mmcrec_config_or_in_the_current_folder(tmp_path, monkeypatch):
    named = tmp_path / "elsewhere.toml"
    named.write_text("torch_threads = 3\n")
    assert load_settings(env={"MMCREC_CONFIG": str(named)}).torch_threads == 3
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mmcrec.toml").write_text("torch_threads = 2\n")
    assert load_settings(env={}).torch_threads == 2


def test_same_variables_still_work():
    s = load_settings(env={"SPACE_ID": "me/space", "MMCREC_ALLOW_OUTSIDE_IMAGES": "1", "HF_HUB_OFFLINE": "yes",
                           "MMCREC_AUTH": "a:1,b:2", "MMCREC_ADMINS": "a", "MMCREC_CACHE_DIR": "~/c",
                           "MMCREC_LOG_LEVEL": "debug", "MMCREC_ENCODER": "openclip:ViT-B-32/laion2b_s34b_b79k"},
                      toml_path=None)
    assert s.on_space and s.allow_outside_images and s.hf_hub_offline and s.log_level == "DEBUG"
    assert s.cache_dir == Path.home() / "c"
    assert s.encoder == "openclip:ViT-B-32/laion2b_s34b_b79k"
    assert settings.parse_auth(s.auth) == [("a", "1"), ("b", "2")]


@pytest.mark.parametrize("env, message", [
    ({"MMCREC_ANN_C": "abc"}, 'MMCREC_ANN_C="abc" (environment): not a whole number'),
    ({"GRADIO_SERVER_PORT": "abc"}, 'GRADIO_SERVER_PORT="abc" (environment): not a whole number'),
    ({"GRADIO_SERVER_PORT": "70000"}, 'GRADIO_SERVER_PORT="70000" (environment): not a port (1 to 65535)'),
    ({"MMCREC_ENCODER": "clip-please"}, 'MMCREC_ENCODER="clip-please" (environment): unknown encoder'),
    ({"MMCREC_MAX_IMAGE_BYTES": "-5"}, 'MMCREC_MAX_IMAGE_BYTES="-5" (environment): must be at least 1'),
    ({"MMCREC_ROW_CACHE_MB": "-1"}, 'MMCREC_ROW_CACHE_MB="-1" (environment): must be at least 0'),
    ({"MMCREC_LABELS_SYNC_MINUTES": "0"}, 'MMCREC_LABELS_SYNC_MINUTES="0" (environment): must be above 0'),
    ({"MMCREC_BUDGET": "hide"}, 'MMCREC_BUDGET="hide" (environment): not one of order, filter'),
    ({"MMCREC_ALLOW_PRIVATE_URLS": "maybe"}, 'MMCREC_ALLOW_PRIVATE_URLS="maybe" (environment): not one of'),
    ({"MMCREC_AUTH": "nopassword"}, 'MMCREC_AUTH="nopassword" (environment): must look like'),
    ({"MMCREC_LOG_LEVEL": "loud"}, 'MMCREC_LOG_LEVEL="loud" (environment): not a log level'),
    ({"MMCREC_CATALOG": "/no/such/catalog.csv"}, 'MMCREC_CATALOG="/no/such/catalog.csv" (environment): no such file'),
    ({"MMCREC_MODEL_DIR": str(ROOT / "app.py")}, f'MMCREC_MODEL_DIR="{ROOT / "app.py"}" (environment): not a folder'),
    ({"MMCREC_CONFIG": "/no/such.toml"}, 'MMCREC_CONFIG="/no/such.toml" (environment): no such file'),
])
def test_a_bad_value_is_one_line_naming_it(env, message):
    with pytest.raises(SettingsError) as e:
        load_settings(env=env)
    assert str(e.value).startswith(message), str(e.value)
    assert "\n" not in str(e.value)


def test_bad_values_in_the_toml_and_the_command_line(tmp_path):
    toml = tmp_path / "mmcrec.toml"
    toml.write_text("ann_c = -3\n")
    with pytest.raises(SettingsError, match=rf'^ann_c="-3" \({toml}\): must be at least 1$'):
        load_settings(env={}, toml_path=toml)
    toml.write_text('colour = "red"\n')
    with pytest.raises(SettingsError, match=rf'^unknown setting "colour" \({toml}\)'):
        load_settings(env={}, toml_path=toml)
    toml.write_text("ann_c = [1, 2]\n")
    with pytest.raises(SettingsError, match="not a single value"):
        load_settings(env={}, toml_path=toml)
    toml.write_text("ann_c = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(env={}, toml_path=toml)
    with pytest.raises(SettingsError, match=r'^--port="abc" \(command line\): not a whole number$'):
        load_settings(env={}, toml_path=None, overrides={"port": "abc"})


def test_current_is_read_once_until_reset_or_replaced(monkeypatch):
    monkeypatch.setenv("MMCREC_ANN_C", "99")
    assert settings.current().ann_c == 99
    os.environ["MMCREC_ANN_C"] = "98"  # behind the settings' back: not read again
    assert settings.current().ann_c == 99
    settings.reset()
    assert settings.current().ann_c == 98
    before = settings.use_settings(settings.current().replace(ann_c=7))
    assert settings.current().ann_c == 7 and before.ann_c == 98


def test_docs_settings_md_is_generated_from_the_code():
    """Regenerate with `python -m mmcrec.settings --markdown > docs/settings.md`."""
    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") == settings.markdown(), \
        "docs/settings.md is stale: python -m mmcrec.settings --markdown > docs/settings.md"
    for f in fields(Settings):
        assert f"`{f.metadata['env']}`" in settings.markdown()


def _fails_fast(cmd: list[str], **env_extra) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MMCREC_")}
    env.update(HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", PYTHONPATH=str(ROOT), **env_extra)
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    p.seconds = time.monotonic() - t0  # type: ignore[attr-defined]
    return p


def test_python_app_py_with_a_bad_port_stops_with_one_line():
    p = _fails_fast([sys.executable, "app.py"], GRADIO_SERVER_PORT="abc")
    assert p.returncode == 2
    assert p.stderr.strip() == 'mmcrec: error: GRADIO_SERVER_PORT="abc" (environment): not a whole number'
    assert p.seconds < 20  # before gradio, torch or any model is imported


def test_mmcrec_cli_with_a_bad_setting_stops_with_one_line():
    p = _fails_fast([sys.executable, "-m", "mmcrec", "recommend", "--catalog", "assets/catalog.csv",
                     "--turn", "red shoes"], MMCREC_ANN_C="abc")
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip() == 'mmcrec: error: MMCREC_ANN_C="abc" (environment): not a whole number'


# ------------------------------------------------------------------ the guard

#: writes of process-level variables, kept on purpose: Gradio reads GRADIO_ANALYTICS_ENABLED itself
#: when it is imported, so it must be in the process's environment before that import; it is not
#: one of mmcrec's settings.
ALLOWED = {
    ("app.py", 'os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")'),
    ("mmcrec/cli.py", 'os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")'),
    ("mmcrec/app/__init__.py", 'os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")'),
}


def environment_uses(path: Path) -> list[tuple[int, str]]:
    """Every use of os.environ / os.getenv / os.putenv / os.unsetenv in a file (AST: `environ`
    imported from os, getenv aliases and subscripts included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = {"environ", "getenv", "putenv", "unsetenv", "environb", "getenvb"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names and \
                isinstance(node.value, ast.Name) and node.value.id == "os":
            found.append(node)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and \
                any(a.name in names for a in node.names):
            found.append(node)
    uses = []
    for node in found:
        parent = next((p for p in ast.walk(tree) if isinstance(p, ast.Call) and p.func is not None
                       and any(n is node for n in ast.walk(p.func))), None)
        uses.append((node.lineno, ast.unparse(parent if parent is not None else node)))
    return uses


def test_no_module_but_settings_reads_the_environment():
    files = [ROOT / "app.py", *sorted((ROOT / "mmcrec").rglob("*.py"))]
    bad = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        if rel == "mmcrec/settings.py":
            continue
        for line, code in environment_uses(path):
            if (rel, code.replace("'", '"')) not in ALLOWED:
                bad.append(f"{rel}:{line}: {code}")
    assert not bad, "read settings through mmcrec.settings.current(), not the environment:\n" + "\n".join(bad)


def test_the_guard_sees_reads(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("import os\nfrom os import environ as e\na = os.environ.get('X')\nb = os.getenv('Y')\n"
                 "c = os.environ['Z']\n")
    codes = [c for _, c in environment_uses(p)]
    assert any("os.environ.get" in c for c in codes) and any("os.getenv" in c for c in codes)
    assert any("os.environ['Z']" == c or "os.environ" == c for c in codes)
    assert len(codes) == 4

"""The process exits cleanly while the app still works in the background.

Python ends daemon threads at exit wherever they are; one ended inside torch's C++ code aborts the
whole process with "terminate called without an active exception" (exit 134), which is what made
CI fail after every test had passed.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = textwrap.dedent("""
    import sys, time
    from mmcrec.app.config import AppConfig
    from mmcrec.app.context import AppContext
    catalog, db = sys.argv[1], sys.argv[2]
    cfg = AppConfig(catalog=catalog, feedback_db=db, auth=None, admins=None, on_space=False)
""")


def run(code: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code), *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=timeout)


def test_exit_while_the_encoders_warm_up(small_catalog, tmp_path):
    """The app's start-up work (warming the encoders up in torch) is still running at exit."""
    p = run("""
        from mmcrec.recommender import load_recommender
        rec = load_recommender(catalog, "offline")
        ctx = AppContext(cfg, recommender=rec)
        print("exiting at once", flush=True)
    """, str(small_catalog), str(tmp_path / "l.sqlite"))
    assert "terminate called" not in p.stderr, p.stderr[-2000:]
    assert p.returncode == 0, p.stderr[-2000:]
    assert "exiting at once" in p.stdout


def test_close_cancels_loading_and_exits(small_catalog, tmp_path):
    """Ctrl+C on a first start: close() stops loading the catalog and the process ends cleanly."""
    p = run("""
        ctx = AppContext(cfg)  # loads the models and indexes the catalog in the background
        time.sleep(0.5)
        t0 = time.monotonic()
        ctx.close()
        print(f"closed ready={ctx.loader.ready}", flush=True)
    """, str(small_catalog), str(tmp_path / "l.sqlite"))
    assert "terminate called" not in p.stderr, p.stderr[-2000:]
    assert p.returncode == 0, p.stderr[-2000:]
    assert "closed ready=True" in p.stdout

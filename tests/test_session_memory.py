"""A public Space's memory under the photo that hurts most: a small PNG that decodes to 6000×6000
pixels, sent with "like this" by 200 sessions that never come back. The server (`python app.py`
in its own process) must stay within a stated budget over its idle memory: a photo is reduced on
arrival, a session keeps no decoded full-size image (app/chat.py PHOTO_SIDE, app/boundary.py)."""
from __future__ import annotations

import concurrent.futures as cf
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app_support import ROOT, chat, client, free_port, stop_processes, wait_until_serving

SESSIONS = 200
BUDGET_MB = 1024  # over the idle server, after a first photo turn (docs/reliability.md)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def big_png(path: Path) -> Path:
    """~140 KB of PNG that decodes to 6000×6000 RGB (108 MB of pixels)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (6000, 6000), (200, 30, 30))
    d = ImageDraw.Draw(img)
    for i in range(0, 6000, 500):
        d.ellipse([i, i, i + 400, i + 400], fill=(20, 20, 200))
    img.save(path, "PNG", optimize=True)
    return path


@pytest.mark.slow
def test_200_sessions_of_a_6000px_photo_stay_within_budget(tmp_path):
    photo = big_png(tmp_path / "big.png")
    assert photo.stat().st_size < 200_000
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1", HF_HUB_OFFLINE="1",
               MMCREC_FEEDBACK_DB=str(tmp_path / "labels.sqlite"), GRADIO_ANALYTICS_ENABLED="False")
    env.pop("MMCREC_AUTH", None)
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_serving(proc, url, 180)
        v = chat(client(url), "like this", image=photo)  # warm: the model loaded, one photo seen
        assert v["explanation"]["items"]
        idle = rss_mb(proc.pid)

        def one_session(_):
            c = client(url)
            return len(chat(c, "like this", image=photo)["explanation"]["items"])

        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(4) as pool:
            shown = list(pool.map(one_session, range(SESSIONS)))
        elapsed = time.monotonic() - t0
        assert all(n > 0 for n in shown)
        grew = rss_mb(proc.pid) - idle
        print(f"{SESSIONS} sessions in {elapsed:.0f}s: RSS {idle:.0f} MB idle, +{grew:.0f} MB after")
        assert grew < BUDGET_MB, f"{grew:.0f} MB over idle after {SESSIONS} sessions (budget {BUDGET_MB} MB)"
        assert chat(client(url), "red running shoes")["explanation"]["items"]  # still answering
    finally:
        stop_processes(proc)

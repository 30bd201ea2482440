"""A public Space's memory under the photo that hurts most: a small PNG that decodes to 6000×6000
pixels, sent with "like this" by sessions that never come back. The server (`python app.py` in its
own process) must stay within stated budgets: what each session adds (a photo is reduced on
arrival, a session keeps no decoded full-size image: app/chat.py PHOTO_SIDE, app/boundary.py), and
what all of them add over its idle memory.

What a session adds is measured over a second wave of sessions, after a first one has grown what
a busy server grows once (allocator arenas, Gradio's queue): ~1.3 MB a session here, steady from
wave to wave; one kept full-size photo would be 108 MB."""
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

WAVE = int(os.environ.get("MMCREC_MEMORY_WAVE", "20"))  # sessions in each of the two waves (100: 200 in all)
PER_SESSION_MB = 4  # what one more session may add (docs/reliability.md: about 1 MB)
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
def test_sessions_of_a_6000px_photo_stay_within_budget(tmp_path):
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

        def wave() -> float:
            with cf.ThreadPoolExecutor(4) as pool:
                assert all(n > 0 for n in pool.map(one_session, range(WAVE)))
            return rss_mb(proc.pid)

        t0 = time.monotonic()
        first = wave()
        second = wave()
        elapsed = time.monotonic() - t0
        per_session, grew = (second - first) / WAVE, second - idle
        print(f"{2 * WAVE} sessions in {elapsed:.0f}s: RSS {idle:.0f} MB idle, +{first - idle:.0f} MB after "
              f"{WAVE}, +{grew:.0f} MB after {2 * WAVE} ({per_session:.2f} MB a session in the second wave)")
        assert per_session < PER_SESSION_MB, f"{per_session:.1f} MB a session (budget {PER_SESSION_MB} MB)"
        assert grew < BUDGET_MB, f"{grew:.0f} MB over idle after {2 * WAVE} sessions (budget {BUDGET_MB} MB)"
        assert chat(client(url), "red running shoes")["explanation"]["items"]  # still answering
    finally:
        stop_processes(proc)

"""Streaming indexing of a large image catalog: peak memory, and resuming after an interruption.

    python benchmarks/bench_index_memory.py [--items 100000] [--interrupt-at 0.3] [--resume] [--out benchmarks/results/index_memory.md]

Writes a catalog of N small product pictures (coloured shapes, PNG on disk) and runs the real
`mmcrec index` on it in a child process, sampling its resident memory (/proc/PID/status) every
second. The first run is killed (SIGKILL, like a crash or a Space restart) once the given fraction
of items is embedded; the second run must resume from the shards already written (reporting how
many rows it reused) and finish. Reports peak RSS over time against the number of items done, so
growth with N shows up: the model and one batch of images are constant, the finished index
(text, image and native vectors per item) is the only part that grows. Writes the report
(markdown, also printed) to --out.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["shirt", "sneaker", "mug", "lamp", "backpack", "hat", "watch", "kite", "guitar", "teapot"]
DIMS = 384 + 384 + 1280  # the offline encoder's text, image (shared space) and native vectors per item
COLORS = {"red": (220, 40, 40), "blue": (40, 80, 220), "green": (40, 170, 70), "black": (25, 25, 25),
          "yellow": (240, 210, 40), "pink": (240, 130, 180), "brown": (130, 80, 40), "grey": (140, 140, 140)}


def write_catalog(d: Path, n: int) -> Path:
    """n rows, each with its own picture (a coloured shape on white, 96 px)."""
    from PIL import Image, ImageDraw

    csv = d / "catalog.csv"
    if csv.exists() and sum(1 for _ in open(csv)) == n + 1:
        return csv
    (d / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    names = list(COLORS)
    with open(csv, "w") as f:
        f.write("item_id,title,image,description,category,price,color\n")
        for i in range(n):
            kind, color = KINDS[i % len(KINDS)], names[rng.integers(len(names))]
            p = d / "images" / f"{i // 1000:03d}" / f"p{i:06d}.png"
            if not p.exists():
                p.parent.mkdir(exist_ok=True)
                im = Image.new("RGB", (96, 96), "white")
                x0, y0 = rng.integers(4, 30, 2)
                x1, y1 = rng.integers(60, 92, 2)
                shape = ImageDraw.Draw(im).ellipse if i % 2 else ImageDraw.Draw(im).rectangle
                shape([int(x0), int(y0), int(x1), int(y1)], fill=COLORS[color])
                im.save(p, optimize=False)
            f.write(f"p{i:06d},{color} {kind} no. {i},images/{p.parent.name}/{p.name},"
                    f"A {color} {kind} for the benchmark,{kind},{5 + i % 200}.99,{color}\n")
    return csv


def run_index(csv: Path, cache: Path, stop_after: int | None) -> dict:
    """`mmcrec index` in a child; samples its RSS; kills it once `stop_after` items are done."""
    env = dict(os.environ, MMCREC_CACHE_DIR=str(cache), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    log = cache.parent / "index.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "mmcrec", "index", "--catalog", str(csv)], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
        t0, samples, killed, shards, loads = time.time(), [], False, 0, []
        while proc.poll() is None:
            time.sleep(1.0)
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except OSError:
                break
            rss, hwm = (re.search(rf"{k}:\s+(\d+)", status) for k in ("VmRSS", "VmHWM"))
            if not rss or not hwm:
                break  # exited between poll() and the read
            rss, hwm = int(rss.group(1)) / 1024, int(hwm.group(1)) / 1024
            done = progress_of(log)
            samples.append((time.time() - t0, done, rss, hwm))
            shards = max(shards, len(list(cache.rglob("shard-*.npz"))))  # before the final compaction
            loads.append(os.getloadavg()[0])
            if len(samples) % 60 == 0:  # a long run shows its progress (and memory) as it goes
                print(f"  {samples[-1][0]:.0f} s: {done:,} items, RSS {rss:,.0f} MiB, peak {hwm:,.0f} MiB", flush=True)
            if stop_after is not None and done >= stop_after and not killed:
                proc.send_signal(signal.SIGKILL)
                killed = True
        proc.wait()
    text = log.read_text(errors="replace")
    m = re.search(r"indexed (\d+) items .*?: (\d+) embedded, (\d+) reused from cache, ([\d.]+)s", text)
    return {"samples": samples, "killed": killed, "rc": proc.returncode, "seconds": time.time() - t0,
            "summary": m.groups() if m else None, "tail": text[-600:], "shards": shards, "loads": loads}


def progress_of(log: Path) -> int:
    """Items done so far, read off the tqdm bar the command prints."""
    try:
        tail = log.read_bytes()[-400:].decode(errors="replace")
    except OSError:
        return 0
    found = re.findall(r"(\d+)/(\d+) \[", tail)
    return int(found[-1][0]) if found else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--dir", default="/tmp/mmcrec-index-bench")
    ap.add_argument("--interrupt-at", type=float, default=0.3, help="fraction at which the first run is killed")
    ap.add_argument("--resume", action="store_true", help="keep the cache of an earlier run and resume from it")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "index_memory.md"), help="the report (markdown)")
    args = ap.parse_args()
    d = Path(args.dir) / str(args.items)
    d.mkdir(parents=True, exist_ok=True)
    t = time.time()
    csv = write_catalog(d, args.items)
    print(f"catalog of {args.items} pictures ready in {time.time() - t:.0f} s", flush=True)
    cache = d / "cache"
    if args.resume and cache.exists():  # go on from the shards an earlier (interrupted) run left
        first = {"samples": [], "killed": True, "seconds": 0.0, "loads": []}
    else:
        if cache.exists():
            import shutil

            shutil.rmtree(cache)
        cache.mkdir()
        first = run_index(csv, cache, int(args.interrupt_at * args.items))
        print(f"first run: killed={first['killed']} after {first['seconds']:.0f} s", flush=True)
    shards_left = len(list(cache.rglob("shard-*.npz")))  # what the second run resumes from
    second = run_index(csv, cache, None)
    print(second["tail"], flush=True)
    if second["rc"] != 0 or not second["summary"]:
        raise SystemExit(f"the resumed run failed (rc {second['rc']}):\n{second['tail']}")
    items, embedded, reused, secs = second["summary"]
    rows = []
    for name, r in (("first run (killed)", first), ("resumed run", second)):
        s = r["samples"]
        for frac in (0.1, 0.25, 0.5, 0.75, 1.0):
            if s:
                t_, done, rss, hwm = s[min(len(s) - 1, int(frac * (len(s) - 1)))]
                rows.append(f"| {name} | {t_:.0f} | {done:,} | {rss:,.0f} | {hwm:,.0f} |")
    samples = first["samples"] + second["samples"]
    peak = max((h for *_, h in samples), default=0.0)
    streaming = [(hwm, done) for _, done, _, hwm in samples if done < int(items)]  # before the final assembly
    stream_hwm, stream_done = max(streaming, key=lambda x: (x[0], -x[1]), default=(0.0, 0))  # first reached
    start_rss = next((rss for _, done, rss, _ in first["samples"] or second["samples"] if done > 0), 0.0)  # models loaded
    killed_at = max((done for _, done, _, _ in first["samples"]), default=0)
    vec_mb = int(items) * DIMS * 4 / 2**20
    loads = first["loads"] + second["loads"]
    rates = ([f"{killed_at / first['seconds']:.1f} items/s in the killed run"] if first["samples"] else []) + \
        [f"{int(embedded) / float(secs):.1f} items/s in the resumed one"]
    shards_word = "shard" if shards_left == 1 else "shards"
    at_end = peak > stream_hwm  # the high-water mark rose after the last item was embedded
    if at_end:
        peak_when = (f"The peak, {peak / 1024:.1f} GiB, comes at the very end, when the float32 matrices the recommender "
                     f"serves are assembled ({vec_mb:,.0f} MiB) and the {second['shards']} shards are compacted into one.")
    else:
        peak_when = (f"The peak, {peak / 1024:.1f} GiB, was reached while embedding; assembling the float32 matrices "
                     f"({vec_mb:,.0f} MiB) and compacting the {second['shards']} shards at the end added nothing above it.")
    if not first["samples"]:
        resumed = f"The run resumed from the {shards_left} shards an earlier run left ({int(reused):,} rows reused) and finished."
    elif not first["killed"]:
        resumed = f"The first run finished ({killed_at:,} items) before it could be killed; the second reused its rows."
    else:
        resumed = (f"The first run was killed at {killed_at:,} items; the second reused the {int(reused):,} rows of the "
                   f"{shards_left} complete {shards_word} it found (the {max(0, killed_at - int(reused)):,} items done after the "
                   "last of them were embedded again) and finished.")
    text = (f"## Streaming indexing: {int(items):,} images, offline encoder ({os.cpu_count()} CPUs)\n\n"
            f"`mmcrec index` in a child process; the first run was killed with SIGKILL at "
            f"{int(args.interrupt_at * 100)} % of the items, the second resumed.\n\n"
            f"- resumed run: {int(embedded):,} embedded, {int(reused):,} reused from the shards the killed run wrote, "
            f"{float(secs):.0f} s\n"
            f"- RSS while embedding: at most {stream_hwm:,.0f} MiB (VmHWM at {stream_done:,} items); peak over both runs: "
            f"**{peak:,.0f} MiB**" + (f", when the finished index (float32 text + image + native vectors, {vec_mb:,.0f} "
                                      "MiB) is assembled and the cache compacted" if at_end else "") + "\n"
            f"- throughput: {int(embedded) / float(secs):.1f} items/s in the resumed run\n\n"
            "| run | seconds | items done | RSS MiB | peak so far MiB |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
            f"While streaming, RSS grew from {start_rss / 1024:.1f} GiB to {stream_hwm / 1024:.1f} GiB over "
            f"{int(items):,} items: the models and one batch of images are constant, and the embeddings of the rows "
            f"already done are kept (float16, {DIMS * 2 / 1024:.0f} KB per item). {peak_when} {resumed} "
            f"Throughput {', '.join(rates)}; mean load average (1 min) {np.mean(loads) if loads else 0:.1f} on "
            f"{os.cpu_count()} CPUs, about 1 of it the indexing run itself.\n")
    print(text)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

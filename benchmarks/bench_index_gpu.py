"""Indexing throughput on whatever device is present: the encoder alone vs the whole pipeline.

    python benchmarks/bench_index_gpu.py [--items 20000] [--encoders openclip:ViT-B-32/none,offline]
        [--batch-sizes 64,128,256] [--processes 1,2,4] [--image-size 512] [--out P]

For each encoder, items per second of:
- encoder: `encode_image` on pictures already decoded in memory (its preprocessing included), at
  each batch size, and `encode_text` on the rows' texts;
- decode: opening the catalog's pictures (`catalog.load_image`, with its safety checks), one process;
- pipeline: `mmcrec index --shard i/P` in P processes on the same device, from files to the cache,
  counted by the slowest slice's own timer (model loading left out; wall time shown beside it),
  then the plain `mmcrec index` that completes the cache (it must embed nothing).

Pictures: the demo catalog's renders re-saved as JPEG at --image-size px, cycled over N rows whose
texts differ, so every row is embedded. The report is titled with the device it ran on (default
file: benchmarks/results/index_gpu.md on CUDA, index_cpu.md otherwise).
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from mmcrec.catalog import load_catalog  # noqa: E402
from mmcrec.encoders import create_encoder  # noqa: E402

DEMO = ROOT / "assets" / "catalog.csv"
SUMMARY = re.compile(r"indexed (?:slice \d+/\d+: )?(\d+)(?: of \d+)? items with .*?: (\d+) embedded, (\d+) reused "
                     r"from cache, ([\d.]+)s")


def device_label() -> str:
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA, fp16)"
    cpu = platform.processor() or "CPU"
    try:
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1).strip()
    except (OSError, AttributeError):
        pass
    return f"CPU only: {cpu}, {os.cpu_count()} cores, fp32"


def write_catalog(d: Path, n: int, size: int) -> Path:
    """n rows over the demo pictures (JPEG, size×size), each row's text its own."""
    from PIL import Image

    demo = pd.read_csv(DEMO, dtype=str, keep_default_na=False)
    (d / "images").mkdir(parents=True, exist_ok=True)
    pics = []
    for j, ref in enumerate(demo["image"]):
        p = d / "images" / f"p{j:03d}.jpg"
        if not p.exists():
            Image.open(DEMO.parent / ref).convert("RGB").resize((size, size), Image.BICUBIC).save(p, quality=90)
        pics.append(f"images/{p.name}")
    rows = demo.iloc[np.arange(n) % len(demo)].reset_index(drop=True)
    rows["item_id"] = [f"b{i:07d}" for i in range(n)]
    rows["title"] = [f"{t} no. {i}" for i, t in enumerate(rows["title"])]
    rows["image"] = [pics[i % len(pics)] for i in range(n)]
    csv = d / "catalog.csv"
    rows.to_csv(csv, index=False)
    return csv


def rate(n: int, seconds: float) -> str:
    if seconds <= 0:
        return "-"
    r = n / seconds
    return f"{r:,.0f}" if r >= 100 else f"{r:.3g}"


def encoder_rates(spec: str, csv: Path, batch_sizes: list[int], sample: int) -> dict:
    t = time.perf_counter()
    enc = create_encoder(spec)
    load_s = time.perf_counter() - t
    cat = load_catalog(csv)
    m = min(sample, len(cat))
    t = time.perf_counter()
    images = [cat.load_image(i) for i in range(m)]
    decode_s = time.perf_counter() - t
    texts = [cat.item_text(i) for i in range(len(cat))]
    default_bs = enc.batch_size
    image_rates = {}
    for bs in batch_sizes:
        enc.batch_size = bs
        enc.encode_image(images[:bs])  # warm-up: kernels, allocator, lazy tables
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        enc.encode_image(images)  # returns numpy: the device has finished
        s = time.perf_counter() - t
        mem = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None
        image_rates[bs] = (rate(m, s), mem)
    enc.batch_size = default_bs
    enc.encode_text(texts[:64])
    t = time.perf_counter()
    enc.encode_text(texts)
    text_s = time.perf_counter() - t
    return {"load_s": load_s, "images": image_rates, "text": rate(len(texts), text_s),
            "decode": rate(m, decode_s), "default_bs": default_bs}


def pipeline_rate(spec: str, csv: Path, processes: int, work: Path) -> dict:
    """P `mmcrec index --shard i/P` processes into a fresh cache, then the plain merge."""
    cache = work / f"cache-{re.sub(r'[^A-Za-z0-9]+', '_', spec)}-{processes}"
    env = dict(os.environ, MMCREC_CACHE_DIR=str(cache), MMCREC_ENCODER=spec, HF_HUB_OFFLINE="1",
               PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "mmcrec", "index", "--catalog", str(csv), "--shard",
                               f"{i}/{processes}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(processes)]
    outs = [p.communicate() for p in procs]
    wall = time.perf_counter() - t
    slices = []
    for p, (out, err) in zip(procs, outs):
        found = SUMMARY.search(out)
        if p.returncode != 0 or not found:
            raise SystemExit(f"mmcrec index --shard failed (rc {p.returncode}):\n{err[-2000:]}")
        slices.append((int(found.group(2)), float(found.group(4))))
    merge = subprocess.run([sys.executable, "-m", "mmcrec", "index", "--catalog", str(csv)], cwd=ROOT, env=env,
                           capture_output=True, text=True)
    found = SUMMARY.search(merge.stdout)
    if merge.returncode != 0 or not found:
        raise SystemExit(f"the merge failed (rc {merge.returncode}):\n{merge.stderr[-2000:]}")
    embedded = sum(e for e, _ in slices)
    return {"embedded": embedded, "slowest_s": max(s for _, s in slices), "wall_s": wall,
            "merge_embedded": int(found.group(2)), "merge_s": float(found.group(4))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--encoders", default="openclip:ViT-B-32/none,offline")
    ap.add_argument("--batch-sizes", default=None, help="default: 64,128,256 on CUDA, 8,32 on a CPU")
    ap.add_argument("--processes", default="1,2,4", help="slice processes sharing the device")
    ap.add_argument("--sample", type=int, default=2048, help="pictures held in memory for the encoder-only rate")
    ap.add_argument("--image-size", type=int, default=512)
    ap.add_argument("--dir", default=None, help="work folder (default: a temp folder)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    cuda = torch.cuda.is_available()
    batch_sizes = [int(b) for b in (args.batch_sizes or ("64,128,256" if cuda else "8,32")).split(",")]
    processes = [int(p) for p in args.processes.split(",")]
    out = Path(args.out or ROOT / "benchmarks" / "results" / ("index_gpu.md" if cuda else "index_cpu.md"))

    work = Path(args.dir or tempfile.mkdtemp(prefix="mmcrec-bench-index-"))
    csv = write_catalog(work, args.items, args.image_size)
    label = device_label()
    print(f"{label}; {args.items} rows in {csv}", flush=True)

    lines = [f"## Indexing throughput on {label}", "",
             f"{datetime.date.today()}, torch {torch.__version__}, {args.items:,} rows, pictures "
             f"{args.image_size}×{args.image_size} JPEG; `python benchmarks/bench_index_gpu.py {' '.join(sys.argv[1:])}`.",
             f"Items per second. *encoder*: pictures already decoded in memory ({min(args.sample, args.items):,} "
             "of them), its own "
             "preprocessing included. *decode*: opening the pictures, one process. *pipeline*: "
             "`mmcrec index --shard i/P`, P processes on this one device, files to cache, by the slowest "
             "slice's timer (*wall s*: all slices, process start and model loading included).", ""]
    for spec in args.encoders.split(","):
        r = encoder_rates(spec, csv, batch_sizes, args.sample)
        print(spec, r, flush=True)
        lines += [f"### `{spec}`", "",
                  f"- loads in {r['load_s']:.1f} s; pipeline batch size {r['default_bs']}",
                  f"- encoder, text: {r['text']} texts/s",
                  f"- decode (CPU, one process): {r['decode']} pictures/s", "",
                  "| encoder, images: batch size | pictures/s | peak GPU memory MiB |", "|---|---|---|"]
        for bs, (ips, mem) in r["images"].items():
            lines.append(f"| {bs} | {ips} | {f'{mem:,.0f}' if mem is not None else '-'} |")
        lines += ["", "| pipeline: processes | items/s | wall s | merge: embedded | merge s |", "|---|---|---|---|---|"]
        for p in processes:
            pr = pipeline_rate(spec, csv, p, work)
            print(spec, p, pr, flush=True)
            lines.append(f"| {p} | {rate(pr['embedded'], pr['slowest_s'])} | {pr['wall_s']:.0f} | "
                         f"{pr['merge_embedded']} | {pr['merge_s']:.1f} |")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    out.write_text(text)
    print(f"written to {out}")


if __name__ == "__main__":
    main()

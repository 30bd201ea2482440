#!/usr/bin/env python3
"""Split a catalog's labelled requests into a dev half and a test half, once, before any tuning.

The split is random with a fixed seed and stratified by kind (text, image, text+image,
multi-turn), so both halves have the same mix. It depends only on the query ids and kinds, so
anyone can re-run it on dev ∪ test and get the same two files back
(`--check` does that; tests/test_eval_sets.py runs it).

    python assets/eval/split_requests.py all.jsonl --out assets/eval/openmoji
    python assets/eval/split_requests.py --check assets/eval/openmoji
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

SEED = 12


def split(requests: list[dict], seed: int = SEED) -> tuple[list[dict], list[dict]]:
    """(dev, test): per kind, a seeded shuffle of the query ids; the first half (rounded up) is dev."""
    dev_ids: set[str] = set()
    for kind in sorted({r["kind"] for r in requests}):
        ids = sorted(r["query_id"] for r in requests if r["kind"] == kind)
        random.Random(f"{seed}:{kind}").shuffle(ids)
        dev_ids.update(ids[: (len(ids) + 1) // 2])
    ordered = sorted(requests, key=lambda r: r["query_id"])
    return [r for r in ordered if r["query_id"] in dev_ids], [r for r in ordered if r["query_id"] not in dev_ids]


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write(path: Path, requests: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests), encoding="utf-8")


def check(folder: Path) -> list[str]:
    """Problems with folder/dev.jsonl + test.jsonl as a split of their union (empty: it is one)."""
    dev, test = read(folder / "dev.jsonl"), read(folder / "test.jsonl")
    want_dev, want_test = split(dev + test)
    problems = []
    if [r["query_id"] for r in dev] != [r["query_id"] for r in want_dev]:
        problems.append(f"{folder}/dev.jsonl is not the seeded split of dev ∪ test")
    if [r["query_id"] for r in test] != [r["query_id"] for r in want_test]:
        problems.append(f"{folder}/test.jsonl is not the seeded split of dev ∪ test")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("requests", nargs="?", help="all labelled requests of one catalog (JSONL)")
    ap.add_argument("--out", help="folder for dev.jsonl and test.jsonl")
    ap.add_argument("--check", metavar="FOLDER", help="verify that FOLDER's dev/test are the seeded split")
    args = ap.parse_args(argv)
    if args.check:
        problems = check(Path(args.check))
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    if not (args.requests and args.out):
        ap.error("give REQUESTS and --out, or --check FOLDER")
    dev, test = split(read(Path(args.requests)))
    out = Path(args.out)
    write(out / "dev.jsonl", dev)
    write(out / "test.jsonl", test)
    print(f"dev {len(dev)}, test {len(test)} requests in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Item embeddings: computed once per (encoder, row content), cached on disk in shards.

A shard holds the embeddings of up to `SHARD_ROWS` rows keyed by each row's content hash, so
a changed row is re-embedded, the rest is reused, and an interrupted indexing run resumes from
the last shard written. Memory stays bounded by one batch of images while indexing.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import zipfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .catalog import Catalog, RowIssue
from .encoders import Encoder
from .images import ImageError, URLRefused

SHARD_ROWS = 512
Progress = Callable[[int, int], None]


@dataclass
class ItemIndex:
    """The catalog's items as matrices, row i = catalog item i."""

    encoder: str
    text: np.ndarray  # (n, dim) item text in the shared space
    image: np.ndarray  # (n, dim) item image in the shared space
    native: np.ndarray  # (n, native_dim) item image in the image-only space
    has_image: np.ndarray  # (n,) False where the image could not be read
    issues: list[RowIssue] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.text)


def cache_dir_for(catalog: Catalog, encoder_name: str) -> Path:
    """Beside the catalog (so a Space ships it), else under ~/.cache when that is read-only."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", encoder_name)
    base = os.environ.get("MMCREC_CACHE_DIR")
    root = Path(base) if base else catalog.root / ".mmcrec-cache"
    d = root / slug
    try:
        d.mkdir(parents=True, exist_ok=True)
        probe = d / ".write-test"
        probe.touch()
        probe.unlink()
    except OSError:
        d = Path.home() / ".cache" / "mmcrec" / catalog.catalog_id / slug
        d.mkdir(parents=True, exist_ok=True)
    return d


def _load_shards(d: Path) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, bool]]:
    found = {}
    for f in sorted(d.glob("shard-*.npz")):
        try:
            z = np.load(f, allow_pickle=False)
            keys, t, v, nat, ok = z["keys"], z["text"], z["image"], z["native"], z["ok"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            continue  # a shard cut short by a crash: its rows are simply embedded again
        for i, k in enumerate(keys):
            found[str(k)] = (t[i], v[i], nat[i], bool(ok[i]))
    return found


def _write_shard(d: Path, keys, text, image, native, ok) -> None:
    # Write to a temp file and rename, so a crash never leaves a half shard under a real name.
    name = f"shard-{time.time_ns()}-{os.getpid()}.npz"
    with tempfile.NamedTemporaryFile(dir=d, suffix=".tmp", delete=False) as f:
        np.savez(
            f,
            keys=np.array(keys),
            text=np.asarray(text, np.float16),
            image=np.asarray(image, np.float16),
            native=np.asarray(native, np.float16),
            ok=np.asarray(ok, bool),
        )
        tmp = f.name
    os.replace(tmp, d / name)


def tqdm_progress(desc: str = "embedding items") -> Progress:
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="item", file=sys.stderr)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def build_index(
    catalog: Catalog,
    encoder: Encoder,
    *,
    progress: Progress | None = None,
    cache: bool = True,
) -> ItemIndex:
    """Embed every item (text and image separately), reusing cached rows."""
    t0 = time.perf_counter()
    keys = catalog.row_keys()
    d = cache_dir_for(catalog, encoder.name) if cache else None
    have = _load_shards(d) if d else {}
    todo = [i for i, k in enumerate(keys) if k not in have]
    n = len(keys)
    issues: list[RowIssue] = []
    refused: set[int] = set()  # rows whose image URL the fetch policy refused: not cached, so
    # they are checked again next time (the operator may have opted in to private addresses)
    done = n - len(todo)
    if progress:
        progress(done, n)

    step = max(encoder.batch_size, 8) * 8
    for start in range(0, len(todo), SHARD_ROWS):
        block = todo[start : start + SHARD_ROWS]
        rows_t, rows_v, rows_n, rows_ok = [], [], [], []
        for s in range(0, len(block), step):
            chunk = block[s : s + step]
            texts = [catalog.item_text(i) for i in chunk]
            imgs, ok = [], []
            for i in chunk:
                try:
                    imgs.append(catalog.load_image(i))
                    ok.append(True)
                except URLRefused as e:
                    imgs.append(None)
                    ok.append(False)
                    refused.add(i)
                    issues.append(RowIssue(catalog.row_number(i), catalog.items["item_id"].iat[i], str(e)))
                except ImageError as e:
                    imgs.append(None)
                    ok.append(False)
                    issues.append(RowIssue(catalog.row_number(i), catalog.items["item_id"].iat[i], f"unreadable image: {e}"))
            t = encoder.encode_text(texts)
            good = [im for im in imgs if im is not None]
            emb = encoder.encode_image(good)
            v = np.zeros((len(chunk), encoder.dim), np.float32)
            nat = np.zeros((len(chunk), encoder.native_dim), np.float32)
            idx = [j for j, o in enumerate(ok) if o]
            v[idx], nat[idx] = emb.shared, emb.native
            rows_t.append(t)
            rows_v.append(v)
            rows_n.append(nat)
            rows_ok += ok
            done += len(chunk)
            if progress:
                progress(done, n)
        # rounded as the cache stores them, so a fresh run and a cached one rank identically
        bt, bv, bn = (np.concatenate(r).astype(np.float16) for r in (rows_t, rows_v, rows_n))
        keep = [j for j, i in enumerate(block) if i not in refused]
        if d and keep:
            _write_shard(d, [keys[block[j]] for j in keep], bt[keep], bv[keep], bn[keep], [rows_ok[j] for j in keep])
        for j, i in enumerate(block):
            have[keys[i]] = (bt[j], bv[j], bn[j], rows_ok[j])

    text = np.stack([have[k][0] for k in keys]).astype(np.float32)
    image = np.stack([have[k][1] for k in keys]).astype(np.float32)
    native = np.stack([have[k][2] for k in keys]).astype(np.float32)
    ok = np.array([have[k][3] for k in keys], bool)
    embedded_now = set(todo)
    issues += [
        RowIssue(catalog.row_number(i), catalog.items["item_id"].iat[i], "unreadable image (cached)")
        for i in np.flatnonzero(~ok) if int(i) not in embedded_now
    ]
    issues.sort(key=lambda issue: issue.row)
    stats = {"items": n, "embedded": len(todo), "reused": n - len(todo), "seconds": time.perf_counter() - t0}
    if d:
        stats["cache_dir"] = str(d)
        if len(todo) and len(list(d.glob("shard-*.npz"))) > 8:
            compact_cache(d, keys, text, image, native, ok)
    return ItemIndex(encoder.name, text, image, native, ok, issues, stats)


def compact_cache(d: Path, keys, text, image, native, ok) -> None:
    """Rewrite the cache as one shard holding exactly the current catalog's rows."""
    old = list(d.glob("shard-*.npz"))
    _write_shard(d, keys, text, image, native, ok)
    newest = max(d.glob("shard-*.npz"), key=lambda p: p.stat().st_mtime_ns)
    for f in old:
        if f != newest:
            f.unlink(missing_ok=True)

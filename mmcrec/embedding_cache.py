"""Item embeddings: computed once per (encoder, row content), cached on disk in shards.

A shard holds the embeddings of up to `SHARD_ROWS` rows keyed by each row's content hash, so
a changed row is re-embedded, the rest is reused, and an interrupted indexing run resumes from
the last shard written. Memory stays bounded by one batch of images while indexing.

Big catalogs split across processes: `index_slice(catalog, encoder, part, parts)` embeds only
the rows whose key hashes to `part` (mod `parts`) into the same cache, so N processes (GPUs,
machines, array jobs) share the work, and a plain `build_index` afterwards finds every row
cached. Each writer names its files uniquely and renames them into place whole.
"""
from __future__ import annotations

import hashlib
import os
import re
import socket
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import settings
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

    def picture_words(self, native: np.ndarray, rows: np.ndarray | None = None, k: int = 5,
                      temperature: float = 0.05) -> np.ndarray:
        """(m, dim): what each photo (m, native_dim) shows, in the catalog's own words — the
        text vectors of the k items whose pictures are nearest it, softmax-weighted by picture
        similarity, normalised. A zero row where no item has a picture. rows: look only among
        these catalog rows (an ANN search's neighbours in a big catalog)."""
        out = np.zeros((len(native), self.text.shape[1]), np.float32)
        if rows is None:  # the whole catalog, without copying its picture matrix
            rows = np.arange(len(self))
            sims = np.asarray(native, np.float32) @ self.native.T  # (m, n)
        else:
            sims = np.asarray(native, np.float32) @ self.native[rows].T  # (m, r)
        has = self.has_image[rows]
        k = min(k, int(has.sum()))
        if k == 0:
            return out
        sims = np.where(has, sims, -np.inf)
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        s = np.take_along_axis(sims, top, axis=1)
        w = np.exp((s - s.max(1, keepdims=True)) / temperature)
        w /= w.sum(1, keepdims=True)
        out = np.einsum("mk,mkd->md", w, self.text[rows[top]].astype(np.float32))
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def cache_dir_for(catalog: Catalog, encoder_name: str) -> Path:
    """Beside the catalog (so a Space ships it), else under ~/.cache when that is read-only."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", encoder_name)
    base = settings.current().cache_dir
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


def _cached_keys(d: Path) -> set[str]:
    """The row keys already in the cache, without reading their vectors."""
    found: set[str] = set()
    for f in d.glob("shard-*.npz"):
        try:
            found.update(str(k) for k in np.load(f, allow_pickle=False)["keys"])
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            continue
    return found


def slice_of(key: str, parts: int) -> int:
    """Which of `parts` slices a row belongs to: by its content key, so the split does not
    depend on row order, and identical rows land in the same slice."""
    return int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big") % parts


def parse_slice(text: str) -> tuple[int, int]:
    """'I/N' (0 <= I < N) → (I, N); anything else raises ValueError with a one-line reason."""
    part, _, parts = text.strip().partition("/")
    try:
        i, n = int(part), int(parts)
    except ValueError:
        raise ValueError(f"{text!r} is not I/N, e.g. 0/4 (I counts from 0)") from None
    if n < 1:
        raise ValueError(f"{text!r}: N must be at least 1")
    if not 0 <= i < n:
        raise ValueError(f"{text!r}: I counts from 0 and must be below N (0/{n} … {n - 1}/{n})")
    return i, n


def _write_shard(d: Path, keys, text, image, native, ok) -> Path:
    # Write to a temp file and rename, so a crash never leaves a half shard under a real name.
    # Host, pid and a random part make names unique across processes sharing the folder.
    host = re.sub(r"[^A-Za-z0-9_-]+", "_", socket.gethostname())[:32]
    name = f"shard-{time.time_ns()}-{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}.npz"
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
    return d / name


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


def _embed_rows(
    catalog: Catalog,
    encoder: Encoder,
    rows: list[int],
    d: Path | None,
    have: dict | None,
    issues: list[RowIssue],
    progress: Progress | None,
    done: int,
    total: int,
) -> None:
    """Embed `rows` (catalog positions), writing a cache shard every SHARD_ROWS rows and, when
    `have` is given, keeping the vectors there by row key."""
    keys = catalog.row_keys()
    refused: set[int] = set()  # rows whose image URL the fetch policy refused: not cached, so
    # they are checked again next time (the operator may have opted in to private addresses)
    step = max(encoder.batch_size, 8) * 8
    for start in range(0, len(rows), SHARD_ROWS):
        block = rows[start : start + SHARD_ROWS]
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
                progress(done, total)
        # rounded as the cache stores them, so a fresh run and a cached one rank identically
        bt, bv, bn = (np.concatenate(r).astype(np.float16) for r in (rows_t, rows_v, rows_n))
        keep = [j for j, i in enumerate(block) if i not in refused]
        if d and keep:
            _write_shard(d, [keys[block[j]] for j in keep], bt[keep], bv[keep], bn[keep], [rows_ok[j] for j in keep])
        if have is not None:
            for j, i in enumerate(block):
                have[keys[i]] = (bt[j], bv[j], bn[j], rows_ok[j])


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
    if progress:
        progress(n - len(todo), n)
    _embed_rows(catalog, encoder, todo, d, have, issues, progress, n - len(todo), n)

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
        # Many small shards (resumes, sliced runs) are folded into one. A run that embedded
        # nothing compacts only a cache holding just this catalog's rows (after sliced runs):
        # another catalog in the same folder may own the rest.
        only_ours = len(have) == len(set(keys))
        if (todo or only_ours) and len(list(d.glob("shard-*.npz"))) > 8:
            compact_cache(d, keys, text, image, native, ok)
    return ItemIndex(encoder.name, text, image, native, ok, issues, stats)


def index_slice(
    catalog: Catalog,
    encoder: Encoder,
    part: int,
    parts: int,
    *,
    progress: Progress | None = None,
) -> tuple[dict, list[RowIssue]]:
    """Embed into the cache only the rows of slice `part` of `parts` (see `slice_of`).

    Returns stats (`items` in the slice, `embedded`, `reused`, `seconds`, `cache_dir`) and the
    rows whose image could not be read. Never compacts: other slices may be writing beside it.
    """
    if not 0 <= part < parts:
        raise ValueError(f"slice {part} of {parts}: need 0 <= part < parts")
    t0 = time.perf_counter()
    keys = catalog.row_keys()
    d = cache_dir_for(catalog, encoder.name)
    mine = [i for i, k in enumerate(keys) if slice_of(k, parts) == part]
    cached = _cached_keys(d)
    todo = [i for i in mine if keys[i] not in cached]
    issues: list[RowIssue] = []
    if progress:
        progress(len(mine) - len(todo), len(mine))
    _embed_rows(catalog, encoder, todo, d, None, issues, progress, len(mine) - len(todo), len(mine))
    stats = {"items": len(mine), "embedded": len(todo), "reused": len(mine) - len(todo),
             "seconds": time.perf_counter() - t0, "cache_dir": str(d)}
    return stats, issues


def compact_cache(d: Path, keys, text, image, native, ok) -> None:
    """Rewrite the cache as one shard holding exactly the current catalog's rows."""
    old = list(d.glob("shard-*.npz"))
    _write_shard(d, keys, text, image, native, ok)
    for f in old:
        f.unlink(missing_ok=True)

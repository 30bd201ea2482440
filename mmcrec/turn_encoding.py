"""The frozen encoders' view of a dialogue's turns: what every model starts from.

A turn's words go through the text encoder (and the language model, when it is another), a
turn in another language through the multilingual encoder and the catalog items it matches
(multilingual.py), a photo through the image encoder, its text-space side blended with the words
of the catalog's nearest pictures. Nothing here depends on the served model, so the encodings are
cached by what they depend on (turn_key) and shared by every model and comparison.
"""
from __future__ import annotations

import functools
import threading
from collections import Counter, OrderedDict
from typing import Callable

import numpy as np

from .catalog import Catalog
from .dialogue import Turn
from .embedding_cache import ItemIndex, cache_dir_for
from .encoders import Encoder, ImageEmbeddings
from .language import bridged, detect_language, english_only
from .multilingual import MODEL_NAME as ML_MODEL
from .multilingual import CrossLingual
from .multilingual import available as multilingual_available
from .multilingual import encode as ml_encode
from .vector_index import AnnIndex

RECENT_TURNS = 256  # encoded turns kept for the next requests (each a few vectors)


def turn_key(turn: Turn, content: str) -> tuple:
    """What a turn's encodings depend on: its words and its image. Keys the encoded-turn cache
    (TurnEncoder.raw_turns); the turn-score cache is keyed by what is matched (match_key)."""
    return (content, turn.image_sha256 if turn.image is not None else None)


class TurnEncoder:
    """Turns in, their frozen encodings out (no adapter), for one catalog and its encoders."""

    def __init__(self, catalog: Catalog, index: ItemIndex, encoder: Encoder, lm,
                 ann: Callable[[], AnnIndex | None] = lambda: None):
        """ann: the served ANN index, when a big catalog is scored through one (a photo's words
        then come from its neighbours' pictures)."""
        self.catalog, self.index, self.encoder, self.lm = catalog, index, encoder, lm
        self._ann = ann
        self.caption_weight = float(getattr(encoder, "caption_weight", 0.0))  # see photo_embeddings
        self._cache: OrderedDict[tuple, dict] = OrderedDict()
        self._lock = threading.Lock()  # the cache is shared by the serving threads
        self._crosslingual: CrossLingual | None = None
        self._items_lm: np.ndarray | None = None

    def fresh(self) -> "TurnEncoder":
        """The same encoders with a cache of its own (a training run beside live chats)."""
        other = TurnEncoder(self.catalog, self.index, self.encoder, self.lm, self._ann)
        other.caption_weight = self.caption_weight
        other._crosslingual, other._items_lm = self._crosslingual, self._items_lm
        return other

    def text_model(self):
        """The item encoder's own text model (the language model itself for the offline pair)."""
        return getattr(self.encoder, "text", None)

    def raw_turn(self, turn: Turn, content: str) -> dict:
        """The frozen encoders' view of one turn (no adapter): cached, shared by every model."""
        return self.raw_turns([(turn, content)])[0]

    def raw_turns(self, pairs: list[tuple[Turn, str]]) -> list[dict]:
        """raw_turn for many (turn, content) pairs, encoded in batches (training featurises thousands)."""
        out: dict[tuple, dict] = {}
        todo: dict[tuple, tuple[Turn, str]] = {}
        for t, c in pairs:
            k = turn_key(t, c)
            with self._lock:
                hit = self._cache.get(k)
            if hit is not None:
                out[k] = hit
            elif k not in todo:
                todo[k] = (t, c)
        keys = list(todo)
        texts = sorted({c for t, c in todo.values() if c})
        ml_of: dict[str, np.ndarray] = {}
        if texts:
            # a turn in another language is read by the multilingual encoder and speaks through
            # the catalog items it matches (multilingual.py); English goes straight in
            other = [c for c in texts if self.bridged(c)]
            plain = [c for c in texts if c not in set(other)]
            emb = dict(zip(plain, self.encoder.encode_text(plain))) if plain else {}
            lm = emb if self.text_model() is self.lm else dict(zip(plain, self.lm(plain))) if plain else {}
            if other:
                ml = ml_encode(other)  # once, for the bridges and the kind reading
                ml_of = dict(zip(other, ml))
                emb.update(zip(other, self.crosslingual.bridge(other, self.index.text, ml)))
                if lm is not emb:
                    lm.update(zip(other, self.crosslingual.bridge(other, self.items_lm, ml)))
        # each distinct image once (many asks share one photo)
        img_row: dict[tuple, int] = {}
        first: dict = {}
        for k in keys:
            if todo[k][0].image is not None:
                img_row[k] = first.setdefault(k[1], len(first))
        pics = {i: todo[k][0].image for k, i in img_row.items()}
        img = self.photo_embeddings([pics[i] for i in range(len(first))]) if first else None
        for k in keys:
            t, c = todo[k]
            r: dict = {}
            if c:
                r["text"], r["lm"] = emb[c], lm[c]
                if c in ml_of:
                    r["ml"] = ml_of[c]  # read in another language: its kind is read in the multilingual space
            if k in img_row:
                i = img_row[k]
                r["image_native"], r["image_shared"] = img.native[i], img.shared[i]
                if "lm" not in r and self.encoder.dim == self.lm.dim and self.text_model() is self.lm:
                    r["lm"] = img.shared[i]  # the offline bridge lives in the language model's own space
            out[k] = r
            if len(pairs) <= 8:  # serving: keep the recent turns; bulk callers keep their own results
                with self._lock:
                    self._cache[k] = r
                    while len(self._cache) > RECENT_TURNS:
                        self._cache.popitem(last=False)
        return [out[turn_key(t, c)] for t, c in pairs]

    def photo_embeddings(self, images: list) -> ImageEmbeddings:
        """The encoder's embeddings of shoppers' photos, their text-space side blended (by the
        encoder's caption_weight, times the share of items with a picture) with the catalog's
        words for its nearest pictures: a photo reads as the products it looks like, not only as
        an image model's guess at its class."""
        img = self.encoder.encode_image(images)
        # the catalog's pictures speak for it as far as they cover it: a shop with pictures for
        # one item in ten would read every photo as one of those few
        w = self.caption_weight * float(self.index.has_image.mean()) if len(self.index) else 0.0
        if w <= 0:
            return img
        ann = self._ann()
        # a big catalog: the exact nearest pictures among each photo's ANN neighbours
        rows = np.unique(ann.search("native", img.native, 64)) if ann is not None else None
        words = self.index.picture_words(img.native, rows)
        shared = np.where(np.linalg.norm(words, axis=1, keepdims=True) > 0, (1 - w) * img.shared + w * words, img.shared)
        shared /= np.maximum(np.linalg.norm(shared, axis=1, keepdims=True), 1e-12)
        return ImageEmbeddings(shared.astype(np.float32), img.native)

    def bridged(self, text: str) -> bool:
        """Is this turn read through the multilingual encoder? A turn in another language than
        English is, and so is every turn on a catalog written in another language, whose texts
        the English-only encoder cannot read (multilingual.py)."""
        if bridged(text, self.encoder.name):
            return True
        return self.catalog_language != "en" and english_only(self.encoder.name) and multilingual_available()

    @functools.cached_property
    def catalog_language(self) -> str:
        """The language most of the catalog's titles are written in."""
        titles = self.catalog.items["title"].astype(str).tolist()
        sample = titles[:: max(1, len(titles) // 200)]
        votes = Counter(detect_language(t) for t in sample)
        return votes.most_common(1)[0][0] if votes else "en"

    @property
    def crosslingual(self) -> CrossLingual:
        """The catalog in the multilingual space, for turns in other languages (built on first use)."""
        if self._crosslingual is None:
            try:
                d = cache_dir_for(self.catalog, ML_MODEL)
            except OSError:
                d = None
            self._crosslingual = CrossLingual(self.catalog.texts(), self.catalog.row_keys(), d)
        return self._crosslingual

    @property
    def items_lm(self) -> np.ndarray:
        """The items' texts as the language model reads them (the item encoder's own text vectors
        when it is the language model; else encoded once, on first use)."""
        if self.text_model() is self.lm:
            return self.index.text
        if self._items_lm is None:
            self._items_lm = self.lm(self.catalog.texts())
        return self._items_lm

"""The label memory: which items shoppers liked and disliked for each need they rated, recalled
when another shopper asks for the same thing in other words.

`mmcrec train` builds it (training/memory.py) and saves it inside the model version
(memory.json + memory.safetensors), so everything that serves the version uses it. One entry per
labelled request (the same turns and photo, across sessions and annotators):

    entry e:  a dialogue vector t_e (the turns' sentence embeddings mixed by the model's own turn
              attention: the state the dialogue reached, not only its last sentence), a photo
              vector p_e when it had a photo, and the items judged in it with a value
              v_ei in [-1, 1] (annotators' net opinion, shrunk towards 0 when few gave one).

At serving a request (t, p) recalls the entries whose similarity clears the threshold θ:

    sim(request, e) = cos(t, t_e)                       both worded, no photo
                    = cos(p, p_e) if ≥ PHOTO_ALONE      both a photo alone (else no match)
                    = min(cos(t, t_e), cos(p, p_e))     both words and a photo: both must match
                    = no match                          one has a photo, the other not,
                                                        or e took more turns than the request
    g_e  = min(1, (sim − θ) / RAMP)                     0 at the threshold, 1 from θ + RAMP on
    Δ_i  = Σ_e g_e v_ei / max(1, Σ_e g_e)
    y'_i = y_i · exp(λ Δ_i S(y)) / Z                    liked items up, disliked ones down; Z keeps
                                                        the scores' total (others give up a share)
    S(y) = log y_(1) − log y_(20)                       the request's own score spread: its best
                                                        item over its 20th (at least 1)

y is a softmax whose peakedness varies from request to request (the top 20 of one span 5 nats, of
another 40), so λ is measured in that spread: λ·Δ = 1 lifts a request's 20th item level with its
first, whatever the request. Another wording of a labelled need ranks the liked items lower than the
labelled wording did, and a strength in nats fitted on exact repeats left them there
(benchmarks/bench_learning.py, dev).

Only items the hard constraints allow have a score to move (budget, exclusions still win), and with
no entry above θ every Δ is 0: the ranking is exactly the model's without memory. θ and λ are fitted
by `mmcrec train` (training/memory.py) and written in the model card.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MEMORY_FORMAT = 1
EXACT_MAX = 4096  # entries searched exactly (one matrix-vector product, bandwidth-bound: ~1.4 ms at 10,000 × 384); above, a graph
NEIGHBOURS = 8  # entries recalled at most per request
RAMP = 0.1  # similarity above the threshold at which a recalled request counts fully (g = 1)
# a photo alone recalls only the same picture, or all but: image features of two different
# products of one kind are as alike as two wordings of one need (two sneakers: 0.8)
PHOTO_ALONE = 0.95
SPREAD_RANK = 20  # S(y): a request's best score over its 20th, about two pages of results
SPREAD_FLOOR = 1.0  # nats: a flat ranking (nothing stands out) still lets thumbs move it


def item_hash(title: str, description: str = "", category: str = "", color: str = "") -> str:
    """What an item is, for the memory's check at load: its title, description, category and colour
    (not its price: a sale does not make it another product, nor its image path: a deployed copy of
    the catalog lies elsewhere)."""
    s = "\x1f".join(" ".join(str(x or "").split()).lower() for x in (title, description, category, color))
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:16]


def catalog_hashes(catalog) -> dict[str, str]:
    it = catalog.items
    return {str(i): item_hash(t, d, c, k) for i, t, d, c, k in
            zip(it["item_id"], it["title"], it["description"], it["category"], it["color"])}


def normalize_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.where(n > 1e-12, x / np.maximum(n, 1e-12), 0.0).astype(np.float32)


def request_vectors(lm: np.ndarray, has_text: np.ndarray, native: np.ndarray, has_image: np.ndarray,
                    weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A dialogue (or a batch: leading dims) as the memory compares it: its worded turns' sentence
    embeddings (lm, (..., T, dl)) mixed by the turn weights (..., T), and its photos' image features
    (native, (..., T, dn)) mixed the same way. Returns (text, photo, has_text, has_photo), vectors unit
    length (zero where the dialogue has none)."""
    w = np.asarray(weights, np.float64)
    wt = w * np.asarray(has_text, bool)
    wi = w * np.asarray(has_image, bool)
    text = normalize_rows((wt[..., None] * np.asarray(lm, np.float64)).sum(-2))
    photo = normalize_rows((wi[..., None] * np.asarray(native, np.float64)).sum(-2))
    return text, photo, wt.sum(-1) > 0, wi.sum(-1) > 0


def score_spread(y: np.ndarray) -> np.ndarray:
    """S(y) per row of y (..., n): log of the best positive score over the SPREAD_RANK-th best (the
    last, when fewer are positive), at least SPREAD_FLOOR."""
    y = np.asarray(y, np.float64)
    logs = np.where(y > 0, np.log(np.where(y > 0, y, 1.0)), -np.inf)
    k = min(SPREAD_RANK, logs.shape[-1])
    top = -np.partition(-logs, k - 1, axis=-1)[..., :k]  # the k best, unordered
    best = top.max(-1)
    kth = np.where(np.isfinite(top), top, np.inf).min(-1)  # the k-th best, or the last positive
    spread = np.where(np.isfinite(best) & np.isfinite(kth), best - kth, 0.0)
    return np.maximum(spread, SPREAD_FLOOR)


def moved_scores(y: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """y' = y · exp(shift · S(y)), scaled back to the positive scores' total, per row of y (..., n);
    shift: λ·Δ (BoundMemory.shift). Items without a positive score (outside the hard constraints)
    keep theirs. In log space: a large shift must not round the other items' scores to zero."""
    y = np.asarray(y, np.float64)
    pos = y > 0
    logs = np.where(pos, np.log(np.where(pos, y, 1.0)), -np.inf)
    moved = logs + np.asarray(shift, np.float64) * score_spread(y)[..., None]
    top = np.max(np.where(pos, moved, -np.inf), axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.where(pos, np.exp(moved - top), 0.0)
    total = np.where(pos, y, 0.0).sum(-1, keepdims=True)
    e *= total / np.maximum(e.sum(-1, keepdims=True), 1e-300)
    return np.where(pos, e, y)


@dataclass
class LabelMemory:
    """The saved memory: entry vectors and metadata, and the judged items of each entry as rows
    (entry, item_id, value, up, down, grade)."""

    text: np.ndarray  # (E, dl) unit rows (zero: no words)
    photo: np.ndarray  # (E, dn) unit rows (zero: no photo)
    has_text: np.ndarray  # (E,) bool
    has_photo: np.ndarray  # (E,) bool
    entries: list[dict]  # per entry: turns, image_sha256, image_turn, sessions, annotators, labelled_at
    entry: np.ndarray  # (R,) int: the entry of each judged-item row
    item_ids: list[str]  # (R,)
    value: np.ndarray  # (R,) float in [-1, 1]
    up: np.ndarray  # (R,) int: annotators who liked the item for this request
    down: np.ndarray  # (R,) int: annotators who disliked it
    grade: np.ndarray  # (R,) float: campaigns' agreed grade (NaN: thumbs only)
    item_hashes: dict[str, str]  # item_id -> item_hash when it was labelled
    threshold: float = 0.8
    strength: float = 2.0
    card: dict = field(default_factory=dict)  # how it was built and fitted (shown in the model card)

    def __len__(self) -> int:
        return len(self.entries)

    # -- files -------------------------------------------------------------------------------------

    def save(self, directory: str | Path) -> None:
        from safetensors.numpy import save_file

        d = Path(directory)
        save_file({"text": np.ascontiguousarray(self.text, np.float32), "photo": np.ascontiguousarray(self.photo, np.float32),
                   "has_text": self.has_text.astype(np.uint8), "has_photo": self.has_photo.astype(np.uint8),
                   "entry": self.entry.astype(np.int32), "value": self.value.astype(np.float32),
                   "up": self.up.astype(np.int32), "down": self.down.astype(np.int32),
                   "grade": self.grade.astype(np.float32)}, str(d / "memory.safetensors"))
        meta = {"format": MEMORY_FORMAT, "threshold": self.threshold, "strength": self.strength, "card": self.card,
                "entries": self.entries, "item_ids": self.item_ids, "item_hashes": self.item_hashes}
        (d / "memory.json").write_text(json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, directory: str | Path) -> "LabelMemory | None":
        """The memory saved in a model directory, or None when it has none."""
        from safetensors.numpy import load_file

        d = Path(directory)
        if not (d / "memory.json").is_file():
            return None
        meta = json.loads((d / "memory.json").read_text(encoding="utf-8"))
        if int(meta.get("format", 0)) > MEMORY_FORMAT:
            raise ValueError(f"{d}: label memory format {meta.get('format')} is newer than this mmcrec reads")
        t = load_file(str(d / "memory.safetensors"))
        mem = cls(text=t["text"], photo=t["photo"], has_text=t["has_text"].astype(bool), has_photo=t["has_photo"].astype(bool),
                  entries=list(meta["entries"]), entry=t["entry"].astype(np.int64), item_ids=[str(x) for x in meta["item_ids"]],
                  value=t["value"], up=t["up"], down=t["down"], grade=t["grade"], item_hashes=dict(meta["item_hashes"]),
                  threshold=float(meta["threshold"]), strength=float(meta["strength"]), card=dict(meta.get("card") or {}))
        if not (len(mem.text) == len(mem.photo) == len(mem.entries)) or not (len(mem.entry) == len(mem.item_ids) == len(mem.value)):
            raise ValueError(f"{d}: label memory files disagree on their sizes")
        return mem

    # -- serving -----------------------------------------------------------------------------------

    def bind(self, catalog, hashes: dict[str, str] | None = None) -> "BoundMemory":
        """The memory over one catalog's rows: judged items the catalog no longer has, or has
        changed (another title, description, category or colour), are dropped, and so is an entry
        left with none; the counts say how many."""
        hashes = catalog_hashes(catalog) if hashes is None else hashes
        pos = {iid: i for i, iid in enumerate(catalog.ids)}
        keep = np.array([iid in pos and hashes.get(iid) == self.item_hashes.get(iid) for iid in self.item_ids], bool)
        gone = {iid for iid, k in zip(self.item_ids, keep) if not k and iid not in pos}
        changed = {iid for iid, k in zip(self.item_ids, keep) if not k and iid in pos}
        live = np.zeros(len(self), bool)
        live[self.entry[keep]] = True
        return BoundMemory(self, np.flatnonzero(keep), np.array([pos[iid] for iid, k in zip(self.item_ids, keep) if k], np.int64),
                           live, {"entries": int(live.sum()), "entries_dropped": int(len(self) - live.sum()),
                                  "items_deleted": len(gone), "items_changed": len(changed)})


def recall_weight(sims: np.ndarray, theta: float) -> np.ndarray:
    """g: how much a recalled request counts, from 0 at the threshold to 1 from θ + RAMP on (a
    request just over the line is not yet trusted fully; a clear paraphrase is)."""
    return np.clip((np.asarray(sims, np.float64) - theta) / RAMP, 0.0, 1.0)


@dataclass(frozen=True)
class Recall:
    """What the memory recalled for one request: the entries above the threshold, their
    similarity and weight g (best first)."""

    entries: np.ndarray
    sims: np.ndarray
    weights: np.ndarray

    def __bool__(self) -> bool:
        return len(self.entries) > 0


NO_RECALL = Recall(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))


class BoundMemory:
    """A LabelMemory over the served catalog (LabelMemory.bind): recall and score shifts."""

    def __init__(self, memory: LabelMemory, rows: np.ndarray, catalog_rows: np.ndarray, live: np.ndarray, counts: dict):
        self.memory = memory
        self.counts = counts
        self.live = live
        order = np.argsort(memory.entry[rows], kind="stable")
        self.rows = rows[order]  # memory rows kept, grouped by entry
        self.catalog_rows = catalog_rows[order]
        self.starts = np.searchsorted(memory.entry[self.rows], np.arange(len(memory) + 1))
        # the live entries by what they hold (words, photo), each group's vectors contiguous: a
        # request is compared with its own group in one matrix-vector product, nothing copied
        self.groups = {}
        for key in ((True, False), (False, True), (True, True)):
            idx = np.flatnonzero(live & (memory.has_text == key[0]) & (memory.has_photo == key[1]))
            if len(idx):
                self.groups[key] = (idx, np.ascontiguousarray(memory.text[idx]) if key[0] else None,
                                    np.ascontiguousarray(memory.photo[idx]) if key[1] else None)
        # an entry's thumbs judge the state its dialogue reached: a dialogue that has taken fewer
        # turns has not asked for what came later ("show me phones" is not yet "... something cheaper")
        self.turns = np.array([len(e.get("turns") or []) for e in memory.entries], np.int64)
        self._graph = None
        if int(live.sum()) > EXACT_MAX:
            self._graph = self._build_graph()

    def __len__(self) -> int:
        return int(self.live.sum())

    @property
    def threshold(self) -> float:
        return self.memory.threshold

    @property
    def strength(self) -> float:
        return self.memory.strength

    def _build_graph(self):
        """An HNSW graph per vector space over the live entries (exact search costs E·d per request)."""
        import faiss

        graphs = {}
        for name, vecs, has in (("text", self.memory.text, self.memory.has_text), ("photo", self.memory.photo, self.memory.has_photo)):
            ids = np.flatnonzero(self.live & has)
            if len(ids):
                g = faiss.IndexHNSWFlat(vecs.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
                g.hnsw.efSearch = 64
                g.add(np.ascontiguousarray(vecs[ids], np.float32))
                graphs[name] = (g, ids)
        return graphs

    def similarities(self, text: np.ndarray, photo: np.ndarray, has_text: bool, has_photo: bool,
                     among: np.ndarray | None = None, turns: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(entries, their similarity to the request) over `among` (default: every live entry);
        turns: the request's, entries of more turns do not match (None: any)."""
        group = self.groups.get((bool(has_text), bool(has_photo)))
        if group is None:
            return np.zeros(0, np.int64), np.zeros(0)
        idx, texts, photos = group
        if among is not None:  # the graph's candidates: their rows in the group
            pos = np.searchsorted(idx, among)
            ok = (pos < len(idx)) & (idx[np.minimum(pos, len(idx) - 1)] == among)
            pos = pos[ok]
            idx, texts, photos = idx[pos], None if texts is None else texts[pos], None if photos is None else photos[pos]
        parts = []
        if has_text:
            parts.append(texts @ np.asarray(text, np.float32))
        if has_photo:
            p = photos @ np.asarray(photo, np.float32)
            parts.append(p if has_text else np.where(p >= PHOTO_ALONE, p, -1.0))
        sims = (parts[0] if len(parts) == 1 else np.minimum(*parts)).astype(np.float64)
        if turns is not None:
            sims = np.where(self.turns[idx] <= turns, sims, -1.0)
        return idx, sims

    def recall(self, text: np.ndarray, photo: np.ndarray, has_text: bool, has_photo: bool,
               threshold: float | None = None, turns: int | None = None) -> Recall:
        """The entries similar enough to the request (at most NEIGHBOURS, best first); turns: how
        many the request's dialogue has taken (entries of more are not recalled; None: any)."""
        theta = self.threshold if threshold is None else threshold
        among = None
        if self._graph is not None:
            name, q = ("text", text) if has_text else ("photo", photo)
            if name not in self._graph:
                return NO_RECALL
            g, ids = self._graph[name]
            _, found = g.search(np.asarray(q, np.float32)[None], 4 * NEIGHBOURS)
            among = np.unique(ids[found[0][found[0] >= 0]])
        idx, sims = self.similarities(text, photo, has_text, has_photo, among, turns)
        hit = sims > theta
        if not hit.any():
            return NO_RECALL
        idx, sims = idx[hit], sims[hit]
        top = np.argsort(-sims, kind="stable")[:NEIGHBOURS]
        idx, sims = idx[top], sims[top]
        return Recall(idx, sims, recall_weight(sims, theta))

    def shift(self, recall: Recall, n: int, rows: np.ndarray | None = None, strength: float | None = None) -> np.ndarray:
        """(n,) shift λ·Δ per item, in units of the request's score spread (moved_scores applies it;
        rows: the catalog rows of the n scored items, None: all)."""
        delta = np.zeros(n)
        if not recall:
            return delta
        lam = self.strength if strength is None else strength
        where = None if rows is None else {int(r): i for i, r in enumerate(rows)}
        for e, g in zip(recall.entries, recall.weights):
            sl = slice(self.starts[e], self.starts[e + 1])
            cat, val = self.catalog_rows[sl], self.memory.value[self.rows[sl]]
            if where is None:
                np.add.at(delta, cat, g * val)
            else:
                for c, v in zip(cat, val):
                    i = where.get(int(c))
                    if i is not None:
                        delta[i] += g * v
        return lam * delta / max(1.0, float(recall.weights.sum()))

    def evidence(self, recall: Recall) -> dict[int, dict]:
        """Per catalog row judged in the recalled requests: who liked or disliked it there, and the
        most similar of those requests (for the explanation). One pass over the recalled rows."""
        out: dict[int, dict] = {}
        for e, sim in zip(recall.entries, recall.sims):  # best first
            sl = slice(self.starts[e], self.starts[e + 1])
            for c, r in zip(self.catalog_rows[sl].tolist(), self.rows[sl].tolist()):
                ev = out.get(c)
                if ev is None:
                    ev = out[c] = {"liked_by": 0, "disliked_by": 0, "similarity": float(sim),
                                   "request": list(self.memory.entries[e].get("turns") or []),
                                   "with_photo": bool(self.memory.has_photo[e])}
                ev["liked_by"] += int(self.memory.up[r])
                ev["disliked_by"] += int(self.memory.down[r])
        return out

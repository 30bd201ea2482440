"""Offline evaluation: labelled queries (docs/contracts.md §2) in, NDCG@k / Recall@k / MRR out.

Three systems share the harness so they are compared on the same catalog and queries:
`model` (the full design), `semantic` (the same encoders, turns joined into one text, one cosine,
no dialogue state, no fusion) and `bm25` (words only).
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .catalog import Catalog
from .dialogue import DialogueState, Turn, dialogue_turns
from .images import ImageError, open_image
from .embedding_cache import ItemIndex
from .recommender import Recommender


class QueryFileError(ValueError):
    pass


@dataclass
class LabelledQuery:
    """One labelled request; `language` is the code of the language it is written in ("zh", "de"...)."""

    query_id: str
    kind: str
    turns: list[str]
    image: str | None  # absolute path
    relevant: dict[str, int]
    paraphrase_of: str | None = None  # another wording of this labelled query (its query_id)
    language: str = ""  # the "language" field of the line; "" means English/unspecified
    _image_cache: object = field(default=None, repr=False)

    def open_image(self):
        if self.image and self._image_cache is None:
            self._image_cache = open_image(self.image)
        return self._image_cache

    def dialogue_turns(self) -> list[Turn]:
        if not self.image:
            return dialogue_turns(self.turns)
        return dialogue_turns(self.turns, self.open_image(), _sha(self.image))


def _sha(path: str) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def derive_kind(turns: list[str], image: str | None) -> str:
    if len(turns) > 1:
        return "multi-turn"
    if image and turns:
        return "text+image"
    return "image" if image else "text"


def load_queries(path: str | Path) -> list[LabelledQuery]:
    path = Path(path)
    if not path.is_file():
        raise QueryFileError(f"queries file not found: {path}")
    out, seen = [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            qid = str(d["query_id"])
            turns = [str(t) for t in d.get("turns") or []]
            rel = {str(k): int(v) for k, v in (d.get("relevant") or {}).items()}
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise QueryFileError(f"{path}: line {n}: not a labelled query ({e})") from e
        if qid in seen:
            raise QueryFileError(f"{path}: line {n}: duplicate query_id {qid!r}")
        seen.add(qid)
        image = d.get("image")
        if image:
            image = str((path.parent / image).resolve())
        if not turns and not image:
            raise QueryFileError(f"{path}: line {n}: query {qid!r} has neither turns nor an image")
        kind = d.get("kind") or derive_kind(turns, image)
        para = d.get("paraphrase_of")
        lang = str(d.get("language") or "")
        out.append(LabelledQuery(qid, kind, turns, image, rel, str(para) if para else None, language=lang))
    if not out:
        raise QueryFileError(f"{path}: no queries")
    return out


# -- metrics -------------------------------------------------------------------------------------


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    gains = [(2 ** relevant.get(i, 0) - 1) for i in ranked[:k]]
    dcg = sum(g / math.log2(r + 2) for r, g in enumerate(gains))
    ideal = sorted((2**g - 1 for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    rel = {i for i, g in relevant.items() if g > 0}
    return len(rel & set(ranked[:k])) / len(rel) if rel else 0.0


def mrr(ranked: list[str], relevant: dict[str, int]) -> float:
    for r, i in enumerate(ranked, start=1):
        if relevant.get(i, 0) > 0:
            return 1.0 / r
    return 0.0


def summarize(rows: list[dict]) -> dict:
    if not rows:
        return {"ndcg": 0.0, "recall": 0.0, "mrr": 0.0, "n": 0}
    return {
        "ndcg": float(np.mean([r["ndcg"] for r in rows])),
        "recall": float(np.mean([r["recall"] for r in rows])),
        "mrr": float(np.mean([r["mrr"] for r in rows])),
        "n": len(rows),
    }


# -- systems -------------------------------------------------------------------------------------


class ModelSystem:
    name = "model"

    def __init__(self, rec: Recommender):
        self.rec = rec
        self.recalled = False  # whether the label memory recalled a labelled request for the last query

    def rank(self, q: LabelledQuery, k: int) -> list[str]:
        state = DialogueState()
        shown: list[float] = []
        for t in q.dialogue_turns():
            state.shown_prices = shown
            state.add(t, self.rec.vocab)
            r = self.rec.recommend(state, k=k)
            shown = [it["price"] for it in r.items[:5] if it["price"] is not None]
        self.recalled = r.memory is not None
        return [it["item_id"] for it in r.items]


class SemanticSystem:
    """Plain semantic search with the packaged encoders: the turns joined into one text, plus the
    shopper's photo in the same space (for the offline pair, through the class-name bridge), one
    cosine against each item's text + picture. No dialogue state, no trained adapter."""

    name = "semantic"

    def __init__(self, catalog: Catalog, index: ItemIndex, encoder):
        self.ids = catalog.ids
        self.encoder = encoder
        v = index.text + index.image * index.has_image[:, None]
        self.items = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def rank(self, q: LabelledQuery, k: int) -> list[str]:
        vec = np.zeros(self.items.shape[1], np.float32)
        text = " ".join(q.turns).strip()
        if text:
            vec += self.encoder.encode_text([text])[0]
        if q.image:
            vec += self.encoder.encode_image([q.open_image()]).shared[0]
        s = self.items @ vec
        return [self.ids[i] for i in np.argsort(-s, kind="stable")[:k]]


class BM25System:
    name = "bm25"

    def __init__(self, catalog: Catalog):
        import bm25s

        self.ids = catalog.ids
        self._bm25s = bm25s
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(catalog.texts(), stopwords="en", show_progress=False), show_progress=False)

    def rank(self, q: LabelledQuery, k: int) -> list[str]:
        text = " ".join(q.turns).strip()
        toks = self._bm25s.tokenize([text], stopwords="en", show_progress=False) if text else None
        if not text or not toks.vocab:
            return self.ids[:k]  # nothing to match on (an image alone): catalog order
        docs, _ = self.retriever.retrieve(toks, k=min(k, len(self.ids)), show_progress=False)
        return [self.ids[i] for i in docs[0]]


def evaluate(system, queries: list[LabelledQuery], k: int = 10) -> dict:
    per_query, runs, latency = [], [], []
    for q in queries:
        try:
            q.open_image()
        except ImageError as e:
            raise QueryFileError(f"query {q.query_id}: {e}") from e
        t0 = time.perf_counter()
        ranked = system.rank(q, k)
        latency.append((time.perf_counter() - t0) * 1000)
        runs.append({"query_id": q.query_id, "ranked": ranked})
        per_query.append(
            {
                "query_id": q.query_id,
                "kind": q.kind,
                "ndcg": ndcg_at(ranked, q.relevant, k),
                "recall": recall_at(ranked, q.relevant, k),
                "mrr": mrr(ranked, q.relevant),
                # a repeat need: the model's label memory recalled a labelled request like it
                "need": "repeat" if getattr(system, "recalled", False) else "new",
                # the request's language: the set's own field, else read from its words
                "language": query_language(q),
            }
        )
    kinds = sorted({r["kind"] for r in per_query})
    out = {
        "system": system.name,
        "k": k,
        "overall": summarize(per_query),
        "by_kind": {kd: summarize([r for r in per_query if r["kind"] == kd]) for kd in kinds},
        "latency_ms": {
            "p50": float(np.percentile(latency, 50)),
            "p95": float(np.percentile(latency, 95)),
            "models_loaded": True,
        },
        "per_query": per_query,
        "runs": runs,
    }
    languages = sorted({r["language"] for r in per_query})
    if len(languages) > 1:  # requests in several languages: each one apart
        out["by_language"] = {lg: summarize([r for r in per_query if r["language"] == lg]) for lg in languages}
    if getattr(getattr(system, "rec", None), "served", None) is not None and system.rec.served.memory is not None:
        # with a label memory: new needs (nothing like them was labelled) and repeat needs apart
        out["by_need"] = {nd: summarize(rows) for nd in ("new", "repeat") if (rows := [r for r in per_query if r["need"] == nd])}
    return out


def query_language(q: LabelledQuery) -> str:
    """A labelled request's language: its `language` field (zh-CN and zh-TW are zh), else what its
    words are written in; a photo alone has none ("-")."""
    if q.language:
        return q.language.split("-")[0].lower()
    from .language import detect_language

    text = " ".join(q.turns).strip()
    return detect_language(text) if text else "-"


def write_run(runs: list[dict], path: str | Path) -> None:
    Path(path).write_text("".join(json.dumps(r) + "\n" for r in runs))


def format_table(results: list[dict]) -> str:
    kinds = sorted({kd for r in results for kd in r["by_kind"]}) + ["overall"]
    lines = ["| system | kind | n | NDCG@{k} | Recall@{k} | MRR |".format(k=results[0]["k"]), "|---|---|---|---|---|---|"]
    for kd in kinds:
        for r in results:
            m = r["overall"] if kd == "overall" else r["by_kind"].get(kd)
            if m:
                lines.append(f"| {r['system']} | {kd} | {m['n']} | {m['ndcg']:.3f} | {m['recall']:.3f} | {m['mrr']:.3f} |")
    for r in results:
        for lg, m in (r.get("by_language") or {}).items():
            lines.append(f"| {r['system']} | language {lg} | {m['n']} | {m['ndcg']:.3f} | {m['recall']:.3f} | {m['mrr']:.3f} |")
    for r in results:
        for nd, m in (r.get("by_need") or {}).items():
            lines.append(f"| {r['system']} | {nd} needs | {m['n']} | {m['ndcg']:.3f} | {m['recall']:.3f} | {m['mrr']:.3f} |")
    return "\n".join(lines)

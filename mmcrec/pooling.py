"""TREC-style pooling for annotation campaigns: each request's items to judge are the union of the
top ``depth`` of several systems (the served model, plain semantic search, BM25 — evaluate.py's
three), deduplicated and shuffled, so the labels do not favour the model that produced them.

The order is shuffled with a seed made of the campaign name and the request id: the same campaign
pools the same way every time, and no position tells which system placed an item.
"""
from __future__ import annotations

import hashlib
import random
from pathlib import Path

from .evaluate import BM25System, LabelledQuery, ModelSystem, QueryFileError, SemanticSystem, load_queries
from .labels.campaigns import (DEFAULT_DEPTH, DEFAULT_OVERLAP, SYSTEMS, Campaign, CampaignError, CampaignRequest,
                               Campaigns, PooledItem)
from .labels.store import LabelStore
from .images import ImageError
from .recommender import Recommender


def parse_pool(text: str | list[str] | None) -> list[str]:
    """``"model,semantic,bm25"`` (or a list) → the systems, in that order; CampaignError for others."""
    names = text if isinstance(text, list) else [p.strip() for p in str(text or "").split(",")]
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        return list(SYSTEMS)
    bad = [n for n in names if n not in SYSTEMS]
    if bad:
        raise CampaignError(f"unknown pool system {bad[0]!r} (use {', '.join(SYSTEMS)})")
    return names


def load_requests(path: str | Path) -> list[LabelledQuery]:
    """The requests of a campaign: docs/contracts.md §2 lines (a ``relevant`` there is ignored)."""
    if not Path(path).is_file():
        raise CampaignError(f"requests file not found: {path}")
    try:
        return load_queries(path)
    except QueryFileError as e:
        raise CampaignError(str(e).replace("not a labelled query", "not a request")) from None


def pool_requests(rec: Recommender, queries: list[LabelledQuery], systems: list[str], depth: int,
                  seed: str) -> list[CampaignRequest]:
    """Each query's pool: the top ``depth`` of each system, merged, each item with the systems
    that placed it, in an order shuffled by ``seed`` and the query id."""
    make = {"model": lambda: ModelSystem(rec),
            "semantic": lambda: SemanticSystem(rec.catalog, rec.index, rec.encoder),
            "bm25": lambda: BM25System(rec.catalog)}
    ranked_by = {name: make[name]() for name in systems}
    out = []
    for q in queries:
        try:
            q.open_image()
        except ImageError as e:
            raise CampaignError(f"request {q.query_id}: {e}") from None
        placed: dict[str, list[str]] = {}
        for name, system in ranked_by.items():
            for item_id in system.rank(q, depth)[:depth]:
                placed.setdefault(item_id, []).append(name)
        ids = sorted(placed)
        random.Random(hashlib.sha256(f"{seed}\n{q.query_id}".encode()).hexdigest()).shuffle(ids)
        out.append(CampaignRequest(q.query_id, list(q.turns), q.image, q.kind,
                                   [PooledItem(i, placed[i]) for i in ids]))
    return out


def create_campaign(store: LabelStore, rec: Recommender, name: str, requests: str | Path, *,
                    overlap: int = DEFAULT_OVERLAP, depth: int = DEFAULT_DEPTH,
                    pool: str | list[str] | None = None, guidelines: str = "", created_by: str = "") -> Campaign:
    """Load the requests file, pool every request on ``rec``'s catalog and store the campaign
    (`mmcrec campaign create`, the Campaigns tab).  CampaignError for bad input or a taken name."""
    campaigns = Campaigns(store)
    if campaigns.campaign(name.strip()) is not None:  # before pooling, which takes a while
        raise CampaignError(f"campaign {name.strip()!r} already exists")
    if overlap < 1 or depth < 1:
        raise CampaignError("overlap and depth must be at least 1")
    systems = parse_pool(pool)
    queries = load_requests(requests)
    pooled = pool_requests(rec, queries, systems, depth, seed=name.strip())
    return campaigns.create(Campaign(name.strip(), rec.catalog.catalog_id, overlap, depth, systems, guidelines,
                                     created_by=created_by), pooled)

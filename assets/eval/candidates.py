#!/usr/bin/env python3
"""An annotator's helper: list the catalog rows a request could be about, so grades are judged
against the whole catalog and not only against what one system happens to rank.

    # rows whose text matches a pattern (title, description, category, colour, other columns)
    python assets/eval/candidates.py --catalog assets/openmoji/catalog.csv --grep "coffee|espresso" --max-price 40

    # pooling, as TREC does: for each request, its graded items, then every item that any system
    # ranks in its top --depth but that has no grade yet (to look at, and grade or leave out)
    python assets/eval/candidates.py --catalog assets/openmoji/catalog.csv --queries assets/eval/openmoji/dev.jsonl

The grades themselves are written by hand into the request files; this script only lists.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmcrec.catalog import load_catalog  # noqa: E402


def row_line(cat, i: int) -> str:
    items = cat.items
    price = items["price"].iat[i] if "price" in items else None
    colour = items["color"].iat[i] if "color" in items else ""
    category = items["category"].iat[i] if "category" in items else ""
    return f"{cat.ids[i]:<9} {items['title'].iat[i][:70]:<70} | {category} | {price} | {colour}"


def grep(cat, pattern: str, max_price: float | None) -> None:
    rx = re.compile(pattern, re.I)
    for i in range(len(cat.ids)):
        if not rx.search(cat.item_text(i)):
            continue
        price = cat.items["price"].iat[i] if "price" in cat.items else None
        if max_price is not None and price is not None and price >= max_price:
            continue
        print(row_line(cat, i))


def pool(catalog: str, queries: str, systems: list[str], depth: int) -> None:
    from mmcrec.evaluate import BM25System, ModelSystem, SemanticSystem, load_queries
    from mmcrec.model import load_recommender

    rec = load_recommender(catalog)
    built = {
        "model": lambda: ModelSystem(rec),
        "semantic": lambda: SemanticSystem(rec.catalog, rec._raw_index, rec.encoder),
        "bm25": lambda: BM25System(rec.catalog),
    }
    runners = [built[s]() for s in systems]
    row = {item_id: i for i, item_id in enumerate(rec.catalog.ids)}
    for q in load_queries(queries):
        print(f"\n== {q.query_id} [{q.kind}] {q.turns} {Path(q.image).name if q.image else ''}")
        for item_id, grade in sorted(q.relevant.items(), key=lambda kv: -kv[1]):
            line = row_line(rec.catalog, row[item_id]) if item_id in row else f"{item_id} (not in the catalog)"
            print(f"  {grade}  {line}")
        seen: dict[str, list[str]] = {}
        for sys_ in runners:
            for r, item_id in enumerate(sys_.rank(q, depth), start=1):
                if item_id not in q.relevant:
                    seen.setdefault(item_id, []).append(f"{sys_.name}#{r}")
        for item_id, where in seen.items():
            print(f"  ?  {row_line(rec.catalog, row[item_id])}   <- {', '.join(where)}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalog", required=True)
    ap.add_argument("--grep", help="regular expression over each item's text")
    ap.add_argument("--max-price", type=float, default=None, help="with --grep: only items below this price")
    ap.add_argument("--queries", help="a request file (CONTRACTS §2) to pool candidates for")
    ap.add_argument("--systems", default="model,semantic,bm25")
    ap.add_argument("--depth", type=int, default=10)
    args = ap.parse_args(argv)
    if args.grep:
        grep(load_catalog(args.catalog), args.grep, args.max_price)
    elif args.queries:
        pool(args.catalog, args.queries, args.systems.split(","), args.depth)
    else:
        ap.error("give --grep or --queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Annotation campaigns (docs/contracts.md §8): a queue of pooled requests, each judged by
``overlap`` annotators with grades 2 (exactly what was asked), 1 (acceptable), 0 (not relevant).

    create        ──► campaigns, campaign_requests (the pool, fixed at creation; pooling.py)
    next_request  ──► campaign_assignments: a claim (state "open", expires) … "done" | "skipped"
    judge / skip  ──► campaign_judgements (current grade per slot) + campaign_events (history)

A request holds one slot of its overlap for each annotator who finished it (judged all its items,
or skipped it) or holds an unexpired claim on it.  Claims are handed out in one transaction per
campaign that no other writer of that campaign runs beside (SQLite: ``BEGIN IMMEDIATE``;
PostgreSQL: an advisory lock on the campaign), so annotators who click at the same moment never
exceed the overlap.  A claim nobody finishes expires after ``claim_ttl_s`` and its slot goes to
the next annotator.  The tables live in the label store, beside the labels, on both backends.
"""
from __future__ import annotations

import json
import shutil
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..clock import format_utc, utc_now
from ..paths import atomic_write
from ..plain_text import unstorable
from .agreement import krippendorff_alpha, percent_agreement
from .schema import FeedbackError
from .store import LabelStore, Sql

#: graded judgements: 2 exactly what was asked, 1 acceptable, 0 not relevant
GRADES = (0, 1, 2)
#: the systems whose top results make a request's pool (pooling.py)
SYSTEMS = ("model", "semantic", "bm25")
DEFAULT_OVERLAP = 2
DEFAULT_DEPTH = 10
#: seconds an unfinished claim keeps its slot
DEFAULT_CLAIM_TTL_S = 30 * 60
MAX_NAME = 80
MAX_OVERLAP = 100  # annotators per request: more is a typo, and claims would never end
MAX_DEPTH = 1000


class CampaignError(FeedbackError):
    """Bad campaign input or a request that cannot be served; nothing was written."""


@dataclass
class PooledItem:
    """An item of a request's pool, and the systems whose top ``depth`` placed it."""

    item_id: str
    systems: list[str] = field(default_factory=list)


@dataclass
class CampaignRequest:
    """One request to judge: what the shopper said (and showed), and the pooled items in the
    order annotators see them.  ``image`` is a local file (the stored copy once created)."""

    request_id: str
    turns: list[str]
    image: str | None
    kind: str
    items: list[PooledItem]

    def to_api(self) -> dict[str, Any]:
        """The /campaign_next answer: never which system placed an item."""
        return {"request_id": self.request_id, "turns": list(self.turns), "image": self.image,
                "items": [it.item_id for it in self.items]}


@dataclass
class Campaign:
    name: str
    catalog_id: str
    overlap: int = DEFAULT_OVERLAP
    depth: int = DEFAULT_DEPTH
    pool: list[str] = field(default_factory=lambda: list(SYSTEMS))
    guidelines: str = ""
    created_at: str = ""
    created_by: str = ""


def parse_grade(value: Any) -> int:
    """0, 1 or 2 (also "2" or 2.0); CampaignError otherwise."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        f = float("nan")
    if not f.is_integer() or int(f) not in GRADES:
        raise CampaignError(f"grade must be 0, 1 or 2, got {value!r}")
    return int(f)


def agreed_grade(grades: list[int]) -> int:
    """The grade a request's annotators agree on for an item: the median, the lower one of the
    middle two when they are even in number (so 0 and 2 agree on 0)."""
    return int(statistics.median_low(grades))


_ASSIGNMENT = "state, claimed_at, last_at, expires_at"


class Campaigns:
    """The campaigns of one label store."""

    def __init__(self, store: LabelStore, claim_ttl_s: float = DEFAULT_CLAIM_TTL_S) -> None:
        self.store = store
        self.claim_ttl_s = float(claim_ttl_s)

    # ----------------------------------------------------------------- create and read

    def create(self, campaign: Campaign, requests: list[CampaignRequest]) -> Campaign:
        """Store a new campaign with its pooled requests (images copied into the store).
        CampaignError when the name is taken or the input is unusable."""
        name = campaign.name.strip()
        if not name or len(name) > MAX_NAME or any(ch in name for ch in "\r\n\t"):
            raise CampaignError(f"a campaign name is one line of 1 to {MAX_NAME} characters")
        if not (1 <= campaign.overlap <= MAX_OVERLAP) or not (1 <= campaign.depth <= MAX_DEPTH):
            raise CampaignError(f"overlap must be 1 to {MAX_OVERLAP} and depth 1 to {MAX_DEPTH}")
        # what no backend can keep is refused by all of them alike (plain_text.py)
        for what, text in [("the name", name), ("the guidelines", campaign.guidelines or "")] + [
                (f"request {r.request_id!r}", t) for r in requests for t in [r.request_id, *r.turns]]:
            why = unstorable(text)
            if why:
                raise CampaignError(f"{what} contains {why}")
        if not requests:
            raise CampaignError("a campaign needs at least one request")
        ids = [r.request_id for r in requests]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise CampaignError(f"request_id {dup!r} appears twice")
        empty = [r.request_id for r in requests if not r.items]
        if empty:
            raise CampaignError(f"request {empty[0]!r} has no items to judge")
        if self.campaign(name) is not None:
            raise CampaignError(f"campaign {name!r} already exists")
        images = {}
        for r in requests:
            if r.image and r.image not in images:
                images[r.image] = self.store.add_image(r.image)
        created = Campaign(name, campaign.catalog_id, int(campaign.overlap), int(campaign.depth),
                           list(campaign.pool), campaign.guidelines, utc_now(), campaign.created_by)

        def tx(sql: Sql) -> None:
            if sql("SELECT 1 FROM campaigns WHERE name = ?", (name,)):
                raise CampaignError(f"campaign {name!r} already exists")
            sql("INSERT INTO campaigns (name, catalog_id, overlap, depth, pool, guidelines, created_at,"
                " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (name, created.catalog_id, created.overlap, created.depth, json.dumps(created.pool),
                 created.guidelines, created.created_at, created.created_by))
            for pos, r in enumerate(requests):
                sha, rel = images.get(r.image, ("", "")) if r.image else ("", "")
                sql("INSERT INTO campaign_requests (campaign, request_id, position, kind, turns,"
                    " image_sha256, image_path, items) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, r.request_id, pos, r.kind, json.dumps(list(r.turns), ensure_ascii=False),
                     sha, rel, json.dumps([{"item_id": it.item_id, "systems": it.systems}
                                           for it in r.items])))

        self.store._campaign_sql(tx, lock=name)
        return created

    def names(self) -> list[str]:
        return [r[0] for r in self.store._campaign_sql(
            lambda sql: sql("SELECT name FROM campaigns ORDER BY created_at, name"))]

    def campaign(self, name: str) -> Campaign | None:
        return self.store._campaign_sql(lambda sql: _campaign_row(sql, name))

    def get(self, name: str) -> Campaign:
        """The campaign, or CampaignError naming the ones there are."""
        c = self.campaign(name)
        if c is None:
            have = self.names()
            raise CampaignError(f"no campaign {name!r}" + (f" (there are: {', '.join(have)})" if have else
                                                            " (none created yet)"))
        return c

    def requests(self, name: str) -> list[CampaignRequest]:
        rows = self.store._campaign_sql(lambda sql: sql(
            "SELECT request_id, kind, turns, image_sha256, image_path, items FROM campaign_requests"
            " WHERE campaign = ? ORDER BY position", (name,)))
        return [self._request(r) for r in rows]

    def request(self, name: str, request_id: str) -> CampaignRequest:
        rows = self.store._campaign_sql(lambda sql: sql(
            "SELECT request_id, kind, turns, image_sha256, image_path, items FROM campaign_requests"
            " WHERE campaign = ? AND request_id = ?", (name, request_id)))
        if not rows:
            raise CampaignError(f"campaign {name!r} has no request {request_id!r}")
        return self._request(rows[0])

    def _request(self, row: tuple) -> CampaignRequest:
        rid, kind, turns, sha, _rel, items = row
        image = self.store.image_file(sha) if sha else None
        return CampaignRequest(rid, json.loads(turns), str(image) if image else None, kind,
                               [PooledItem(d["item_id"], list(d.get("systems") or [])) for d in json.loads(items)])

    def grades_of(self, name: str, request_id: str, annotator: str) -> dict[str, int]:
        """This annotator's current grades on a request: ``{item_id: grade}``."""
        rows = self.store._campaign_sql(lambda sql: sql(
            "SELECT item_id, grade FROM campaign_judgements WHERE campaign = ? AND request_id = ?"
            " AND annotator = ?", (name, request_id, annotator)))
        return {i: int(g) for i, g in rows}

    # ----------------------------------------------------------------- the queue

    def next_request(self, name: str, annotator: str) -> CampaignRequest | None:
        """The annotator's next request — the one they hold, else the first one they have not
        finished whose overlap is not yet taken — claimed for them; None when nothing is left."""
        annotator = _annotator(annotator)
        self.get(name)

        def tx(sql: Sql) -> str | None:
            overlap = int(sql("SELECT overlap FROM campaigns WHERE name = ?", (name,))[0][0])
            now = time.time()
            mine = {r: (s, e) for r, s, e in sql(
                "SELECT request_id, state, expires_at FROM campaign_assignments"
                " WHERE campaign = ? AND annotator = ?", (name, annotator))}
            order = [r for (r,) in sql("SELECT request_id FROM campaign_requests WHERE campaign = ?"
                                       " ORDER BY position", (name,))]
            for rid in order:  # resume the claim this annotator holds (a reload, another tab)
                state, expires = mine.get(rid, ("", 0.0))
                if state == "open" and expires > now:
                    self._claim(sql, name, rid, annotator, now)
                    return rid
            taken = _taken(sql, name, now)
            for rid in order:
                state, _ = mine.get(rid, ("", 0.0))
                if state in ("done", "skipped") or taken.get(rid, 0) >= overlap:
                    continue
                self._claim(sql, name, rid, annotator, now)
                return rid
            return None

        rid = self.store._campaign_sql(tx, lock=name)
        return None if rid is None else self.request(name, rid)

    def _claim(self, sql: Sql, name: str, rid: str, annotator: str, now: float) -> None:
        """Hold (or keep holding) ``rid`` for ``annotator`` until now + claim_ttl_s."""
        sql("INSERT INTO campaign_assignments (campaign, request_id, annotator, state, claimed_at,"
            " last_at, expires_at) VALUES (?, ?, ?, 'open', ?, ?, ?)"
            " ON CONFLICT (campaign, request_id, annotator) DO UPDATE SET expires_at = excluded.expires_at,"
            # an expired claim taken again starts its clock again
            " last_at = CASE WHEN campaign_assignments.expires_at <= excluded.claimed_at"
            " THEN excluded.last_at ELSE campaign_assignments.last_at END",
            (name, rid, annotator, now, now, now + self.claim_ttl_s))

    def _hold(self, sql: Sql, name: str, rid: str, annotator: str, now: float) -> tuple | None:
        """The annotator's assignment on ``rid``, claiming it first when they hold none (or an
        expired one) and the overlap has room; CampaignError when it has none."""
        rows = sql(f"SELECT {_ASSIGNMENT} FROM campaign_assignments WHERE campaign = ? AND"
                   " request_id = ? AND annotator = ?", (name, rid, annotator))
        if rows and (rows[0][0] != "open" or rows[0][3] > now):
            return rows[0]
        overlap = int(sql("SELECT overlap FROM campaigns WHERE name = ?", (name,))[0][0])
        if _taken(sql, name, now, rid).get(rid, 0) >= overlap:
            raise CampaignError(f"request {rid!r} already has its {overlap} annotator(s); "
                                "ask for your next request")
        self._claim(sql, name, rid, annotator, now)
        return None  # a fresh claim: no previous action to time this one from

    def judge(self, name: str, request_id: str, item_id: str, grade: Any, annotator: str,
              at: float | None = None) -> dict[str, Any]:
        """Grade one pooled item for this annotator (again: the grade is replaced, the history
        kept).  Returns ``{"request_id", "item_id", "grade", "judged", "items", "done"}``.
        ``at``: when the grade was given (epoch seconds; a grade the outbox delivers later),
        else now."""
        annotator = _annotator(annotator)
        grade = parse_grade(grade)
        req = self.request(name, request_id)
        items = [it.item_id for it in req.items]
        if item_id not in items:
            raise CampaignError(f"item {item_id!r} is not in request {request_id!r}")

        def tx(sql: Sql) -> dict[str, Any]:
            now, stamp = (time.time(), utc_now()) if at is None else (float(at), format_utc(
                datetime.fromtimestamp(float(at), timezone.utc)))
            held = self._hold(sql, name, request_id, annotator, now)
            before = sql("SELECT grade FROM campaign_judgements WHERE campaign = ? AND request_id = ?"
                         " AND annotator = ? AND item_id = ?", (name, request_id, annotator, item_id))
            # time since the annotator's previous action on this request (its claim, a grade)
            elapsed = None if held is None else max(0, int(round((now - held[2]) * 1000)))
            sql("INSERT INTO campaign_judgements (campaign, request_id, annotator, item_id, grade,"
                " created_at, elapsed_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (campaign, request_id, annotator, item_id) DO UPDATE SET"
                " grade = excluded.grade, created_at = excluded.created_at,"
                " elapsed_ms = COALESCE(campaign_judgements.elapsed_ms, excluded.elapsed_ms)",
                (name, request_id, annotator, item_id, grade, stamp, elapsed))
            if not before or int(before[0][0]) != grade:
                sql("INSERT INTO campaign_events (campaign, request_id, annotator, item_id, grade,"
                    " created_at, elapsed_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (name, request_id, annotator, item_id, grade, stamp, elapsed))
            judged = int(sql("SELECT COUNT(*) FROM campaign_judgements WHERE campaign = ? AND"
                             " request_id = ? AND annotator = ?", (name, request_id, annotator))[0][0])
            done = judged >= len(items)
            sql("UPDATE campaign_assignments SET last_at = ?, expires_at = ?, reason = '',"
                " state = ?, finished_at = CASE WHEN state = 'done' THEN finished_at ELSE ? END"
                " WHERE campaign = ? AND request_id = ? AND annotator = ?",
                (now, now + self.claim_ttl_s, "done" if done else "open", stamp if done else "",
                 name, request_id, annotator))
            return {"request_id": request_id, "item_id": item_id, "grade": grade, "judged": judged,
                    "items": len(items), "done": done}

        return self.store._campaign_sql(tx, lock=name)

    def skip(self, name: str, request_id: str, reason: str, annotator: str) -> None:
        """This annotator passes on the request (why, in one line); it counts as finished by them."""
        annotator = _annotator(annotator)
        reason = " ".join(str(reason or "").split())[:200]
        if not reason:
            raise CampaignError("say why you skip this request")
        self.request(name, request_id)

        def tx(sql: Sql) -> None:
            now, stamp = time.time(), utc_now()
            self._hold(sql, name, request_id, annotator, now)
            sql("UPDATE campaign_assignments SET state = 'skipped', reason = ?, finished_at = ?,"
                " last_at = ? WHERE campaign = ? AND request_id = ? AND annotator = ?",
                (reason, stamp, now, name, request_id, annotator))
            sql("INSERT INTO campaign_events (campaign, request_id, annotator, reason, created_at)"
                " VALUES (?, ?, ?, ?, ?)", (name, request_id, annotator, reason, stamp))

        self.store._campaign_sql(tx, lock=name)

    # ----------------------------------------------------------------- what was collected

    def judgements(self, name: str) -> list[dict[str, Any]]:
        """Every current judgement, with the request's turns and the systems that pooled the item."""
        reqs = {r.request_id: r for r in self.requests(name)}
        rows = self.store._campaign_sql(lambda sql: sql(
            "SELECT request_id, annotator, item_id, grade, created_at, elapsed_ms FROM campaign_judgements"
            " WHERE campaign = ? ORDER BY created_at, request_id, annotator, item_id", (name,)))
        out = []
        for rid, ann, item, grade, created, elapsed in rows:
            req = reqs[rid]
            systems = next((it.systems for it in req.items if it.item_id == item), [])
            out.append({"campaign": name, "request_id": rid, "annotator": ann, "item_id": item,
                        "grade": int(grade), "created_at": created,
                        "elapsed_ms": None if elapsed is None else int(elapsed),
                        "systems": list(systems), "turns": list(req.turns),
                        "image": Path(req.image).name if req.image else ""})
        return out

    def assignments(self, name: str) -> list[dict[str, Any]]:
        rows = self.store._campaign_sql(lambda sql: sql(
            "SELECT request_id, annotator, state, expires_at, finished_at, reason FROM campaign_assignments"
            " WHERE campaign = ? ORDER BY request_id, annotator", (name,)))
        now = time.time()
        return [{"request_id": r, "annotator": a, "state": "expired" if s == "open" and e <= now else s,
                 "finished_at": f, "reason": why} for r, a, s, e, f, why in rows]

    def events(self, name: str) -> list[dict[str, Any]]:
        rows = self.store._campaign_sql(lambda sql: sql(
            "SELECT request_id, annotator, item_id, grade, reason, created_at, elapsed_ms FROM campaign_events"
            " WHERE campaign = ? ORDER BY event_id", (name,)))
        keys = ("request_id", "annotator", "item_id", "grade", "reason", "created_at", "elapsed_ms")
        return [dict(zip(keys, r)) for r in rows]

    def status(self, name: str) -> dict[str, Any]:
        """Progress, agreement, disagreements and time per judgement (the dashboard, and
        ``mmcrec campaign status --json``)."""
        c = self.get(name)
        reqs = self.requests(name)
        judgements = self.judgements(name)
        assignments = self.assignments(name)
        grades: dict[str, dict[str, dict[str, int]]] = {}  # request -> item -> annotator -> grade
        for j in judgements:
            grades.setdefault(j["request_id"], {}).setdefault(j["item_id"], {})[j["annotator"]] = j["grade"]
        finished: dict[str, int] = {}
        annotators: dict[str, dict[str, Any]] = {}
        for a in assignments:
            who = annotators.setdefault(a["annotator"], _annotator_row())
            if a["state"] in ("done", "skipped"):
                finished[a["request_id"]] = finished.get(a["request_id"], 0) + 1
                who["requests_done" if a["state"] == "done" else "skipped"] += 1
            elif a["state"] == "open":
                who["in_progress"] += 1
        times: dict[str, list[int]] = {}
        for j in judgements:
            annotators.setdefault(j["annotator"], _annotator_row())["judgements"] += 1
            if j["elapsed_ms"] is not None:
                times.setdefault(j["annotator"], []).append(j["elapsed_ms"])
        for who, ms in times.items():
            annotators[who]["median_ms"] = float(statistics.median(ms))
        per_request, disagreements = [], []
        for r in reqs:
            units = grades.get(r.request_id, {})
            raters = sorted({a for g in units.values() for a in g})
            for item, g in units.items():
                if len(g) >= 2 and max(g.values()) != min(g.values()):
                    disagreements.append({"request_id": r.request_id, "item_id": item,
                                          "turns": r.turns, "grades": dict(sorted(g.items())),
                                          "spread": max(g.values()) - min(g.values())})
            per_request.append({
                "request_id": r.request_id, "items": len(r.items), "annotators": raters,
                "finished": finished.get(r.request_id, 0),
                "complete": finished.get(r.request_id, 0) >= c.overlap,
                "alpha_ordinal": _round(_alpha(units, "ordinal")),
            })
        disagreements.sort(key=lambda d: (-d["spread"], d["request_id"], d["item_id"]))
        all_units = {(rid, item): g for rid, units in grades.items() for item, g in units.items()}
        all_ms = [ms for v in times.values() for ms in v]
        return {
            "campaign": c.name,
            "catalog_id": c.catalog_id,
            "overlap": c.overlap,
            "depth": c.depth,
            "pool": c.pool,
            "requests": len(reqs),
            "judgements": len(judgements),
            "complete": sum(p["complete"] for p in per_request),
            "request_judgings": sum(finished.values()),
            "by_annotator": {a: annotators[a]["judgements"] for a in sorted(annotators)},
            "annotators": dict(sorted(annotators.items())),
            "agreement": _agreement(all_units),
            "median_ms_per_judgement": float(statistics.median(all_ms)) if all_ms else None,
            "per_request": per_request,
            "disagreements": disagreements,
        }

    def progress(self, name: str, annotator: str) -> dict[str, int]:
        """What the annotator's screen shows: their finished requests and the campaign's."""
        st = self.status(name)
        mine = st["annotators"].get(annotator, _annotator_row())
        return {"mine_done": mine["requests_done"] + mine["skipped"], "mine_judgements": mine["judgements"],
                "complete": st["complete"], "requests": st["requests"],
                "request_judgings": st["request_judgings"], "slots": st["requests"] * st["overlap"]}

    # ----------------------------------------------------------------- export

    def export_queries(self, name: str, out: str | Path) -> int:
        """docs/contracts.md §2 labelled queries: one per request with at least one judgement,
        ``relevant`` = the agreed grade (:func:`agreed_grade`) of each judged item, items agreed
        as 0 left out; images copied into ``images/`` beside ``out``.  Returns the line count."""
        out = Path(out)
        grades: dict[str, dict[str, list[int]]] = {}
        for j in self.judgements(name):
            grades.setdefault(j["request_id"], {}).setdefault(j["item_id"], []).append(j["grade"])
        lines = []
        for r in self.requests(name):
            if r.request_id not in grades:
                continue
            relevant = {item: agreed_grade(g) for item, g in grades[r.request_id].items()}
            d: dict[str, Any] = {"query_id": r.request_id, "kind": r.kind, "turns": r.turns,
                                 "relevant": {i: g for i, g in relevant.items() if g > 0}}
            if r.image:
                dest = out.parent / "images" / Path(r.image).name
                if not dest.is_file():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(r.image, dest)
                d["image"] = f"images/{dest.name}"
            lines.append(json.dumps(d, ensure_ascii=False) + "\n")
        atomic_write(out, "".join(lines).encode("utf-8"))
        return len(lines)

    def export_judgements(self, name: str, out: str | Path, fmt: str | None = None) -> int:
        """Every current judgement (annotator, time, elapsed, the systems that pooled the item) as
        JSONL or Parquet (by ``fmt``, else the extension).  Returns the row count."""
        out = Path(out)
        fmt = (fmt or out.suffix.lstrip(".")).lower()
        fmt = {"json": "jsonl", "ndjson": "jsonl", "pq": "parquet"}.get(fmt, fmt)
        if fmt not in ("jsonl", "parquet"):
            raise CampaignError(f"judgements export as jsonl or parquet, not {fmt or out.name!r}")
        rows = self.judgements(name)
        if fmt == "jsonl":
            atomic_write(out, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8"))
            return len(rows)
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.parquet as pq  # noqa: PLC0415

        schema = pa.schema([("campaign", pa.string()), ("request_id", pa.string()), ("annotator", pa.string()),
                            ("item_id", pa.string()), ("grade", pa.int64()), ("created_at", pa.string()),
                            ("elapsed_ms", pa.int64()), ("systems", pa.list_(pa.string())),
                            ("turns", pa.list_(pa.string())), ("image", pa.string())])
        buf = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), buf)
        atomic_write(out, buf.getvalue().to_pybytes())
        return len(rows)


# --------------------------------------------------------------------------- helpers


def _annotator(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise CampaignError("enter your name (or sign in) to judge")
    return name


def _campaign_row(sql: Sql, name: str) -> Campaign | None:
    rows = sql("SELECT name, catalog_id, overlap, depth, pool, guidelines, created_at, created_by"
               " FROM campaigns WHERE name = ?", (name,))
    if not rows:
        return None
    n, cat, overlap, depth, pool, guide, created, by = rows[0]
    return Campaign(n, cat, int(overlap), int(depth), json.loads(pool), guide, created, by)


def _taken(sql: Sql, name: str, now: float, rid: str | None = None) -> dict[str, int]:
    """Slots held per request: finished assignments and unexpired claims."""
    only = " AND request_id = ?" if rid is not None else ""
    rows = sql("SELECT request_id, COUNT(*) FROM campaign_assignments WHERE campaign = ?"
               f" AND (state <> 'open' OR expires_at > ?){only} GROUP BY request_id",
               (name, now) + ((rid,) if rid is not None else ()))
    return {r: int(n) for r, n in rows}


def _annotator_row() -> dict[str, Any]:
    return {"judgements": 0, "requests_done": 0, "skipped": 0, "in_progress": 0, "median_ms": None}


def _alpha(units: dict[Any, dict[str, int]], level: str) -> float | None:
    raters = sorted({a for g in units.values() for a in g})
    keys = list(units)
    matrix = [[units[k].get(a) for k in keys] for a in raters]
    return krippendorff_alpha(matrix, level) if raters and keys else None


def _agreement(units: dict[Any, dict[str, int]]) -> dict[str, Any]:
    """Agreement over items judged by two or more annotators (grades as ordinal and interval data)."""
    shared = {k: g for k, g in units.items() if len(g) >= 2}
    counts = [[sum(v == grade for v in g.values()) for grade in GRADES] for g in shared.values()]
    return {
        "items_overlapping": len(shared),
        "annotators": len({a for g in shared.values() for a in g}),
        "krippendorff_alpha_ordinal": _round(_alpha(shared, "ordinal")),
        "krippendorff_alpha_interval": _round(_alpha(shared, "interval")),
        "percent_agreement": _round(percent_agreement(counts)) if counts else None,
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 6)

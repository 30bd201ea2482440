"""A live comparison of the served version with a candidate, with real shoppers (admins, from the
Model tab): start, stop, read the result; and the interleaved gallery a chat turn shows while one
runs (team draft, mmcrec/interleave.py).

Where things live: the running comparison (which two versions, since when) is in the model
registry's registry.json, so every app process on the same models folder, and a restarted one,
interleaves the same two versions; the evidence is the labels themselves (each thumb on an
interleaved item carries `placed_by`), so a result counts the thumbs of every replica on a
shared label store. A process whose served version is not the comparison's (promoted elsewhere)
shows its own ranking, un-interleaved.
"""
from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any

from ..clock import utc_now
from ..interleave import ComparisonResult, compare_labels, team_draft
from .context import AppContext
from .identity import Identity
from .model_check import ModelTabError, check_compatible
from .text import md_escape

COMPARE_COLUMNS = ["version", "role", "wins", "losses", "ties"]


@dataclass
class CompareView:
    """What the Model tab's comparison part shows."""

    status: str  # Markdown
    table: list[list]  # COMPARE_COLUMNS: the candidate's row, then the served version's
    data: dict  # the comparison as JSON: versions, times, "running", and "result" (ComparisonResult.to_dict())


# ----------------------------------------------------------------------------- the chat turn's side


def running(ctx: AppContext) -> dict | None:
    """The running comparison this process takes part in: the registry's, when the version it
    compares is the one served here."""
    if not ctx.ready:
        return None
    c = ctx.registry.comparison()
    return c if c is not None and c.get("served") == ctx.model_version else None


def candidate_model(ctx: AppContext, version: str):
    """The candidate prepared for scoring (recommender.ServedModel), loaded once per version."""
    with ctx.lock:
        got = ctx.candidates.get(version)
        if got is None:
            ctx.candidates.clear()  # one comparison at a time: drop an earlier candidate
            got = ctx.candidates[version] = ctx.rec().prepare(ctx.registry.load(version))
        return got


def interleave(a, b, k: int, rng: random.Random) -> tuple[Any, dict[str, str]]:
    """One gallery from the served version's Recommendation ``a`` and the candidate's ``b``:
    their team-draft interleaving, each item as the version that placed it scored it, and
    ``{item_id: version that placed it}``. The explanation's turn and modality weights stay the
    served version's; which version placed what is not shown (shoppers judge blind)."""
    of = {r.model_version: {it["item_id"]: (it, w) for it, w in zip(r.items, r.item_attention)} for r in (a, b)}
    merged, teams = team_draft([it["item_id"] for it in a.items], [it["item_id"] for it in b.items], k, rng,
                               (a.model_version, b.model_version))
    items, attention = [], []
    for item_id, team in zip(merged, teams):
        it, w = of[team][item_id]
        items.append(it)
        attention.append(w)
    total = sum(attention)
    attention = [w / total for w in attention] if total > 0 else attention
    return dataclasses.replace(a, items=items, item_attention=attention), dict(zip(merged, teams))


def impression_rng(session_id: str, turn: int) -> random.Random:
    """The coin flips of one gallery: fixed per conversation state, so re-ranking with another α
    keeps who picks first."""
    return random.Random(f"{session_id}:{turn}")


# ----------------------------------------------------------------------------- the Model tab's side


def _result(ctx: AppContext, c: dict, until: str = "") -> ComparisonResult:
    cid = ctx.rec().catalog.catalog_id
    labels = [lab for lab in ctx.store.labels() if not lab.catalog_id or lab.catalog_id == cid]
    return compare_labels(labels, c["served"], c["candidate"], since=c.get("started_at", ""),
                          until=until or c.get("stopped_at", ""))


def _view(ctx: AppContext, say: str = "") -> CompareView:
    reg = ctx.registry
    c = reg.comparison()
    if c is None:
        done = reg.comparisons()
        if not done:
            line = "No comparison yet: pick a candidate version and start one."
            return CompareView(f"{say}\n\n{line}".strip(), [], {})
        c = done[-1]
    result = _result(ctx, c)
    live = "stopped_at" not in c
    when = (f"running since {c['started_at'][:19].replace('T', ' ')} UTC" if live else
            f"ran {c['started_at'][:19].replace('T', ' ')} – {c['stopped_at'][:19].replace('T', ' ')} UTC")
    status = (f"**{md_escape(c['candidate'])}** (candidate) vs **{md_escape(c['served'])}** (served), {when}. "
              f"{md_escape(result.summary())}")
    if live and ctx.model_version != c["served"]:
        status += f" This process serves {md_escape(ctx.model_version)}, so its galleries are not interleaved."
    table = [[v, role, result.wins[v], result.losses[v], result.ties]
             for v, role in ((c["candidate"], "candidate"), (c["served"], "served"))]
    data = {**{k: c.get(k) for k in ("served", "candidate", "started_at", "started_by", "stopped_at")},
            "running": live, "result": result.to_dict()}
    return CompareView(f"{say}\n\n{status}".strip(), table, data)


def comparison_status(ctx: AppContext, who: Identity) -> CompareView:
    """Admins: the running comparison (else the last one) with its wins, losses, ties and interval."""
    ctx.access.require_admin(who, "see the comparison")
    return _view(ctx)


def start_comparison(ctx: AppContext, who: Identity, candidate: str | None) -> CompareView:
    """Admins: from now on every gallery interleaves the served version and `candidate`."""
    from ..registry import RegistryError

    ctx.access.require_admin(who, "start a comparison")
    reg = ctx.registry
    candidate = (candidate or "").strip()
    saved = [v for v, _ in reg.versions()]
    served = ctx.model_version
    if not candidate:
        raise ModelTabError("Pick the candidate version to compare with the served one.")
    if candidate not in saved and candidate != "v0":
        raise ModelTabError(f"Unknown version {candidate!r}; saved: {', '.join(saved) or 'none'} (and v0, the defaults).")
    if candidate == served:
        raise ModelTabError(f"{candidate} is the served version: compare it with another one.")
    try:
        model = reg.load(candidate)
    except Exception as e:  # noqa: BLE001 — a broken version directory is reported, nothing changes
        raise ModelTabError(f"{candidate} cannot be loaded: {e}") from None
    check_compatible(ctx, model)
    candidate_model(ctx, candidate)  # loads before shoppers see it; a failure changes nothing
    try:
        reg.start_comparison(served, candidate, who.name)
    except RegistryError as e:
        raise ModelTabError(f"Cannot start: {e}.") from None
    return _view(ctx, f"Started comparing **{md_escape(candidate)}** with the served **{md_escape(served)}**: "
                      "every gallery now interleaves the two, and thumbs-up count for the version that placed "
                      "the item.")


def stop_running(ctx: AppContext) -> dict | None:
    """End the running comparison, if any, keeping its result; returns that result (as a dict)."""
    from ..registry import RegistryError

    c = ctx.registry.comparison()
    if c is None:
        return None
    now = utc_now()
    result = _result(ctx, c, until=now).to_dict()
    try:
        ctx.registry.stop_comparison(result, at=now, only=c)  # not a newer one: `result` is c's
    except RegistryError:  # stopped meanwhile by another process (and maybe another one started)
        return None
    with ctx.lock:
        ctx.candidates.clear()
    return result


def stop_comparison(ctx: AppContext, who: Identity) -> CompareView:
    """Admins: galleries show the served version's ranking again; the result is kept."""
    ctx.access.require_admin(who, "stop a comparison")
    if stop_running(ctx) is None:
        raise ModelTabError("No comparison is running.")
    return _view(ctx, "Stopped the comparison; galleries show the served version's ranking again.")


def citable(ctx: AppContext, version: str) -> dict | None:
    """The result a promotion of `version` can cite: the running comparison's, or else the last
    one's, when it compared `version` with the version served now."""
    reg = ctx.registry
    c = reg.comparison() or (reg.comparisons() or [None])[-1]
    if c is None or c.get("candidate") != version or c.get("served") != ctx.model_version:
        return None
    return _result(ctx, c).to_dict()

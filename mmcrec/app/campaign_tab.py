"""The Campaigns tab: the annotator's queue (a request, its pooled items, grades 0/1/2, skip,
progress) and the admins' dashboard (progress, agreement, disagreements, time per judgement, a new
campaign from an uploaded JSONL).  Plain functions of mmcrec; layout.py wires them to the page.

Which system pooled an item is never part of what an annotator sees.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..labels.campaigns import MAX_DEPTH, MAX_OVERLAP, SYSTEMS, CampaignError, CampaignRequest, Campaigns
from ..labels.store import StoreUnavailable
from .context import AppContext
from .identity import Identity
from .text import md_escape, one_line

#: most items one request shows (three systems at the default depth of 10)
MAX_ITEMS = 30
GRADE_CHOICES = [("2 · exactly", "2"), ("1 · acceptable", "1"), ("0 · not relevant", "0")]
ANNOTATOR_COLUMNS = ["annotator", "judgements", "requests done", "skipped", "in progress", "median s / judgement"]
REQUEST_COLUMNS = ["request", "items", "finished", "complete", "annotators", "α (ordinal)"]
DISAGREEMENT_COLUMNS = ["request", "item", "title", "grades", "spread"]


@dataclass
class Queue:
    """This browser tab's place in a campaign: the request shown and its items, in order."""

    campaign: str = ""
    request_id: str = ""
    items: list[str] = field(default_factory=list)


@dataclass
class AnnotatorView:
    queue: Queue
    request: str  # Markdown: the turns
    image: str | None
    items: list[dict[str, Any]]  # item_id, title, thumbnail, grade ("" when not judged yet)
    progress: str  # Markdown
    status: str  # Markdown


def campaigns_of(ctx: AppContext) -> Campaigns:
    return Campaigns(ctx.store)


def campaign_names(ctx: AppContext) -> list[str]:
    return campaigns_of(ctx).names()


def safe_markdown(text: str) -> str:
    """Guidelines as Markdown without raw HTML: tags show as typed, formatting still works."""
    return html.escape(str(text or ""), quote=False)


def guidelines(ctx: AppContext, campaign: str) -> str:
    c = campaigns_of(ctx).campaign(campaign) if campaign else None
    if c is None:
        return ""
    return safe_markdown(c.guidelines) if c.guidelines.strip() else "*No guidelines for this campaign.*"


def progress_markdown(ctx: AppContext, campaign: str, annotator: str) -> str:
    try:
        if not ctx.outbox.online:
            raise StoreUnavailable(0)
        p = campaigns_of(ctx).progress(campaign, annotator)
    except StoreUnavailable:
        return "*Progress shows again when the label store answers; your grades are kept meanwhile.*"
    return (f"**You:** requests done {p['mine_done']} ({p['mine_judgements']} judgements) · "
            f"**Campaign:** {p['complete']}/{p['requests']} requests complete "
            f"({p['request_judgings']}/{p['slots']} request judgings)")


def request_markdown(req: CampaignRequest) -> str:
    if not req.turns:
        return "**The shopper showed this photo, without words.**"
    lines = [f"{i + 1}. {md_escape(t)}" for i, t in enumerate(req.turns)]
    return "**What the shopper asked** (the last turn wins where they disagree):\n\n" + "\n".join(lines)


def show_request(ctx: AppContext, campaign: str, req: CampaignRequest | None, annotator: str,
                 status: str = "") -> AnnotatorView:
    """The view of ``req`` for this annotator: its items with titles, pictures and their grades."""
    if req is None:
        return AnnotatorView(Queue(campaign), "", None, [], progress_markdown(ctx, campaign, annotator),
                             status or "🎉 Nothing left for you in this campaign. Thank you!")
    cat = ctx.rec().catalog
    mine = campaigns_of(ctx).grades_of(campaign, req.request_id, annotator)
    items = []
    for it in req.items[:MAX_ITEMS]:
        try:
            row = cat.item(cat.position(it.item_id))
            title, thumb = str(row["title"]), ctx.thumbnail(row)
        except (KeyError, IndexError):
            title, thumb = f"{it.item_id} (not in this catalog)", None
        items.append({"item_id": it.item_id, "title": title, "thumbnail": thumb,
                      "grade": str(mine[it.item_id]) if it.item_id in mine else ""})
    left = sum(1 for it in items if it["grade"] == "")
    if not status:
        status = (f"Request **{md_escape(req.request_id)}**: {left} of {len(items)} items to grade. "
                  "Keys: **2 / 1 / 0** grade the highlighted item, **arrows** move, **Enter** next request.")
    if len(req.items) > MAX_ITEMS:
        status += f" ⚠️ Only the first {MAX_ITEMS} of {len(req.items)} items are shown."
    return AnnotatorView(Queue(campaign, req.request_id, [it["item_id"] for it in items]), request_markdown(req),
                         req.image, items, progress_markdown(ctx, campaign, annotator), status)


def next_view(ctx: AppContext, campaign: str, annotator: str, queue: Queue | None = None) -> AnnotatorView:
    """The annotator's current or next request (Enter, "Next request", opening the tab)."""
    if not campaign:
        raise CampaignError("choose a campaign first")
    held = queue if isinstance(queue, Queue) and queue.campaign == campaign and queue.request_id else None
    req = campaigns_of(ctx).next_request(campaign, annotator)
    status = ""
    if held is not None and req is not None and req.request_id == held.request_id:
        left = len(held.items) - len(campaigns_of(ctx).grades_of(campaign, held.request_id, annotator))
        if left > 0:
            status = f"Grade the {left} item(s) left first, or skip this request with a reason."
    return show_request(ctx, campaign, req, annotator, status)


def judge(ctx: AppContext, campaign: str, request_id: str, item_id: str, grade: Any, annotator: str) -> dict:
    """One grade (/campaign_judge, a click, a key)."""
    if not campaign or not request_id:
        raise CampaignError("no request is shown: ask for the next one")
    return ctx.outbox.judge(campaign, request_id, str(item_id), grade, annotator)  # kept when the store is down


def judged_status(result: dict) -> str:
    if result.get("queued"):
        return (f"⏳ Kept: {md_escape(result['item_id'])} = {result['grade']}. The label store is not answering; "
                "your grade is kept on this server and will be saved when the store is back.")
    left = result["items"] - result["judged"]
    if result["done"]:
        return "✅ All items graded. Press **Enter** (or *Next request*) for the next one."
    return f"Saved: {md_escape(result['item_id'])} = {result['grade']}. {left} item(s) left."


def skip(ctx: AppContext, campaign: str, request_id: str, reason: str, annotator: str) -> None:
    if not campaign or not request_id:
        raise CampaignError("no request is shown: nothing to skip")
    campaigns_of(ctx).skip(campaign, request_id, reason, annotator)


# --------------------------------------------------------------------------- admins


def dashboard(ctx: AppContext, who: Identity, campaign: str) -> tuple[str, list[list], list[list], list[list]]:
    """(summary, per annotator, per request, disagreements) of a campaign: other people's names and
    grades, so admins only (NotAllowed otherwise)."""
    ctx.access.require_admin(who, "see a campaign's dashboard")
    if not campaign:
        return "No campaign chosen.", [], [], []
    st = campaigns_of(ctx).status(campaign)
    a = st["agreement"]
    fmt = lambda x: "–" if x is None else f"{x:.2f}"  # noqa: E731
    ms = st["median_ms_per_judgement"]
    summary = (f"**{md_escape(st['campaign'])}** · {st['complete']}/{st['requests']} requests complete "
               f"(overlap {st['overlap']}, pool {' + '.join(st['pool'])} at depth {st['depth']}) · "
               f"{st['judgements']} judgements · Krippendorff's α ordinal **{fmt(a['krippendorff_alpha_ordinal'])}**, "
               f"interval {fmt(a['krippendorff_alpha_interval'])} over {a['items_overlapping']} shared items · "
               f"median {'–' if ms is None else f'{ms / 1000:.1f} s'} per judgement · "
               f"{len(st['disagreements'])} disagreements to adjudicate")
    annotators = [[one_line(n, 40), r["judgements"], r["requests_done"], r["skipped"], r["in_progress"],
                   None if r["median_ms"] is None else round(r["median_ms"] / 1000, 1)]
                  for n, r in st["annotators"].items()]
    requests = [[r["request_id"], r["items"], r["finished"], "yes" if r["complete"] else "",
                 ", ".join(one_line(x, 20) for x in r["annotators"]),
                 None if r["alpha_ordinal"] is None else round(r["alpha_ordinal"], 2)] for r in st["per_request"]]
    titles = ctx.item_titles([d["item_id"] for d in st["disagreements"]])
    disagreements = [[d["request_id"], d["item_id"], titles.get(d["item_id"], ""),
                      ", ".join(f"{one_line(k, 20)}: {v}" for k, v in d["grades"].items()), d["spread"]]
                     for d in st["disagreements"]]
    return summary, annotators, requests, disagreements


def create_campaign(ctx: AppContext, who: Identity, name: str, requests_file: str | None, overlap: float,
                    depth: float, pool: list[str], guidelines_text: str) -> str:
    """A campaign from an uploaded requests JSONL (admins); the confirmation line."""
    from ..pooling import create_campaign as pool_and_create

    ctx.access.require_admin(who, "create campaigns")
    name = one_line(name or "")
    if not name:
        raise CampaignError("give the campaign a name")
    if not requests_file:
        raise CampaignError("upload a JSONL of requests (one {\"query_id\", \"turns\", \"image\"} a line)")
    pool = [p for p in SYSTEMS if p in (pool or [])]
    if not pool:
        raise CampaignError("choose at least one system to pool")
    with ctx.lock:  # the model system runs the served recommender
        c = pool_and_create(ctx.store, ctx.rec(), name, Path(requests_file), overlap=int(overlap), depth=int(depth),
                            pool=pool, guidelines=guidelines_text or "", created_by=who.name)
    n = len(campaigns_of(ctx).requests(c.name))
    return f"Created campaign **{md_escape(c.name)}**: {n} requests, overlap {c.overlap}, depth {c.depth}."

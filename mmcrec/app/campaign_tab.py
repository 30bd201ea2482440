"""The Campaigns tab: the annotator's queue (a request, its pooled items, grades 0/1/2, skip,
progress) and the admins' dashboard (progress, agreement, disagreements, time per judgement, a new
campaign from an uploaded JSONL). Plain functions first; `build` lays out the tab and wires them
to it. API: /campaign_next, /campaign_judge.

Which system pooled an item is never part of what an annotator sees.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from ..labels.campaigns import MAX_DEPTH, MAX_OVERLAP, SYSTEMS, CampaignError, CampaignRequest, Campaigns
from ..labels.store import StoreUnavailable
from .assets import script
from .boundary import MAX_NAME, guarded, number_arg, text_arg
from .context import AppContext
from .header import Page
from .identity import Identity, NotAllowed
from .text import md_escape, one_line
from .ui_text import t

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


# ----------------------------------------------------------------------------- the tab


@dataclass
class Judging:
    """The annotator's side: the campaign, its guidelines, the request and its items to grade."""

    campaign: gr.Dropdown
    next_button: gr.Button
    guidelines: gr.Markdown
    progress: gr.Markdown
    request: gr.Markdown
    photo: gr.Image  # the shopper's photo, when the request has one
    status: gr.Markdown
    slots: list[gr.Column]  # MAX_ITEMS of each: a slot holds an item's image, title and grade
    images: list[gr.Image]
    titles: list[gr.Markdown]
    grades: list[gr.Radio]
    reason: gr.Textbox  # why a request is skipped
    skip_button: gr.Button


@dataclass
class Dashboard:
    """The admins' side: progress and agreement, and a new campaign."""

    box: gr.Accordion
    refresh_button: gr.Button
    summary: gr.Markdown
    per_annotator: gr.Dataframe
    per_request: gr.Dataframe
    disagreements: gr.Dataframe
    new_campaign: list  # name, requests file, overlap, depth, pool, guidelines: create_campaign's arguments
    create_button: gr.Button
    created: gr.Markdown


@dataclass
class ApiInputs:
    """The hidden inputs and answer of /campaign_next and /campaign_judge (scripts judge as a browser would)."""

    campaign: gr.Textbox
    request_id: gr.Textbox
    item_id: gr.Textbox
    grade: gr.Number
    name: gr.Textbox
    next_button: gr.Button
    judge_button: gr.Button
    answer: gr.JSON


@dataclass
class CampaignTab:
    """The tab's components: what its events read and write."""

    tab: gr.Tab
    judging: Judging
    dashboard: Dashboard
    api: ApiInputs
    queue: gr.State  # this browser tab's Queue


def build(ctx: AppContext, page: Page, demo: gr.Blocks) -> CampaignTab:
    """Lay out the tab and wire it: judging, the dashboard (admins), the API, and the keys."""
    c = lay_out(ctx)
    wire_judging(ctx, page, c)
    wire_dashboard(ctx, page, demo, c)
    wire_api(ctx, c.api)
    demo.load(None, js=script("campaign_keys.js"))  # 2/1/0, arrows, Enter (static/campaign_keys.js)
    return c


def lay_out(ctx: AppContext) -> CampaignTab:
    with gr.Tab(t("tab_campaigns"), id="campaigns") as tab:
        judging = lay_out_judging()
        admin = lay_out_dashboard(ctx)
        api = lay_out_api()
    return CampaignTab(tab, judging, admin, api, gr.State(Queue()))


def lay_out_judging() -> Judging:
    with gr.Row(equal_height=False):
        camp = gr.Dropdown(choices=[], value=None, label=t("campaign"), scale=2, elem_id="mm-camp-name",
                           allow_custom_value=True)
        next_btn = gr.Button(t("next_request"), variant="primary", scale=1, elem_id="mm-camp-next")
    with gr.Accordion(t("guidelines"), open=False):
        guide = gr.Markdown("", elem_id="mm-camp-guidelines", sanitize_html=True)
    progress_md = gr.Markdown("", elem_id="mm-camp-progress")
    with gr.Row(equal_height=False):
        request_md = gr.Markdown("", elem_id="mm-camp-request")
        photo = gr.Image(label=t("shopper_photo"), visible=False, interactive=False, height=180,
                         buttons=[], scale=0, min_width=200)
    status_md = gr.Markdown("", elem_id="mm-camp-status")
    slots, images, titles, radios = [], [], [], []
    with gr.Row(elem_id="mm-camp-grid"):
        for i in range(MAX_ITEMS):
            with gr.Column(visible=False, elem_classes=["mm-slot"], min_width=160) as col:
                images.append(gr.Image(show_label=False, interactive=False, height=140, buttons=[],
                                       container=False))
                titles.append(gr.Markdown(""))
                radios.append(gr.Radio(GRADE_CHOICES, value=None, show_label=False, container=False,
                                       elem_id=f"mm-camp-grade-{i}"))
            slots.append(col)
    with gr.Row():
        reason = gr.Textbox(placeholder=t("skip_placeholder"), show_label=False, scale=3,
                            max_lines=1, elem_id="mm-camp-reason")
        skip_btn = gr.Button(t("skip_request"), scale=1, elem_id="mm-camp-skip")
    return Judging(camp, next_btn, guide, progress_md, request_md, photo, status_md, slots, images, titles, radios,
                   reason, skip_btn)


def lay_out_dashboard(ctx: AppContext) -> Dashboard:
    with gr.Accordion(t("dashboard"), open=True, visible=ctx.access.is_admin(Identity())) as admin_box:
        dash_btn = gr.Button(t("refresh_dashboard"), size="sm", elem_id="mm-camp-refresh")
        dash_md = gr.Markdown("", elem_id="mm-camp-summary")
        dash_ann = gr.Dataframe(headers=ANNOTATOR_COLUMNS, interactive=False, label=t("per_annotator"))
        dash_req = gr.Dataframe(headers=REQUEST_COLUMNS, interactive=False, label=t("per_request"),
                                max_height=300)
        dash_dis = gr.Dataframe(headers=DISAGREEMENT_COLUMNS, interactive=False, wrap=True,
                                label=t("disagreements"), max_height=300)
        gr.Markdown(t("new_campaign_help"))
        with gr.Row():
            new_name = gr.Textbox(label=t("campaign_name"), max_lines=1, scale=2)
            new_file = gr.File(label=t("requests_file"), file_types=[".jsonl", ".json"], type="filepath",
                               height=90, scale=2)
        with gr.Row():
            new_overlap = gr.Number(value=2, minimum=1, precision=0, label=t("overlap"))
            new_depth = gr.Number(value=10, minimum=1, maximum=10, precision=0, label=t("depth"))
            new_pool = gr.CheckboxGroup(list(SYSTEMS), value=list(SYSTEMS), label=t("pool"))
        new_guide = gr.Textbox(label=t("guidelines_markdown"), lines=4)
        create_btn = gr.Button(t("create_campaign"), variant="primary")
        create_md = gr.Markdown("")
    return Dashboard(admin_box, dash_btn, dash_md, dash_ann, dash_req, dash_dis,
                     [new_name, new_file, new_overlap, new_depth, new_pool, new_guide], create_btn, create_md)


def lay_out_api() -> ApiInputs:
    with gr.Row(visible=False):
        api_campaign = gr.Textbox(label="campaign")
        api_request = gr.Textbox(label="request_id")
        api_item = gr.Textbox(label="item_id")
        api_grade = gr.Number(label="grade")
        api_name = gr.Textbox(label="name")
        api_next_btn = gr.Button("next")
        api_judge_btn = gr.Button("judge")
        api_out = gr.JSON(label="answer")
    return ApiInputs(api_campaign, api_request, api_item, api_grade, api_name, api_next_btn, api_judge_btn, api_out)


def campaign_annotator(ctx: AppContext, name: str, request: gr.Request, profile: gr.OAuthProfile | None) -> str:
    """Who judges, for this request (identity.Access.campaign_annotator: a sign-in where one is needed)."""
    name = text_arg(name, "your name", MAX_NAME)
    return ctx.access.campaign_annotator(ctx.access.identify(name, request, profile))


def view_outputs(c: CampaignTab) -> list:
    """What an AnnotatorView updates: the order of `shown`."""
    j = c.judging
    grid = [x for i in range(MAX_ITEMS) for x in (j.slots[i], j.images[i], j.titles[i], j.grades[i])]
    return [c.queue, j.request, j.photo, j.progress, j.status] + grid


def shown(v: AnnotatorView) -> tuple:
    outs = [v.queue, v.request, gr.Image(value=v.image, visible=bool(v.image)), v.progress, v.status]
    for i in range(MAX_ITEMS):
        it = v.items[i] if i < len(v.items) else None
        outs += [gr.Column(visible=it is not None),
                 it["thumbnail"] if it else None,
                 f"**{md_escape(it['title'])}**  \n<small>{md_escape(it['item_id'])}</small>" if it else "",
                 gr.Radio(value=it["grade"] or None) if it else gr.Radio(value=None)]
    return tuple(outs)


def wire_judging(ctx: AppContext, page: Page, c: CampaignTab) -> None:
    """The next request, a grade per item (saved at once), a skip with its reason, the guidelines of
    the campaign picked; the campaigns are listed again when the tab opens."""
    j, queue, view_outs = c.judging, c.queue, view_outputs(c)

    @guarded
    def on_next(campaign: str, q, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        campaign = text_arg(campaign, "campaign", MAX_NAME)
        try:
            return shown(next_view(ctx, campaign, campaign_annotator(ctx, name, request, profile), q))
        except CampaignError as e:
            raise gr.Error(str(e)) from None

    def on_grade(i: int):
        @guarded
        def fn(grade: str | None, campaign: str, q, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
            if grade is None or not isinstance(q, Queue) or i >= len(q.items):
                return gr.skip(), gr.skip()
            annotator = campaign_annotator(ctx, name, request, profile)
            try:
                res = judge(ctx, q.campaign or campaign, q.request_id, q.items[i], grade, annotator)
            except CampaignError as e:
                raise gr.Error(str(e)) from None
            return judged_status(res), progress_markdown(ctx, q.campaign or campaign, annotator)
        return fn

    @guarded
    def on_skip(campaign: str, q, why: str, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        annotator = campaign_annotator(ctx, name, request, profile)
        campaign, why = text_arg(campaign, "campaign", MAX_NAME), text_arg(why, "reason", 500)
        try:
            skip(ctx, campaign, q.request_id if isinstance(q, Queue) else "", why, annotator)
            return ("",) + shown(next_view(ctx, campaign, annotator))
        except CampaignError as e:
            raise gr.Error(str(e)) from None

    @guarded
    def on_campaign(campaign: str):
        return guidelines(ctx, text_arg(campaign, "campaign", MAX_NAME))

    @guarded
    def choices():
        names = campaign_names(ctx)
        return gr.Dropdown(choices=names, value=names[-1] if names else None)

    j.next_button.click(on_next, [j.campaign, queue, page.annotator], view_outs, api_visibility="private")
    for i, radio in enumerate(j.grades):
        radio.input(on_grade(i), [radio, j.campaign, queue, page.annotator], [j.status, j.progress],
                    api_visibility="private", show_progress="hidden")
    j.skip_button.click(on_skip, [j.campaign, queue, j.reason, page.annotator], [j.reason] + view_outs,
                        api_visibility="private")
    j.campaign.change(on_campaign, [j.campaign], [j.guidelines], api_visibility="private")
    c.tab.select(choices, None, [j.campaign], api_visibility="private")


def wire_dashboard(ctx: AppContext, page: Page, demo: gr.Blocks, c: CampaignTab) -> None:
    """The dashboard and a new campaign, for admins; shown to them only."""
    d, picked = c.dashboard, c.judging.campaign

    @guarded
    def on_dashboard(campaign: str, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        # names, grades and disagreements of other people: admins only, checked here, not by the page
        try:
            return dashboard(ctx, ctx.access.identify(name, request, profile), text_arg(campaign, "campaign", MAX_NAME))
        except CampaignError as e:
            raise gr.Error(str(e)) from None

    @guarded
    def on_create(name_new, file, overlap, depth, pool, text, name: str, request: gr.Request,
                  profile: gr.OAuthProfile | None):
        name_new, text = text_arg(name_new, "campaign name", MAX_NAME), text_arg(text, "guidelines", 20_000)
        overlap = number_arg(overlap, "overlap", 1, MAX_OVERLAP, integer=True)
        depth = number_arg(depth, "depth", 1, MAX_DEPTH, integer=True)
        pool = [p for p in pool if isinstance(p, str)] if isinstance(pool, list) else []
        try:
            line = create_campaign(ctx, ctx.access.identify(name, request, profile), name_new, file, overlap,
                                   depth, pool, text)
        except (CampaignError, NotAllowed) as e:
            raise gr.Error(str(e)) from None
        names = campaign_names(ctx)
        return line, gr.Dropdown(choices=names, value=one_line(name_new))

    @guarded
    def on_visible(request: gr.Request, profile: gr.OAuthProfile | None):
        return gr.Accordion(visible=ctx.access.is_admin(ctx.access.identify("", request, profile)))

    d.refresh_button.click(on_dashboard, [picked, page.annotator],
                           [d.summary, d.per_annotator, d.per_request, d.disagreements], api_visibility="private")
    d.create_button.click(on_create, d.new_campaign + [page.annotator], [d.created, picked],
                          api_visibility="private", concurrency_limit=1)
    demo.load(on_visible, None, [d.box], api_visibility="private")


def wire_api(ctx: AppContext, api: ApiInputs) -> None:
    """/campaign_next (the next request to judge, as JSON) and /campaign_judge (one grade)."""

    @guarded
    def api_next(campaign: str, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        campaign = text_arg(campaign, "campaign", MAX_NAME, required=True)
        try:
            req = campaigns_of(ctx).next_request(campaign, campaign_annotator(ctx, name, request, profile))
        except CampaignError as e:
            raise gr.Error(str(e)) from None
        return None if req is None else req.to_api()

    @guarded
    def api_judge(campaign: str, request_id: str, item_id: str, grade: float, name: str, request: gr.Request,
                  profile: gr.OAuthProfile | None):
        campaign = text_arg(campaign, "campaign", MAX_NAME, required=True)
        request_id, item_id = text_arg(request_id, "request_id", required=True), text_arg(item_id, "item_id", required=True)
        try:
            return judge(ctx, campaign, request_id, item_id, grade, campaign_annotator(ctx, name, request, profile))
        except CampaignError as e:
            raise gr.Error(str(e)) from None

    api.next_button.click(api_next, [api.campaign, api.name], [api.answer], api_name="campaign_next")
    api.judge_button.click(api_judge, [api.campaign, api.request_id, api.item_id, api.grade, api.name], [api.answer],
                           api_name="campaign_judge")

"""The page: one builder per part, each laying out its components and wiring them to the plain
functions of chat.py, ratings.py, labels_tab.py and model_tab.py. The small functions inside the
builders only translate between Gradio (gr.State, gr.Request, events, gr.Error) and those.

Stable API names (see the README): /chat, /rerank, /reset, /explanation, /feedback,
/my_ratings, /label_stats, /export_labels, /train_model, /promote_model, /rollback_model,
/model_versions, /compare_start, /compare_stop, /compare_status, /campaign_next, /campaign_judge.
"""
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from .assets import script
from .boundary import MAX_NAME, SESSION_IDLE_S, alpha_arg, guarded, mapping_arg, number_arg, text_arg
from .chat import (WALKTHROUGHS, Session, View, chat_turn, example_messages, explanation_json, new_session,
                   play_walkthrough, render, rephrase_last_reply, rerank, reset, select_item, selected_text)
from .compare import COMPARE_COLUMNS, CompareView, comparison_status, start_comparison, stop_comparison
from .context import AppContext, header_markdown, issues_markdown
from .identity import Identity, NotAllowed
from .labels_tab import ITEM_COLUMNS, LABEL_COLUMNS, export_labels, label_stats, stats_figures, stats_tables
from .model_tab import (TRAIN_COLUMNS, VERSION_COLUMNS, ModelTabError, ModelView, model_versions, promote_model,
                        rollback_model, train_model)
from .ratings import (RATINGS_COLUMNS, FeedbackInputError, confirmation, my_ratings, rate_reply, rate_selected,
                      record_feedback)
from .text import md_escape, one_line
from .ui_text import LANGUAGE_LOAD_JS, LANGUAGE_SWITCH_JS, LANGUAGES, english_labels, known, t

REMEMBERED = ("annotator", "session_id")  # what the browser keeps between visits (gr.BrowserState)


@dataclass
class Page:
    """What every tab may read or update: the header, the name box, what the browser remembers
    (annotator name, session id), this browser tab's conversation, and the interface language switch."""

    header: gr.Markdown
    annotator: gr.Textbox
    remembered: gr.BrowserState
    session: gr.State
    language: gr.Radio


class AppBlocks(gr.Blocks):
    """gr.Blocks whose API description names parameters and results in English, as before the page
    had translated labels (ui_text.english_labels)."""

    def get_api_info(self, all_endpoints: bool = False, page: str | None = None):
        return english_labels(super().get_api_info(all_endpoints=all_endpoints, page=page))


def build_app(ctx: AppContext) -> gr.Blocks:
    """The whole page: the header with the language switch and the name box, then the Recommend, Labels, Model
    and Campaigns tabs. Its fixed words are ui_text.py's keys: launch it with launch_kwargs (i18n=ui_text.I18N)."""
    with AppBlocks(title="mmcrec — conversational recommendation", analytics_enabled=False) as demo:
        page = build_header(ctx, demo)
        with gr.Tabs():
            build_chat_tab(ctx, page, demo)
            build_labels_tab(ctx, page)
            build_model_tab(ctx, page, demo)
            # after the Model tab: a tab built after one that starts hidden shows it twice (Gradio 6)
            build_campaign_tab(ctx, page, demo)
        wire_language(demo, page.language)
    demo.mmcrec_ctx = ctx  # type: ignore[attr-defined]
    return demo


def wire_language(demo: gr.Blocks, language: gr.Radio) -> None:
    """The interface language is the browser's business (Gradio's locale, ui_text.py): the page load
    applies `?lang=` or the kept choice, the switch a new one. Then the tab names are sent again: Gradio
    translates a tab not yet opened once, when the page is built, and keeps that name on a switch."""
    tabs = [b for b in demo.blocks.values() if isinstance(b, gr.Tab)]

    @guarded
    def relabel():
        return [gr.Tab(label=tab.label) for tab in tabs]

    for event in (demo.load(None, None, [language], js=LANGUAGE_LOAD_JS, api_visibility="private"),
                  language.input(None, [language], [language], js=LANGUAGE_SWITCH_JS, api_visibility="private")):
        event.then(relabel, None, tabs, api_visibility="private", show_progress="hidden")


def _labeller(ctx: AppContext, name: str, request: gr.Request, profile: gr.OAuthProfile | None) -> str:
    """The name this request's labels are written under (gr.Error when it must sign in first)."""
    name = text_arg(name, "your name", MAX_NAME)
    try:
        return ctx.access.annotator(ctx.access.identify(name, request, profile))
    except NotAllowed as e:
        raise gr.Error(str(e)) from None


def build_header(ctx: AppContext, demo: gr.Blocks) -> Page:
    """The title (what is served), the interface language, and the annotator's name (or the sign-in button)."""
    session = gr.State(None, time_to_live=SESSION_IDLE_S)
    remembered = gr.BrowserState({"annotator": "", "session_id": ""}, storage_key="mmcrec-annotator")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            header = gr.Markdown(header_markdown(ctx), elem_id="mm-header")
        with gr.Column(scale=1, min_width=220):
            # the interface language (ui_text.py): starts from the browser's, kept in this browser
            language = gr.Radio(LANGUAGES, value="en", label=t("language"), show_label=False, container=False,
                                elem_id="mm-lang")
            annotator = gr.Textbox(label=t("name_label"), placeholder=t("name_placeholder"), max_lines=1,
                                   info=known(ctx.access.note()),
                                   interactive=not ctx.access.login, elem_id="mm-annotator")
            if ctx.hf_sign_in:
                gr.LoginButton(size="sm")

    @guarded
    def on_name(name: str, mem: dict):
        return {**mapping_arg(mem, REMEMBERED), "annotator": one_line(text_arg(name, "your name", MAX_NAME))}

    annotator.change(on_name, [annotator, remembered], [remembered], api_visibility="private")
    if ctx.hf_sign_in:
        @guarded
        def on_login(profile: gr.OAuthProfile | None, mem: dict):
            name = profile.username if profile is not None else ""
            return name, {**mapping_arg(mem, REMEMBERED), "annotator": name}

        demo.load(on_login, [remembered], [annotator, remembered], api_visibility="private")
    return Page(header, annotator, remembered, session, language)


def build_chat_tab(ctx: AppContext, page: Page, demo: gr.Blocks) -> None:
    """Chat, photo upload, gallery with 👍/👎, α slider, the four explanation charts, my ratings."""
    from ..model import ModelParams

    def served_alpha() -> float:
        """The served model's α (the slider starts there on each page load)."""
        return round(float(ctx.rec().params.alpha), 2) if ctx.ready else ModelParams().alpha

    with gr.Tab(t("tab_recommend"), id="recommend"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=320):
                chatbot = gr.Chatbot(label=t("chat_label"), show_label=False, buttons=["copy_all"],
                                     height=440, elem_id="mm-chat", sanitize_html=True, render_markdown=True,
                                     placeholder=t("chat_placeholder"))
                msg = gr.MultimodalTextbox(
                    placeholder=t("input_placeholder"), file_types=["image"],
                    file_count="single", sources=["upload"], show_label=False, elem_id="mm-input",
                    max_plain_text_length=2000,
                )
                with gr.Row():
                    alpha = gr.Slider(0, 1, value=served_alpha, step=0.01, scale=4,
                                      label=t("alpha_label"),
                                      info=t("alpha_info"),
                                      elem_id="mm-alpha")
                    reset_btn = gr.Button(t("new_conversation"), variant="secondary", scale=1, min_width=120)
            with gr.Column(scale=6, min_width=320):
                gallery = gr.Gallery(label=t("gallery_label"), show_label=False, columns=4, height=None,
                                     object_fit="contain", allow_preview=False, elem_id="mm-gallery",
                                     buttons=[], interactive=False)
                selected = gr.Markdown(selected_text(new_session()), elem_id="mm-selected")
                with gr.Row():
                    up_btn = gr.Button(t("good_match"), size="sm", elem_id="mm-up")
                    down_btn = gr.Button(t("not_for_me"), size="sm", elem_id="mm-down")
                status = gr.Markdown("", elem_id="mm-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=320):
                gr.Examples(examples=example_messages(ctx), inputs=[msg], label=t("examples_label"))
            with gr.Column(scale=6, min_width=320):
                with gr.Row():
                    # any value reaches on_walk, which checks it: Gradio's own refusal of an unlisted
                    # value echoes it raw and breaks its event stream on a lone surrogate
                    walk = gr.Dropdown(list(WALKTHROUGHS), allow_custom_value=True,
                                       label=t("walkthrough_label"),
                                       value=None, scale=3)
                    walk_btn = gr.Button(t("play"), scale=1, min_width=80)
        gr.Markdown(t("why_heading"))
        with gr.Row(equal_height=False):
            p_turns = gr.Plot(label=t("plot_turns"), show_label=False, elem_classes=["mm-plot"])
            p_alpha = gr.Plot(label=t("plot_alpha"), show_label=False, elem_classes=["mm-plot"])
        with gr.Row(equal_height=False):
            p_mod = gr.Plot(label=t("plot_modality"), show_label=False, elem_classes=["mm-plot"])
            p_items = gr.Plot(label=t("plot_items"), show_label=False, elem_classes=["mm-plot"])
        with gr.Accordion(t("explanation_json"), open=False):
            expl = gr.JSON(label="Recommendation.to_json()")
            expl_btn = gr.Button(t("refresh"), size="sm")
        with gr.Accordion(t("catalog_issues"), open=False, visible=False) as issues_box:
            issues = gr.Markdown("")
        with gr.Accordion(t("my_ratings"), open=False):
            ratings = gr.Dataframe(headers=RATINGS_COLUMNS, interactive=False, wrap=True,
                                   label=t("ratings_table"))
            ratings_btn = gr.Button(t("refresh"), size="sm")
        # API-only inputs for /feedback (scripts rate as a browser would)
        with gr.Row(visible=False):
            fb_target = gr.Textbox(value="item", label="target")
            fb_key = gr.Textbox(value="", label="key")
            fb_label = gr.Number(value=1, label="label")
            fb_btn = gr.Button("feedback")
            fb_result = gr.JSON(label="stored label")

    session, annotator, remembered = page.session, page.annotator, page.remembered
    view_outputs = [chatbot, gallery, p_turns, p_alpha, p_mod, p_items, expl, selected, status, page.header]

    def shown(s: Session, v: View) -> tuple:
        return (s, v.messages, v.gallery, v.figures["turns"], v.figures["alpha"], v.figures["modality"],
                v.figures["items"], v.explanation, v.selected, v.status, header_markdown(ctx))

    @guarded
    def on_chat(message: dict, history: list, alpha_value: float, s: Session | None, progress=gr.Progress()):
        return (None,) + shown(*chat_turn(ctx, message, history, s, alpha_arg(alpha_value), progress))

    @guarded
    def on_rerank(alpha_value: float, s: Session | None):
        alpha_value = alpha_arg(alpha_value)
        if not isinstance(s, Session) or s.last is None:  # nothing shown yet (e.g. the page loading)
            return tuple(gr.skip() for _ in range(1 + len(view_outputs)))
        return shown(*rerank(ctx, s, alpha_arg(alpha_value)))

    @guarded
    def on_reset(s: Session | None, mem: dict):
        s, v = reset(ctx, s)
        return shown(s, v) + ({**mapping_arg(mem, REMEMBERED), "session_id": s.session_id},)

    @guarded
    def on_walk(name: str, alpha_value: float, s: Session | None, progress=gr.Progress()):
        name, alpha_value = text_arg(name, "the walkthrough"), alpha_arg(alpha_value)
        ctx.rec(progress)
        return shown(*play_walkthrough(ctx, name, s, alpha_value))

    @guarded
    def on_select(s: Session | None, evt: gr.SelectData):
        return select_item(s, evt.index if isinstance(evt.index, int) else None)

    def rated(s: Session, confirm: str, who: str):
        v = render(ctx, s, confirm)
        return s, v.gallery, v.selected, confirm, my_ratings(ctx, who, s)

    def on_thumb(wanted: int):
        @guarded
        def fn(s: Session | None, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
            who = _labeller(ctx, name, request, profile)
            try:
                s, confirm = rate_selected(ctx, s, wanted, who)
            except FeedbackInputError as e:
                raise gr.Error(str(e)) from None
            return rated(s, confirm, who)
        return fn

    @guarded
    def on_like(s: Session | None, name: str, request: gr.Request, profile: gr.OAuthProfile | None,
                evt: gr.LikeData):
        who = _labeller(ctx, name, request, profile)
        idx = evt.index if isinstance(evt.index, int) else evt.index[0]
        try:
            s, confirm = rate_reply(ctx, s, idx, evt.liked, who)
        except FeedbackInputError as e:
            raise gr.Error(str(e)) from None
        return rated(s, confirm, who)

    @guarded
    def on_feedback(target: str, key: str, label: float, name: str, s: Session | None, request: gr.Request,
                    profile: gr.OAuthProfile | None):
        who = _labeller(ctx, name, request, profile)
        target, key = text_arg(target, "target"), text_arg(key, "key")
        label = number_arg(label, "label", -1, 1, integer=True)
        try:
            s, stored = record_feedback(ctx, s, target, key, label, who)
        except FeedbackInputError as e:
            raise gr.Error(str(e)) from None
        d = stored.to_dict()
        d["image_path"] = Path(d["image_path"]).name if d["image_path"] else ""
        # light on purpose: scripts send many labels; the page refreshes its gallery on the next action
        return s, d, confirmation(stored, key if target == "item" else f"answer #{int(float(key)) + 1}")

    @guarded
    def on_ratings(name: str, s: Session | None, request: gr.Request, profile: gr.OAuthProfile | None):
        # with a login, only the signed-in user's own labels, whatever name is sent
        name = text_arg(name, "your name", MAX_NAME)
        return my_ratings(ctx, ctx.access.identify(name, request, profile).name, s)

    @guarded
    def on_load(mem: dict, s: Session | None, request: gr.Request, profile: gr.OAuthProfile | None,
                progress=gr.Progress()):
        try:
            ctx.rec(progress)
        except RuntimeError:
            pass
        mem = mapping_arg(mem, REMEMBERED)
        sid = mem.get("session_id")
        sid = sid if isinstance(sid, str) and sid.isalnum() and len(sid) <= 64 else None
        s = s if isinstance(s, Session) else new_session(sid)
        typed = mem.get("annotator", "")
        name = ctx.access.identify(typed, request, profile).name
        mem["session_id"], mem["annotator"] = s.session_id, name or typed
        text = issues_markdown(ctx)
        # an empty remembered name never overwrites what someone typed while the page loaded
        return (header_markdown(ctx), s, name if name else gr.skip(), mem, my_ratings(ctx, name, s), text,
                gr.Accordion(visible=bool(text), label="⚠️ " + t("catalog_issues") + f" ({text.count(chr(10) + '- ')})"))

    turn_event = msg.submit(on_chat, [msg, chatbot, alpha, session], [msg, session] + view_outputs, api_name="chat")
    if ctx.phraser is not None:
        @guarded
        def on_rephrase(s: Session | None):
            s, changed = rephrase_last_reply(ctx, s)
            return (s, s.messages) if changed else (s, gr.skip())

        turn_event.then(on_rephrase, [session], [session, chatbot], api_visibility="private", show_progress="hidden")
    alpha.change(on_rerank, [alpha, session], [session] + view_outputs, api_name="rerank",
                 trigger_mode="always_last", show_progress="hidden")
    reset_btn.click(on_reset, [session, remembered], [session] + view_outputs + [remembered], api_name="reset")
    walk_btn.click(on_walk, [walk, alpha, session], [session] + view_outputs, api_visibility="private")
    gallery.select(on_select, [session], [session, selected], api_visibility="private")
    rated_outs = [session, gallery, selected, status, ratings]
    up_btn.click(on_thumb(1), [session, annotator], rated_outs, api_visibility="private")
    down_btn.click(on_thumb(-1), [session, annotator], rated_outs, api_visibility="private")
    chatbot.like(on_like, [session, annotator], rated_outs, api_visibility="private")
    fb_btn.click(on_feedback, [fb_target, fb_key, fb_label, annotator, session], [session, fb_result, status],
                 api_name="feedback")
    expl_btn.click(guarded(explanation_json), [session], [expl], api_name="explanation", queue=False)
    ratings_btn.click(on_ratings, [annotator, session], [ratings], api_name="my_ratings")
    annotator.blur(on_ratings, [annotator, session], [ratings], api_visibility="private")
    demo.load(on_load, [remembered, session],
              [page.header, session, annotator, remembered, ratings, issues, issues_box], api_visibility="private")


def build_labels_tab(ctx: AppContext, page: Page) -> None:
    """Counts, agreement and charts of the labels collected; the export (admins)."""
    with gr.Tab(t("tab_labels"), id="labels") as labels_tab:
        gr.Markdown(t("labels_help"))
        stats_btn = gr.Button(t("refresh"), size="sm", elem_id="mm-stats-refresh")
        agree_md = gr.Markdown("")
        with gr.Row(equal_height=False):
            by_label = gr.Dataframe(headers=LABEL_COLUMNS, interactive=False, label=t("per_label"))
            ann_plot = gr.Plot(label=t("per_annotator"), show_label=False)
        time_plot = gr.Plot(label=t("over_time"), show_label=False)
        by_item = gr.Dataframe(headers=ITEM_COLUMNS, interactive=False, label=t("per_item"))
        with gr.Row():
            fmt = gr.Radio(["jsonl", "csv", "parquet"], value="parquet", label=t("export_format"))
            export_btn = gr.Button(t("export_labels"), variant="primary")
        export_file = gr.File(label=t("export_file"), interactive=False, height=90)

    @guarded
    def on_stats():
        st = label_stats(ctx)
        per_annotator, over_time = stats_figures(ctx, st)
        rows, items, agree = stats_tables(ctx, st)
        return agree, rows, per_annotator, over_time, items

    @guarded
    def on_export(fmt_value: str, name: str, request: gr.Request, profile: gr.OAuthProfile | None) -> str:
        try:
            return export_labels(ctx, text_arg(fmt_value, "format"), ctx.access.identify(name, request, profile))
        except (FeedbackInputError, NotAllowed) as e:
            raise gr.Error(str(e)) from None

    stats_outs = [agree_md, by_label, ann_plot, time_plot, by_item]
    stats_btn.click(on_stats, None, stats_outs, api_name="label_stats")
    labels_tab.select(on_stats, None, stats_outs, api_visibility="private")
    export_btn.click(on_export, [fmt, page.annotator], [export_file], api_name="export_labels")


def build_model_tab(ctx: AppContext, page: Page, demo: gr.Blocks) -> None:
    """Admins: train the next model, compare, promote, roll back; shown to admins only."""
    with gr.Tab(t("tab_model"), id="model", visible=ctx.access.is_admin(Identity())) as model_tab:
        gr.Markdown(t("model_help"))
        with gr.Row():
            train_btn = gr.Button(t("train"), variant="primary", elem_id="mm-train")
            versions_btn = gr.Button(t("refresh"), size="sm", elem_id="mm-versions-refresh")
        model_status = gr.Markdown("", elem_id="mm-model-status")
        train_table = gr.Dataframe(headers=TRAIN_COLUMNS, interactive=False, wrap=True,
                                   label=t("train_table"))
        with gr.Row():
            version_dd = gr.Dropdown(choices=[], value=None, allow_custom_value=True, scale=2,
                                     label=t("version_to_promote"))
            promote_btn = gr.Button(t("promote"), variant="primary", scale=1, elem_id="mm-promote")
            rollback_btn = gr.Button(t("roll_back"), variant="stop", scale=1, elem_id="mm-rollback")
        versions_plot = gr.Plot(label=t("metrics_by_version"), show_label=False)
        versions_table = gr.Dataframe(headers=VERSION_COLUMNS, interactive=False, wrap=True, label=t("saved_versions"))
        gr.Markdown(t("compare_help"))
        with gr.Row():
            candidate_dd = gr.Dropdown(choices=[], value=None, allow_custom_value=True, scale=2,
                                       label=t("candidate"))
            compare_start_btn = gr.Button(t("start_comparison"), variant="primary", scale=1, elem_id="mm-compare-start")
            compare_stop_btn = gr.Button(t("stop_comparison"), variant="stop", scale=1, elem_id="mm-compare-stop")
            compare_btn = gr.Button(t("refresh"), size="sm", scale=0, elem_id="mm-compare-refresh")
        compare_md = gr.Markdown("", elem_id="mm-compare-status")
        compare_table = gr.Dataframe(headers=COMPARE_COLUMNS, interactive=False, label=t("galleries_won"))
        with gr.Accordion(t("comparison_json"), open=False):
            compare_json = gr.JSON(label=t("comparison"))

    def version_choice(rows: list[list], value: str = ""):
        names = [r[0] for r in rows]
        return gr.Dropdown(choices=names, value=value if value in names else (names[-1] if names else None))

    def shown(v: ModelView) -> tuple:
        return v.status, v.table, v.versions, v.figure, v.header, version_choice(v.versions, v.version)

    @guarded
    def on_train(name: str, request: gr.Request, profile: gr.OAuthProfile | None, progress=gr.Progress()):
        def report(frac: float, message: str) -> None:
            try:
                progress(frac, desc=message)
            except Exception:  # noqa: BLE001 — a progress bar never breaks training
                pass

        try:
            return shown(train_model(ctx, ctx.access.identify(name, request, profile), report))
        except (ModelTabError, NotAllowed) as e:
            raise gr.Error(str(e)) from None

    @guarded
    def on_promote(version: str | None, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        try:
            return shown(promote_model(ctx, ctx.access.identify(name, request, profile), text_arg(version, "version")))
        except (ModelTabError, NotAllowed) as e:
            raise gr.Error(str(e)) from None

    @guarded
    def on_rollback(name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        try:
            return shown(rollback_model(ctx, ctx.access.identify(name, request, profile)))
        except (ModelTabError, NotAllowed) as e:
            raise gr.Error(str(e)) from None

    @guarded
    def on_versions():
        rows, fig, line = model_versions(ctx)
        return rows, fig, line, header_markdown(ctx), version_choice(rows)

    @guarded
    def on_visible(request: gr.Request, profile: gr.OAuthProfile | None):
        # a typed name never makes anyone an admin: only the login (or a local run) counts
        return gr.Tab(visible=ctx.access.is_admin(ctx.access.identify("", request, profile)))

    def compare_call(call, name: str, request: gr.Request, profile: gr.OAuthProfile | None) -> tuple:
        try:
            v: CompareView = call(ctx.access.identify(name, request, profile))
        except (ModelTabError, NotAllowed) as e:
            raise gr.Error(str(e)) from None
        return v.status, v.table, v.data

    @guarded
    def on_compare_start(candidate: str | None, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        candidate = text_arg(candidate, "candidate version")
        return compare_call(lambda who: start_comparison(ctx, who, candidate), name, request, profile)

    @guarded
    def on_compare_stop(name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        return compare_call(lambda who: stop_comparison(ctx, who), name, request, profile)

    @guarded
    def on_compare_status(name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        return compare_call(lambda who: comparison_status(ctx, who), name, request, profile)

    @guarded
    def on_candidates():
        rows, _fig, _line = model_versions(ctx)
        served = ctx.model_version if ctx.ready else ""
        return gr.Dropdown(choices=[r[0] for r in rows if r[0] != served] + (["v0"] if served != "v0" else []))

    model_outs = [model_status, train_table, versions_table, versions_plot, page.header, version_dd]
    trained = train_btn.click(on_train, [page.annotator], model_outs, api_name="train_model", concurrency_limit=1)
    promoted = promote_btn.click(on_promote, [version_dd, page.annotator], model_outs, api_name="promote_model")
    rolled_back = rollback_btn.click(on_rollback, [page.annotator], model_outs, api_name="rollback_model")
    versions_outs = [versions_table, versions_plot, model_status, page.header, version_dd]
    versions_btn.click(on_versions, None, versions_outs, api_name="model_versions")
    model_tab.select(on_versions, None, versions_outs, api_visibility="private")
    compare_outs = [compare_md, compare_table, compare_json]
    compare_start_btn.click(on_compare_start, [candidate_dd, page.annotator], compare_outs, api_name="compare_start")
    compare_stop_btn.click(on_compare_stop, [page.annotator], compare_outs, api_name="compare_stop")
    compare_btn.click(on_compare_status, [page.annotator], compare_outs, api_name="compare_status")
    model_tab.select(on_candidates, None, [candidate_dd], api_visibility="private")
    model_tab.select(on_compare_status, [page.annotator], compare_outs, api_visibility="private")
    for done in (trained, promoted, rolled_back):  # new versions to pick; a promotion ends a comparison
        done.success(on_candidates, None, [candidate_dd], api_visibility="private")
        done.success(on_compare_status, [page.annotator], compare_outs, api_visibility="private")
    demo.load(on_visible, None, [model_tab], api_visibility="private")


def build_campaign_tab(ctx: AppContext, page: Page, demo: gr.Blocks) -> None:
    """Annotators judge pooled requests (0/1/2 per item, keys, skip, progress); admins follow
    progress and agreement and create campaigns.  API: /campaign_next, /campaign_judge."""
    from ..labels.campaigns import SYSTEMS, CampaignError
    from . import campaign_tab as ct

    @guarded
    def choices():
        names = ct.campaign_names(ctx)
        return gr.Dropdown(choices=names, value=names[-1] if names else None)

    with gr.Tab(t("tab_campaigns"), id="campaigns") as tab:
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
            for i in range(ct.MAX_ITEMS):
                with gr.Column(visible=False, elem_classes=["mm-slot"], min_width=160) as col:
                    images.append(gr.Image(show_label=False, interactive=False, height=140, buttons=[],
                                           container=False))
                    titles.append(gr.Markdown(""))
                    radios.append(gr.Radio(ct.GRADE_CHOICES, value=None, show_label=False, container=False,
                                           elem_id=f"mm-camp-grade-{i}"))
                slots.append(col)
        with gr.Row():
            reason = gr.Textbox(placeholder=t("skip_placeholder"), show_label=False, scale=3,
                                max_lines=1, elem_id="mm-camp-reason")
            skip_btn = gr.Button(t("skip_request"), scale=1, elem_id="mm-camp-skip")
        with gr.Accordion(t("dashboard"), open=True, visible=ctx.access.is_admin(Identity())) as admin_box:
            dash_btn = gr.Button(t("refresh_dashboard"), size="sm", elem_id="mm-camp-refresh")
            dash_md = gr.Markdown("", elem_id="mm-camp-summary")
            dash_ann = gr.Dataframe(headers=ct.ANNOTATOR_COLUMNS, interactive=False, label=t("per_annotator"))
            dash_req = gr.Dataframe(headers=ct.REQUEST_COLUMNS, interactive=False, label=t("per_request"),
                                    max_height=300)
            dash_dis = gr.Dataframe(headers=ct.DISAGREEMENT_COLUMNS, interactive=False, wrap=True,
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
        # API-only parts of /campaign_next and /campaign_judge (scripts judge as a browser would)
        with gr.Row(visible=False):
            api_campaign = gr.Textbox(label="campaign")
            api_request = gr.Textbox(label="request_id")
            api_item = gr.Textbox(label="item_id")
            api_grade = gr.Number(label="grade")
            api_name = gr.Textbox(label="name")
            api_next_btn = gr.Button("next")
            api_judge_btn = gr.Button("judge")
            api_out = gr.JSON(label="answer")
    queue = gr.State(ct.Queue())

    def who(name: str, request: gr.Request, profile: gr.OAuthProfile | None) -> str:
        name = text_arg(name, "your name", MAX_NAME)
        return ctx.access.campaign_annotator(ctx.access.identify(name, request, profile))

    def shown(v):
        outs = [v.queue, v.request, gr.Image(value=v.image, visible=bool(v.image)), v.progress, v.status]
        for i in range(ct.MAX_ITEMS):
            it = v.items[i] if i < len(v.items) else None
            outs += [gr.Column(visible=it is not None),
                     it["thumbnail"] if it else None,
                     f"**{md_escape(it['title'])}**  \n<small>{md_escape(it['item_id'])}</small>" if it else "",
                     gr.Radio(value=it["grade"] or None) if it else gr.Radio(value=None)]
        return tuple(outs)

    grid_outs = [x for i in range(ct.MAX_ITEMS) for x in (slots[i], images[i], titles[i], radios[i])]
    view_outs = [queue, request_md, photo, progress_md, status_md] + grid_outs

    @guarded
    def on_next(campaign: str, q, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        campaign = text_arg(campaign, "campaign", MAX_NAME)
        try:
            return shown(ct.next_view(ctx, campaign, who(name, request, profile), q))
        except CampaignError as e:
            raise gr.Error(str(e)) from None

    def on_grade(i: int):
        @guarded
        def fn(grade: str | None, campaign: str, q, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
            if grade is None or not isinstance(q, ct.Queue) or i >= len(q.items):
                return gr.skip(), gr.skip()
            annotator = who(name, request, profile)
            try:
                res = ct.judge(ctx, q.campaign or campaign, q.request_id, q.items[i], grade, annotator)
            except CampaignError as e:
                raise gr.Error(str(e)) from None
            return ct.judged_status(res), ct.progress_markdown(ctx, q.campaign or campaign, annotator)
        return fn

    @guarded
    def on_skip(campaign: str, q, why: str, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        annotator = who(name, request, profile)
        campaign, why = text_arg(campaign, "campaign", MAX_NAME), text_arg(why, "reason", 500)
        try:
            ct.skip(ctx, campaign, q.request_id if isinstance(q, ct.Queue) else "", why, annotator)
            return ("",) + shown(ct.next_view(ctx, campaign, annotator))
        except CampaignError as e:
            raise gr.Error(str(e)) from None

    @guarded
    def on_campaign(campaign: str):
        return ct.guidelines(ctx, text_arg(campaign, "campaign", MAX_NAME))

    @guarded
    def on_dashboard(campaign: str, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        # names, grades and disagreements of other people: admins only, checked here, not by the page
        try:
            return ct.dashboard(ctx, ctx.access.identify(name, request, profile), text_arg(campaign, "campaign", MAX_NAME))
        except CampaignError as e:
            raise gr.Error(str(e)) from None

    @guarded
    def on_create(name_new, file, overlap, depth, pool, text, name: str, request: gr.Request,
                  profile: gr.OAuthProfile | None):
        name_new, text = text_arg(name_new, "campaign name", MAX_NAME), text_arg(text, "guidelines", 20_000)
        overlap = number_arg(overlap, "overlap", 1, ct.MAX_OVERLAP, integer=True)
        depth = number_arg(depth, "depth", 1, ct.MAX_DEPTH, integer=True)
        pool = [p for p in pool if isinstance(p, str)] if isinstance(pool, list) else []
        try:
            line = ct.create_campaign(ctx, ctx.access.identify(name, request, profile), name_new, file, overlap,
                                      depth, pool, text)
        except (CampaignError, NotAllowed) as e:
            raise gr.Error(str(e)) from None
        names = ct.campaign_names(ctx)
        return line, gr.Dropdown(choices=names, value=one_line(name_new))

    @guarded
    def api_next(campaign: str, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        campaign = text_arg(campaign, "campaign", MAX_NAME, required=True)
        try:
            req = ct.campaigns_of(ctx).next_request(campaign, who(name, request, profile))
        except CampaignError as e:
            raise gr.Error(str(e)) from None
        return None if req is None else req.to_api()

    @guarded
    def api_judge(campaign: str, request_id: str, item_id: str, grade: float, name: str, request: gr.Request,
                  profile: gr.OAuthProfile | None):
        campaign = text_arg(campaign, "campaign", MAX_NAME, required=True)
        request_id, item_id = text_arg(request_id, "request_id", required=True), text_arg(item_id, "item_id", required=True)
        try:
            return ct.judge(ctx, campaign, request_id, item_id, grade, who(name, request, profile))
        except CampaignError as e:
            raise gr.Error(str(e)) from None

    @guarded
    def on_visible(request: gr.Request, profile: gr.OAuthProfile | None):
        return gr.Accordion(visible=ctx.access.is_admin(ctx.access.identify("", request, profile)))

    next_btn.click(on_next, [camp, queue, page.annotator], view_outs, api_visibility="private")
    for i, radio in enumerate(radios):
        radio.input(on_grade(i), [radio, camp, queue, page.annotator], [status_md, progress_md],
                    api_visibility="private", show_progress="hidden")
    skip_btn.click(on_skip, [camp, queue, reason, page.annotator], [reason] + view_outs, api_visibility="private")
    camp.change(on_campaign, [camp], [guide], api_visibility="private")
    tab.select(choices, None, [camp], api_visibility="private")
    dash_outs = [dash_md, dash_ann, dash_req, dash_dis]
    dash_btn.click(on_dashboard, [camp, page.annotator], dash_outs, api_visibility="private")
    create_btn.click(on_create, [new_name, new_file, new_overlap, new_depth, new_pool, new_guide, page.annotator],
                     [create_md, camp], api_visibility="private", concurrency_limit=1)
    api_next_btn.click(api_next, [api_campaign, api_name], [api_out], api_name="campaign_next")
    api_judge_btn.click(api_judge, [api_campaign, api_request, api_item, api_grade, api_name], [api_out],
                        api_name="campaign_judge")
    demo.load(on_visible, None, [admin_box], api_visibility="private")
    demo.load(None, js=script("campaign_keys.js"))

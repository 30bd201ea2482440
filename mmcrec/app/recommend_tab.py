"""The Recommend tab: the chat with photo upload, the gallery with 👍/👎, the α slider, the four
explanation charts, the example conversations and my ratings. Its logic is chat.py (the
conversation) and ratings.py (thumbs → labels); the handlers here only translate between Gradio
(gr.State, gr.Request, events, gr.Error) and those.

API: /chat, /rerank, /reset, /explanation, /feedback, /my_ratings.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ..model import ModelParams
from .boundary import MAX_NAME, alpha_arg, guarded, mapping_arg, number_arg, text_arg
from .chat import (WALKTHROUGHS, Session, View, chat_turn, example_messages, explanation_json, new_session,
                   play_walkthrough, render, rephrase_last_reply, rerank, reset, select_item)
from .context import AppContext, header_markdown, issues_markdown
from .header import REMEMBERED, Page
from .identity import NotAllowed
from .ratings import (RATINGS_COLUMNS, FeedbackInputError, confirmation, my_ratings, rate_reply, rate_selected,
                      record_feedback)
from .ui_text import t


@dataclass
class RecommendTab:
    """The tab's components: what its events read and write."""

    tab: gr.Tab
    chatbot: gr.Chatbot
    message: gr.MultimodalTextbox
    alpha: gr.Slider
    reset_button: gr.Button
    gallery: gr.Gallery
    selected: gr.Markdown  # the item picked in the gallery
    up_button: gr.Button
    down_button: gr.Button
    status: gr.Markdown
    walkthrough: gr.Dropdown
    play_button: gr.Button
    plots: list[gr.Plot]  # turns, α, modality, items
    explanation: gr.JSON
    explanation_button: gr.Button
    issues_box: gr.Accordion
    issues: gr.Markdown  # the catalog's problems, when it has any
    ratings: gr.Dataframe
    ratings_button: gr.Button
    feedback: list[gr.Textbox | gr.Number]  # /feedback's hidden inputs: target, key, label
    feedback_button: gr.Button
    feedback_result: gr.JSON


def build(ctx: AppContext, page: Page, demo: gr.Blocks) -> RecommendTab:
    """Lay out the tab and wire its events: the conversation, the ratings, and the page load."""
    c = lay_out(ctx)
    wire_conversation(ctx, page, c)
    wire_ratings(ctx, page, c)
    wire_page_load(ctx, page, demo, c)
    return c


def lay_out(ctx: AppContext) -> RecommendTab:
    def served_alpha() -> float:
        """The served model's α (the slider starts there on each page load)."""
        return round(float(ctx.rec().params.alpha), 2) if ctx.ready else ModelParams().alpha

    with gr.Tab(t("tab_recommend"), id="recommend") as tab:
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
                selected = gr.Markdown(t("select_hint"), elem_id="mm-selected")
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
    return RecommendTab(tab, chatbot, msg, alpha, reset_btn, gallery, selected, up_btn, down_btn, status, walk,
                        walk_btn, [p_turns, p_alpha, p_mod, p_items], expl, expl_btn, issues_box, issues, ratings,
                        ratings_btn, [fb_target, fb_key, fb_label], fb_btn, fb_result)


def labeller(ctx: AppContext, name: str, request: gr.Request, profile: gr.OAuthProfile | None) -> str:
    """The name this request's labels are written under (gr.Error when it must sign in first)."""
    name = text_arg(name, "your name", MAX_NAME)
    try:
        return ctx.access.annotator(ctx.access.identify(name, request, profile))
    except NotAllowed as e:
        raise gr.Error(str(e)) from None


def view_outputs(page: Page, c: RecommendTab) -> list:
    """What a new View updates (after the session itself): the order of `shown`."""
    return [c.chatbot, c.gallery, *c.plots, c.explanation, c.selected, c.status, page.header]


def shown(ctx: AppContext, s: Session, v: View) -> tuple:
    """The session and the View, as [session] + view_outputs."""
    return (s, v.messages, v.gallery, v.figures["turns"], v.figures["alpha"], v.figures["modality"],
            v.figures["items"], v.explanation, v.selected, v.status, header_markdown(ctx))


def wire_conversation(ctx: AppContext, page: Page, c: RecommendTab) -> None:
    """A chat turn (and its optional rephrasing), α re-ranking, a new conversation, a walkthrough,
    a gallery pick, the explanation as JSON."""
    session, remembered = page.session, page.remembered
    outputs = view_outputs(page, c)

    @guarded
    def on_chat(message: dict, history: list, alpha_value: float, s: Session | None, progress=gr.Progress()):
        return (None,) + shown(ctx, *chat_turn(ctx, message, history, s, alpha_arg(alpha_value), progress))

    @guarded
    def on_rerank(alpha_value: float, s: Session | None):
        alpha_value = alpha_arg(alpha_value)
        if not isinstance(s, Session) or s.last is None:  # nothing shown yet (e.g. the page loading)
            return tuple(gr.skip() for _ in range(1 + len(outputs)))
        return shown(ctx, *rerank(ctx, s, alpha_arg(alpha_value)))

    @guarded
    def on_reset(s: Session | None, mem: dict):
        s, v = reset(ctx, s)
        return shown(ctx, s, v) + ({**mapping_arg(mem, REMEMBERED), "session_id": s.session_id},)

    @guarded
    def on_walk(name: str, alpha_value: float, s: Session | None, progress=gr.Progress()):
        name, alpha_value = text_arg(name, "the walkthrough"), alpha_arg(alpha_value)
        ctx.rec(progress)
        return shown(ctx, *play_walkthrough(ctx, name, s, alpha_value))

    @guarded
    def on_select(s: Session | None, evt: gr.SelectData):
        return select_item(s, evt.index if isinstance(evt.index, int) else None)

    turn_event = c.message.submit(on_chat, [c.message, c.chatbot, c.alpha, session], [c.message, session] + outputs,
                                  api_name="chat")
    if ctx.phraser is not None:
        @guarded
        def on_rephrase(s: Session | None):
            s, changed = rephrase_last_reply(ctx, s)
            return (s, s.messages) if changed else (s, gr.skip())

        turn_event.then(on_rephrase, [session], [session, c.chatbot], api_visibility="private", show_progress="hidden")
    c.alpha.change(on_rerank, [c.alpha, session], [session] + outputs, api_name="rerank",
                   trigger_mode="always_last", show_progress="hidden")
    c.reset_button.click(on_reset, [session, remembered], [session] + outputs + [remembered], api_name="reset")
    c.play_button.click(on_walk, [c.walkthrough, c.alpha, session], [session] + outputs, api_visibility="private")
    c.gallery.select(on_select, [session], [session, c.selected], api_visibility="private")
    c.explanation_button.click(guarded(explanation_json), [session], [c.explanation], api_name="explanation",
                               queue=False)


def rated(ctx: AppContext, s: Session, confirm: str, who: str) -> tuple:
    """After a thumb: the session, the gallery and pick with their marks, the confirmation, my ratings."""
    v = render(ctx, s, confirm)
    return s, v.gallery, v.selected, confirm, my_ratings(ctx, who, s)


def thumb_on_page(ctx: AppContext, s: Session | None, who: str, rate) -> tuple:
    """A thumb clicked in the page: `rate(s)` → (session, confirmation). A refusal (no name yet, no
    product picked) is a warning and a "not saved" line; the gallery and the pick stay as they were,
    instead of every output turning into an error badge."""
    try:
        s, confirm = rate(s)
    except FeedbackInputError as e:
        if s is None:  # no conversation yet: nothing on the page to keep
            raise gr.Error(str(e)) from None
        gr.Warning(str(e))
        return rated(ctx, s, f"Not saved: {e}", who)
    return rated(ctx, s, confirm, who)


def wire_ratings(ctx: AppContext, page: Page, c: RecommendTab) -> None:
    """👍/👎 on the picked item and on replies, /feedback for scripts, my ratings."""
    session, annotator = page.session, page.annotator

    def on_thumb(wanted: int):
        @guarded
        def fn(s: Session | None, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
            who = labeller(ctx, name, request, profile)
            return thumb_on_page(ctx, s, who, lambda s: rate_selected(ctx, s, wanted, who))
        return fn

    @guarded
    def on_like(s: Session | None, name: str, request: gr.Request, profile: gr.OAuthProfile | None,
                evt: gr.LikeData):
        who = labeller(ctx, name, request, profile)
        idx = evt.index if isinstance(evt.index, int) else evt.index[0]
        return thumb_on_page(ctx, s, who, lambda s: rate_reply(ctx, s, idx, evt.liked, who))

    @guarded
    def on_feedback(target: str, key: str, label: float, name: str, s: Session | None, request: gr.Request,
                    profile: gr.OAuthProfile | None):
        who = labeller(ctx, name, request, profile)
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

    rated_outs = [session, c.gallery, c.selected, c.status, c.ratings]
    c.up_button.click(on_thumb(1), [session, annotator], rated_outs, api_visibility="private")
    c.down_button.click(on_thumb(-1), [session, annotator], rated_outs, api_visibility="private")
    c.chatbot.like(on_like, [session, annotator], rated_outs, api_visibility="private")
    c.feedback_button.click(on_feedback, c.feedback + [annotator, session], [session, c.feedback_result, c.status],
                            api_name="feedback")
    c.ratings_button.click(on_ratings, [annotator, session], [c.ratings], api_name="my_ratings")
    annotator.blur(on_ratings, [annotator, session], [c.ratings], api_visibility="private")


def wire_page_load(ctx: AppContext, page: Page, demo: gr.Blocks, c: RecommendTab) -> None:
    """On each page load: wait for the recommender (with a progress bar), pick up the remembered
    conversation and name, show my ratings and the catalog's issues."""

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

    demo.load(on_load, [page.remembered, page.session],
              [page.header, page.session, page.annotator, page.remembered, c.ratings, c.issues, c.issues_box],
              api_visibility="private")

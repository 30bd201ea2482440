"""The page's header and what every tab shares: the title (what is served), the interface language,
the annotator's name (or the sign-in button), this browser tab's conversation and what the browser
remembers between visits. layout.py builds it first and hands the `Page` to each tab."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from .boundary import MAX_NAME, SESSION_IDLE_S, guarded, mapping_arg, text_arg
from .context import AppContext, header_markdown
from .text import one_line
from .ui_text import LANGUAGES, known, t

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


def build(ctx: AppContext, demo: gr.Blocks) -> Page:
    """The title, the interface language and the annotator's name; the name is remembered as typed,
    or taken from the sign-in."""
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

"""The page, assembled: the header (header.py) and then one tab per module, each of which lays out
its components and wires them to its plain functions:

    recommend_tab.py   Recommend: the chat, the gallery with 👍/👎, α, the explanation charts
    labels_tab.py      Labels: counts, agreement, charts, the export
    model_tab.py       Model (admins): train, compare live (compare.py), promote, roll back
    campaign_tab.py    Campaigns: judging pooled requests, the admins' dashboard

What is left here is page-wide: the tabs' order and the interface language switch. The look and
the scripts are files in static/ (assets.py).

Stable API names (see the README; tests/data/api_surface.json records them all): /chat, /rerank,
/reset, /explanation, /feedback, /my_ratings, /label_stats, /export_labels, /train_model,
/promote_model, /rollback_model, /model_versions, /compare_start, /compare_stop, /compare_status,
/campaign_next, /campaign_judge.
"""
from __future__ import annotations

import gradio as gr

from . import campaign_tab, header, labels_tab, model_tab, recommend_tab
from .boundary import guarded
from .context import AppContext
from .ui_text import LANGUAGE_LOAD_JS, LANGUAGE_SWITCH_JS, english_labels


class AppBlocks(gr.Blocks):
    """gr.Blocks whose API description names parameters and results in English, as before the page
    had translated labels (ui_text.english_labels)."""

    def get_api_info(self, all_endpoints: bool = False, page: str | None = None):
        return english_labels(super().get_api_info(all_endpoints=all_endpoints, page=page))


def build_app(ctx: AppContext) -> gr.Blocks:
    """The whole page: the header with the language switch and the name box, then the Recommend, Labels, Model
    and Campaigns tabs. Its fixed words are ui_text.py's keys: launch it with launch_kwargs (i18n=ui_text.I18N)."""
    with AppBlocks(title="mmcrec — conversational recommendation", analytics_enabled=False) as demo:
        page = header.build(ctx, demo)
        with gr.Tabs():
            tabs = [recommend_tab.build(ctx, page, demo).tab,
                    labels_tab.build(ctx, page).tab,
                    model_tab.build(ctx, page, demo).tab,
                    # after the Model tab: a tab built after one that starts hidden shows it twice (Gradio 6)
                    campaign_tab.build(ctx, page, demo).tab]
        wire_language(demo, page.language, tabs)
    demo.mmcrec_ctx = ctx  # type: ignore[attr-defined]
    return demo


def wire_language(demo: gr.Blocks, language: gr.Radio, tabs: list[gr.Tab]) -> None:
    """The interface language is the browser's business (Gradio's locale, ui_text.py): the page load
    applies `?lang=` or the kept choice, the switch a new one. Then the tab names are sent again: Gradio
    translates a tab not yet opened once, when the page is built, and keeps that name on a switch."""

    @guarded
    def relabel():
        return [gr.Tab(label=tab.label) for tab in tabs]

    for event in (demo.load(None, None, [language], js=LANGUAGE_LOAD_JS, api_visibility="private"),
                  language.input(None, [language], [language], js=LANGUAGE_SWITCH_JS, api_visibility="private")):
        event.then(relabel, None, tabs, api_visibility="private", show_progress="hidden")

"""The Gradio app: chat, photo upload, gallery, explained recommendations, labels, models.

    demo, ctx = create_app(catalog="shop.csv")     # the page and what its sessions share
    demo.launch(**launch_kwargs(ctx))              # or serve(...): `mmcrec serve`, `python app.py`

boundary.py what every call is checked for · config.py settings · identity.py who a request is · context.py what all sessions share ·
chat.py the conversation · ratings.py thumbs → labels · compare.py the live comparison ·
layout.py the page: header.py, then one module per tab (recommend_tab.py, labels_tab.py, model_tab.py,
campaign_tab.py) · ui_text.py the page's words in English and Chinese · static/ its CSS and scripts (assets.py).
"""
from __future__ import annotations

import os
from pathlib import Path

from .boundary import MAX_LIVE_SESSIONS, MAX_QUEUED
from .config import AppConfig, resolve_host_port
from .context import AppContext


def create_app(catalog: str | Path | None = None, encoder: str | None = None, model_dir: str | Path | None = None,
               feedback_db: str | Path | None = None, **config):
    """(demo, ctx) for these settings, environment filling the gaps; the recommender loads in the
    background while the page is already up (with a progress bar)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from .layout import build_app

    cfg = AppConfig.from_env(catalog=catalog, encoder=encoder, model_dir=model_dir, feedback_db=feedback_db, **config)
    ctx = AppContext(cfg)
    # thumbnails are files this app made, never changed in place: served as they are rather than
    # checked and copied into Gradio's cache on every gallery (a fifth of the app's CPU under load)
    gr.set_static_paths([str(ctx.thumbs_root)])
    demo = build_app(ctx)
    return with_queue(demo), ctx


def with_queue(demo, concurrency: int = 4):
    """The app's queue: inference runs in worker threads, off the event loop, `concurrency` calls of
    an event at once. Every call goes through it and its limits: api_open=False closes
    /gradio_api/run/<name>, which would skip them."""
    demo.queue(default_concurrency_limit=concurrency, api_open=False, max_size=MAX_QUEUED)
    return demo


def launch_kwargs(ctx: AppContext, host: str | None = None, port: int | None = None) -> dict:
    """demo.launch() arguments: where to listen, what files may be served, the login, the look, the words."""
    import gradio as gr

    from .assets import CSS_PATH
    from .ui_text import I18N

    h, p = resolve_host_port(host, port)
    kw = dict(
        server_name=h,
        server_port=p,
        allowed_paths=ctx.allowed_paths(),
        show_error=False,  # gr.Error texts only (app/boundary.py): never an exception's own words
        state_session_capacity=MAX_LIVE_SESSIONS,
        css_paths=[CSS_PATH],  # static/app.css
        theme=gr.themes.Soft(),
        max_file_size="10mb",
        footer_links=["api"],
        i18n=I18N,  # the page's words in the browser's language (ui_text.py)
    )
    if ctx.config.auth:
        kw["auth"] = ctx.config.auth
        kw["auth_message"] = "mmcrec: sign in to rate recommendations."
    return kw


def serve(catalog: str | Path | None = None, encoder: str | None = None, model_dir: str | Path | None = None,
          feedback_db: str | Path | None = None, host: str | None = None, port: int | None = None,
          prevent_thread_lock: bool = False, **launch_extra):
    """`mmcrec serve` / `python app.py`."""
    demo, ctx = create_app(catalog, encoder, model_dir, feedback_db)
    kw = launch_kwargs(ctx, host, port)
    kw.update(launch_extra)
    if prevent_thread_lock:
        return demo.launch(prevent_thread_lock=True, **kw)
    try:
        return demo.launch(**kw)
    finally:  # Ctrl+C: cancel a first-start indexing run instead of waiting for it
        ctx.close()

"""The Model tab (admins): train the next model on the app's labels, compare it with the served
one on held-out sessions, promote a version (served at once, no restart), roll back. The live
comparison with shoppers (interleaving) is compare.py; a promotion cites its result. Plain
functions first; `build` lays out the tab and wires them, and compare.py's, to it.

API: /train_model, /promote_model, /rollback_model, /model_versions, /compare_start,
/compare_stop, /compare_status.
"""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any, Callable

import gradio as gr

from . import compare
from .boundary import guarded, text_arg
from .compare import COMPARE_COLUMNS, CompareView, comparison_status, start_comparison, stop_comparison
from .context import AppContext, header_markdown
from .header import Page
from .identity import Identity, NotAllowed
from .model_check import ModelTabError, check_compatible
from .text import md_escape
from .ui_text import t

logger = logging.getLogger(__name__)


TRAIN_COLUMNS = ["set", "kind", "n", "metric", "current", "new", "Δ"]
VERSION_COLUMNS = ["version", "parent", "created (UTC)", "NDCG@10", "AUC up>down", "MRR", "promotable", "status"]


@dataclass
class ModelView:
    """What the Model tab shows after an action."""

    status: str  # Markdown
    table: list[list]  # current vs. new (TRAIN_COLUMNS); empty unless something was just trained
    versions: list[list]  # VERSION_COLUMNS, oldest first
    figure: Any  # plotly Figure: metrics by version
    header: str  # header_markdown(ctx), so the page shows the served version at once
    version: str = ""  # the version the action is about (trained / promoted / served)


def model_versions(ctx: AppContext) -> tuple[list[list], Any, str]:
    """(rows of every saved version, a Plotly chart of held-out metrics by version, a status line)."""
    import plotly.graph_objects as go

    from ..training import METRIC_NAMES, fmt_metric

    reg = ctx.registry
    current = reg.current()
    served = ctx.model_version if ctx.ready else None
    hist = reg.metrics_by_version()
    rows = []
    for r in hist:
        mark = []
        if r["version"] == served:
            mark.append("serving")
        if r["version"] == current and current != served:
            mark.append("promoted (not served here)")
        rows.append([r["version"], r["parent"] or "v0", (r["created_at"] or "")[:19].replace("T", " "),
                     fmt_metric(r["ndcg"]), fmt_metric(r["auc"]), fmt_metric(r["mrr"]),
                     "yes" if r["promotable"] else "no", ", ".join(mark)])
    fig = go.Figure()
    xs = [r["version"] for r in hist]
    for key, color in (("ndcg", "#2a6fdb"), ("auc", "#2bb39a"), ("mrr", "#d69e2e")):
        fig.add_trace(go.Scatter(x=xs, y=[r[key] for r in hist], name=METRIC_NAMES[key], mode="lines+markers",
                                 line={"color": color}, marker={"size": 9}))
    fig.add_trace(go.Scatter(x=xs, y=[r["parent_ndcg"] for r in hist], name="NDCG@10 of its parent (same held-out)",
                             mode="markers", marker={"color": "#2a6fdb", "symbol": "x-thin-open", "size": 11}))
    if served in xs:
        fig.add_vline(x=xs.index(served), line_dash="dot", line_color="#4a5568",
                      annotation_text=f"serving {served}", annotation_position="top")
    fig.update_layout(title="Held-out metrics by version", height=340, template="plotly_white",
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.25},
                      yaxis={"title": "on each version's held-out labels"}, xaxis={"type": "category"})
    reg_says = current or "v0 (built-in defaults)"
    # no filesystem path: whoever can open the page would learn the server's folders
    status = f"Serving **{md_escape(served or '…')}**; the registry promotes {md_escape(reg_says)}; " \
             f"{len(hist)} trained version(s)."
    return rows, fig, status


def _view(ctx: AppContext, status: str, table: list[list] | None = None, version: str = "") -> ModelView:
    rows, fig, line = model_versions(ctx)
    return ModelView(status + "\n\n" + line, table or [], rows, fig, header_markdown(ctx), version)


def train_model(ctx: AppContext, who: Identity, progress: Callable[[float, str], None] | None = None,
                seed: int = 0, config: Any = None) -> ModelView:
    """Admins: train the next version on the labels in the app's feedback store (this catalog's),
    compare it with the served model on held-out sessions, and save it in the registry. The
    served model does not change until it is promoted. Raises ModelTabError (nothing saved)."""
    from ..training import TrainError, comparison_rows, learned_line, precheck, train_next

    ctx.access.require_admin(who, "train a model")
    if not ctx.train_lock.acquire(blocking=False):
        raise ModelTabError("A training run is already going; wait for it to finish.")
    try:
        rec = ctx.rec()
        cid = rec.catalog.catalog_id
        labels = [lab for lab in ctx.store.labels() if not getattr(lab, "catalog_id", "") or lab.catalog_id == cid]
        try:
            precheck(labels)
            # a shallow copy with its own turn cache: chats keep going while this trains
            shadow = copy.copy(rec)
            shadow.turns = rec.turns.fresh()
            res = train_next(labels, rec.catalog, shadow, ctx.registry, seed=seed, progress=progress,
                             current=rec.model, config=config)
        except TrainError as e:
            raise ModelTabError(f"Cannot train: {e}") from None
    finally:
        ctx.train_lock.release()
    table = comparison_rows(res)
    c = res.counts
    verdict = (f"**{res.version} is promotable**: better than {md_escape(res.parent)} on held-out labels"
               if res.promotable else
               f"**{res.version} is not promotable** (it can still be promoted by hand)")
    verdict += f" — {md_escape(res.verdict)}." if res.verdict else "."
    status = (f"Trained **{res.version}** in {res.seconds:.1f}s from {c['labels']} labels ({c['up']} 👍, {c['down']} 👎) "
              f"in {c['sessions']} sessions; held out {c['heldout_sessions']} session(s). {verdict}\n\n"
              f"Learned: {md_escape(learned_line(res.model.card))}. "
              f"Columns: current = {md_escape(res.parent)}, new = {res.version}.")
    logger.info("trained %s (promotable=%s) in %.1fs", res.version, res.promotable, res.seconds)
    return _view(ctx, status, table, res.version)


def promote_model(ctx: AppContext, who: Identity, version: str | None = None) -> ModelView:
    """Admins: serve `version` (default: the newest saved) from now on, with no restart, and
    record the promotion in the registry (so the next start serves it too)."""
    ctx.access.require_admin(who, "promote a model")
    reg = ctx.registry
    saved = [v for v, _ in reg.versions()]
    version = (version or "").strip() or (saved[-1] if saved else "")
    if not version:
        raise ModelTabError("Nothing to promote: train a model first.")
    if version not in saved:
        raise ModelTabError(f"Unknown version {version!r}; saved: {', '.join(saved) or 'none'}.")
    already = version == reg.current()  # promoted elsewhere (the CLI): serve it, record nothing
    if already and ctx.model_version == version:
        raise ModelTabError(f"{version} is already promoted and served.")
    from ..model import Model

    try:
        model = Model.load(reg.path(version))
    except Exception as e:  # noqa: BLE001 — a broken version directory is reported, nothing changes
        raise ModelTabError(f"{version} cannot be loaded: {e}") from None
    check_compatible(ctx, model)
    cited = compare.citable(ctx, version)  # before the swap: it compared `version` with the served one
    with ctx.model_lock:  # not ctx.lock: turns go on while the model is prepared
        old = ctx.rec().model
        ctx.set_model(model)  # fails before the registry changes if the model does not fit
        try:
            if not already:
                reg.promote(version, comparison=cited)
        except Exception:
            ctx.set_model(old)
            raise
    compare.stop_running(ctx)  # the served version changed: a running comparison is over
    note = "" if model.card.get("promotable") else " (it was not marked promotable: check the table)"
    needs = ((model.card.get("metrics") or {}).get("verdict") or {}).get("needs") or {}
    if needs:  # what its training said of needs labelled before and needs nobody labelled
        note += ". On held-out labels: " + "; ".join(
            f"{k} needs {v['current']:.3f} → {v['new']:.3f} ({v['n']} sessions)" for k, v in needs.items())
    if cited:
        note += f". Live comparison with shoppers: {md_escape(cited['summary'])}"
    logger.info("promoted %s (by %s)", version, who.name)
    return _view(ctx, f"Promoted **{version}**: it is served now{note}.", version=version)


def rollback_model(ctx: AppContext, who: Identity) -> ModelView:
    """Admins: undo the last promotion; the version promoted before it (or the untrained
    defaults, v0) is served again, with no restart."""
    from ..registry import RegistryError

    ctx.access.require_admin(who, "roll back the model")
    reg = ctx.registry
    hist = reg.history()
    if not hist:
        raise ModelTabError("Nothing to roll back: no model has been promoted.")
    prev = hist[-2]["version"] if len(hist) > 1 else None
    try:
        model = reg.load(prev)
    except Exception as e:  # noqa: BLE001
        raise ModelTabError(f"{prev} (served before {hist[-1]['version']}) cannot be loaded: {e}") from None
    check_compatible(ctx, model)
    with ctx.model_lock:
        old = ctx.rec().model
        ctx.set_model(model)
        try:
            reg.rollback(last=hist[-1]["version"])  # the one whose predecessor is now served here
        except RegistryError as e:
            ctx.set_model(old)
            raise ModelTabError(str(e)) from None
        except Exception:
            ctx.set_model(old)
            raise
    compare.stop_running(ctx)  # the served version changed: a running comparison is over
    shown = prev or "v0 (built-in defaults)"
    logger.info("rolled back %s → %s (by %s)", hist[-1]["version"], shown, who.name)
    return _view(ctx, f"Rolled back **{hist[-1]['version']}**: serving **{shown}** again.", version=model.version)


# ----------------------------------------------------------------------------- the tab


@dataclass
class ModelTab:
    """The tab's components: what its events read and write."""

    tab: gr.Tab
    train_button: gr.Button
    refresh_button: gr.Button
    status: gr.Markdown
    train_table: gr.Dataframe  # current vs. new, after a training run
    version: gr.Dropdown  # the version to promote
    promote_button: gr.Button
    rollback_button: gr.Button
    versions_plot: gr.Plot
    versions_table: gr.Dataframe
    candidate: gr.Dropdown  # the version to compare with the served one
    compare_start_button: gr.Button
    compare_stop_button: gr.Button
    compare_refresh_button: gr.Button
    compare_status: gr.Markdown
    compare_table: gr.Dataframe
    compare_json: gr.JSON


def build(ctx: AppContext, page: Page, demo: gr.Blocks) -> ModelTab:
    """Lay out the tab and wire it; it is shown to admins only (a typed name never makes anyone one)."""
    c = lay_out(ctx)
    changed = wire_versions(ctx, page, c)
    wire_comparison(ctx, page, c, changed)

    @guarded
    def on_visible(request: gr.Request, profile: gr.OAuthProfile | None):
        # a typed name never makes anyone an admin: only the login (or a local run) counts
        return gr.Tab(visible=ctx.access.is_admin(ctx.access.identify("", request, profile)))

    demo.load(on_visible, None, [c.tab], api_visibility="private")
    return c


def lay_out(ctx: AppContext) -> ModelTab:
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
    return ModelTab(model_tab, train_btn, versions_btn, model_status, train_table, version_dd, promote_btn,
                    rollback_btn, versions_plot, versions_table, candidate_dd, compare_start_btn, compare_stop_btn,
                    compare_btn, compare_md, compare_table, compare_json)


def version_choice(rows: list[list], value: str = ""):
    """The promote dropdown over the saved versions: `value` picked when saved, else the newest."""
    names = [r[0] for r in rows]
    return gr.Dropdown(choices=names, value=value if value in names else (names[-1] if names else None))


def shown(v: ModelView) -> tuple:
    return v.status, v.table, v.versions, v.figure, v.header, version_choice(v.versions, v.version)


def wire_versions(ctx: AppContext, page: Page, c: ModelTab) -> list:
    """Train, promote, roll back, list the versions; returns the events that change the versions."""

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

    model_outs = [c.status, c.train_table, c.versions_table, c.versions_plot, page.header, c.version]
    trained = c.train_button.click(on_train, [page.annotator], model_outs, api_name="train_model", concurrency_limit=1)
    promoted = c.promote_button.click(on_promote, [c.version, page.annotator], model_outs, api_name="promote_model")
    rolled_back = c.rollback_button.click(on_rollback, [page.annotator], model_outs, api_name="rollback_model")
    versions_outs = [c.versions_table, c.versions_plot, c.status, page.header, c.version]
    c.refresh_button.click(on_versions, None, versions_outs, api_name="model_versions")
    c.tab.select(on_versions, None, versions_outs, api_visibility="private")
    return [trained, promoted, rolled_back]


def compare_call(ctx: AppContext, call: Callable, name: str, request: gr.Request,
                 profile: gr.OAuthProfile | None) -> tuple:
    """A comparison action as the request's identity, shown as (status, table, JSON)."""
    try:
        v: CompareView = call(ctx.access.identify(name, request, profile))
    except (ModelTabError, NotAllowed) as e:
        raise gr.Error(str(e)) from None
    return v.status, v.table, v.data


def wire_comparison(ctx: AppContext, page: Page, c: ModelTab, changed: list) -> None:
    """Start, stop and follow the live comparison (compare.py); the candidates and the result are
    shown again when the tab opens and after each event in `changed` (a promotion ends a comparison)."""

    @guarded
    def on_compare_start(candidate: str | None, name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        candidate = text_arg(candidate, "candidate version")
        return compare_call(ctx, lambda who: start_comparison(ctx, who, candidate), name, request, profile)

    @guarded
    def on_compare_stop(name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        return compare_call(ctx, lambda who: stop_comparison(ctx, who), name, request, profile)

    @guarded
    def on_compare_status(name: str, request: gr.Request, profile: gr.OAuthProfile | None):
        return compare_call(ctx, lambda who: comparison_status(ctx, who), name, request, profile)

    @guarded
    def on_candidates():
        rows, _fig, _line = model_versions(ctx)
        served = ctx.model_version if ctx.ready else ""
        return gr.Dropdown(choices=[r[0] for r in rows if r[0] != served] + (["v0"] if served != "v0" else []))

    compare_outs = [c.compare_status, c.compare_table, c.compare_json]
    c.compare_start_button.click(on_compare_start, [c.candidate, page.annotator], compare_outs,
                                 api_name="compare_start")
    c.compare_stop_button.click(on_compare_stop, [page.annotator], compare_outs, api_name="compare_stop")
    c.compare_refresh_button.click(on_compare_status, [page.annotator], compare_outs, api_name="compare_status")
    c.tab.select(on_candidates, None, [c.candidate], api_visibility="private")
    c.tab.select(on_compare_status, [page.annotator], compare_outs, api_visibility="private")
    for done in changed:  # new versions to pick; a promotion ends a comparison
        done.success(on_candidates, None, [c.candidate], api_visibility="private")
        done.success(on_compare_status, [page.annotator], compare_outs, api_visibility="private")

"""The Labels tab: counts per label, annotator, item and over time, agreement, and the export
(admins). Plain functions first; `build` lays out the tab and wires them to it.

API: /label_stats, /export_labels.
"""
from __future__ import annotations

import datetime as dt
import logging
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ..labels.store import StoreUnavailable
from .boundary import guarded, text_arg
from .context import AppContext
from .header import Page
from .identity import Identity, NotAllowed
from .ratings import FeedbackInputError
from .text import one_line, plotly_text
from .ui_text import t

logger = logging.getLogger(__name__)

LABEL_COLUMNS = ["label", "count"]
ITEM_COLUMNS = ["item_id", "title", "👍", "👎"]


def label_stats(ctx: AppContext) -> dict:
    """Counts per annotator, label and item, the timeline, and agreement (LabelStore.stats), and
    what waits in the outbox (``outbox``: labels/outbox.py Pending).  While the label store does
    not answer, the counts are empty and ``unavailable`` is True."""
    try:
        if not ctx.outbox.online:
            raise StoreUnavailable(0)
        st = ctx.store.stats()
        st["unavailable"] = False
    except StoreUnavailable:
        st = {"total": 0, "by_label": {"1": 0, "-1": 0, "0": 0}, "by_annotator": {}, "by_item": {},
              "agreement": {"items_overlapping": 0, "annotators": 0, "krippendorff_alpha": None,
                            "fleiss_kappa": None, "percent_agreement": None}, "unavailable": True}
    st["outbox"] = ctx.outbox.pending()
    return st


def outbox_markdown(stats: dict) -> str:
    """What waits on this server for the label store ("" when nothing does)."""
    lines = []
    if stats.get("unavailable"):
        lines.append("⚠️ **The label store is not answering**: counts show again when it does. "
                     "Ratings given meanwhile are kept on this server.")
    box = stats.get("outbox")
    if box is not None and box.count:
        what = " and ".join(f"{n} {noun}" for n, noun in ((box.labels, "rating(s)"), (box.judgements, "grade(s)")) if n)
        lines.append(f"⏳ **{what} wait on this server** for the label store (oldest from "
                     f"{box.oldest[:19].replace('T', ' ')} UTC); they are saved there as soon as it answers.")
    if box is not None and box.rejected:
        lines.append(f"⚠️ {box.rejected} kept rating(s) or grade(s) were refused by the label store (see the log).")
    return "\n\n".join(lines)


def stats_figures(ctx: AppContext, stats: dict | None = None):
    """(labels per annotator, labels over time) as Plotly figures."""
    import plotly.graph_objects as go

    stats = stats or label_stats(ctx)
    by_ann = stats["by_annotator"]
    f1 = go.Figure(go.Bar(x=list(by_ann.values()), y=[plotly_text(one_line(a, 30)) for a in by_ann], orientation="h",
                          marker_color="#2a6fdb", hovertemplate="%{y}: %{x} labels<extra></extra>"))
    f1.update_yaxes(autorange="reversed")
    f1.update_layout(title="Labels per annotator", height=120 + 28 * max(1, len(by_ann)), template="plotly_white",
                     margin={"l": 10, "r": 10, "t": 50, "b": 10})
    freq = "h" if stats["total"] < 5000 else "D"
    bucket_ms = 3_600_000 if freq == "h" else 86_400_000
    try:
        tl = ctx.store.timeline(freq) if not stats.get("unavailable") else []
    except StoreUnavailable:
        tl = []
    f2 = go.Figure()
    if len(tl):
        t0, t1 = tl["time"].min(), tl["time"].max()
        pad = dt.timedelta(milliseconds=bucket_ms)
        f2.update_xaxes(range=[(t0 - pad).isoformat(), (t1 + 2 * pad).isoformat()], type="date")
        times = [t.isoformat() for t in tl["time"]]
        for col, color, name in (("up", "#2bb39a", "👍 up"), ("down", "#d64545", "👎 down"),
                                 ("retracted", "#a0aec0", "retracted")):
            f2.add_trace(go.Bar(x=times, y=tl[col].tolist(), name=name, marker_color=color, width=0.8 * bucket_ms))
        f2.add_trace(go.Scatter(x=times, y=tl["cumulative"].tolist(), name="all so far", yaxis="y2",
                                line={"color": "#4a5568"}))
    f2.update_layout(title=f"Labels over time (per {'hour' if freq == 'h' else 'day'})", barmode="stack", height=320,
                     template="plotly_white", margin={"l": 10, "r": 10, "t": 50, "b": 10},
                     legend={"orientation": "h", "y": -0.25},
                     yaxis={"title": "labels"}, yaxis2={"overlaying": "y", "side": "right", "title": "total"})
    return f1, f2


def stats_tables(ctx: AppContext, stats: dict) -> tuple[list[list], list[list], str]:
    """(rows per label, rows per item (most rated first), the agreement sentence)."""
    by_label = stats["by_label"]
    label_rows = [["👍 up", by_label.get("1", 0)], ["👎 down", by_label.get("-1", 0)],
                  ["retracted", by_label.get("0", 0)], ["total", stats["total"]]]
    items = sorted(stats["by_item"].items(), key=lambda kv: -(kv[1]["up"] + kv[1]["down"]))[:100]
    titles = ctx.item_titles(iid for iid, _ in items)
    item_rows = [[iid, one_line(titles.get(iid, ""), 50), c["up"], c["down"]] for iid, c in items]
    a = stats["agreement"]

    def f(x):
        return "—" if x is None else f"{x:.2f}"

    if a["items_overlapping"]:
        agree = (f"**Agreement** over {a['items_overlapping']} item(s) rated by two or more of {a['annotators']} "
                 f"annotators: Krippendorff's α = {f(a['krippendorff_alpha'])}, Fleiss' κ = {f(a['fleiss_kappa'])}, "
                 f"raw agreement = {f(a['percent_agreement'])}.")
    else:
        agree = ("**Agreement**: not defined yet — no item has been rated 👍/👎 by two or more annotators "
                 "(0 items overlapping).")
    waiting = outbox_markdown(stats)
    return label_rows, item_rows, (f"{waiting}\n\n{agree}" if waiting else agree)


def export_labels(ctx: AppContext, fmt: str, who: Identity) -> str:
    """Admins only (identity.NotAllowed otherwise): the labels as JSONL/CSV/Parquet (images beside
    it, zipped when any)."""
    ctx.access.require_admin(who, "export labels")
    fmt = (fmt or "jsonl").lower()
    if fmt not in ("jsonl", "csv", "parquet"):
        raise FeedbackInputError(f"format must be jsonl, csv or parquet, got {fmt!r}")
    out_dir = Path(tempfile.mkdtemp(prefix="mmcrec-export-"))
    out = out_dir / f"labels.{fmt}"
    n = ctx.store.export(out, fmt)
    images = out_dir / "images"
    if images.is_dir() and any(images.iterdir()):
        zpath = out_dir / f"labels-{fmt}.zip"
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(out, out.name)
            for p in sorted(images.iterdir()):
                z.write(p, f"images/{p.name}")
        logger.info("exported %d labels to %s", n, zpath)
        return str(zpath)
    logger.info("exported %d labels to %s", n, out)
    return str(out)


# ----------------------------------------------------------------------------- the tab


@dataclass
class LabelsTab:
    """The tab's components: what its events read and write."""

    tab: gr.Tab
    refresh_button: gr.Button
    agreement: gr.Markdown
    by_label: gr.Dataframe
    per_annotator: gr.Plot
    over_time: gr.Plot
    by_item: gr.Dataframe
    export_format: gr.Radio
    export_button: gr.Button
    export_file: gr.File


def build(ctx: AppContext, page: Page) -> LabelsTab:
    """Lay out the tab and wire it: the counts refresh on opening it and on the button; the export
    is for admins (checked by export_labels)."""
    c = lay_out()

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

    stats_outs = [c.agreement, c.by_label, c.per_annotator, c.over_time, c.by_item]
    c.refresh_button.click(on_stats, None, stats_outs, api_name="label_stats")
    c.tab.select(on_stats, None, stats_outs, api_visibility="private")
    c.export_button.click(on_export, [c.export_format, page.annotator], [c.export_file], api_name="export_labels")
    return c


def lay_out() -> LabelsTab:
    with gr.Tab(t("tab_labels"), id="labels") as tab:
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
    return LabelsTab(tab, stats_btn, agree_md, by_label, ann_plot, time_plot, by_item, fmt, export_btn, export_file)

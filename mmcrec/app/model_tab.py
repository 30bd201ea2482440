"""The Model tab (admins): train the next model on the app's labels, compare it with the served
one on held-out sessions, promote a version (served at once, no restart), roll back. The live
comparison with shoppers (interleaving) is compare.py; a promotion cites its result."""
from __future__ import annotations

import copy
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from . import compare
from .context import AppContext, header_markdown
from .identity import Identity
from .model_check import ModelTabError, check_compatible
from .text import md_escape

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
            shadow._cache = OrderedDict()
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

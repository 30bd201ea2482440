"""What a training run returns (TrainResult), and the current-vs-new table printed from it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import Model


@dataclass
class TrainResult:
    """One training run: the version saved, current vs new, and the verdict (train_next)."""

    version: str
    model_dir: Path
    parent: str
    promotable: bool
    rows: list[dict]  # {"set", "kind", "metric", "current", "new"} for the table
    metrics: dict  # {"heldout": {"current": {...}, "new": {...}}, "queries": {...}}
    history: list[dict]  # metrics by version, for a chart
    counts: dict
    seconds: float
    table: str = ""
    model: Model | None = None
    verdict: str = ""  # the verdict in words: the gain with its interval, or why there is none


METRIC_NAMES = {"auc": "AUC up>down", "ndcg": "NDCG@10", "mrr": "MRR", "recall": "Recall@10"}


def fmt_metric(x: float | None) -> str:
    return "-" if x is None else f"{float(x):.3f}"


def comparison_rows(res: TrainResult) -> list[list]:
    """Current vs new per (set, kind, metric): [set, kind, n, metric name, current, new, Δ] as text."""
    rows = []
    for r in res.rows:
        d = None if r["current"] is None or r["new"] is None else r["new"] - r["current"]
        rows.append([r["set"], r["kind"], r.get("n", ""), METRIC_NAMES.get(r["metric"], r["metric"]),
                     fmt_metric(r["current"]), fmt_metric(r["new"]), "-" if d is None else f"{d:+.3f}"])
    return rows


def format_result(res: TrainResult) -> str:
    lines = [f"| set | kind | n | metric | current ({res.parent}) | new ({res.version}) | Δ |", "|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in comparison_rows(res)]
    c = res.counts
    lines.append("")
    lines.append(f"labels: {c['labels']} ({c['up']} up, {c['down']} down) in {c['dialogues']} dialogues from {c['sessions']} sessions; "
                 f"trained on {c['train_sessions']} sessions, held out {c['heldout_sessions']}; {res.seconds:.1f}s")
    if res.model is not None:
        lines.append("learned: " + learned_line(res.model.card))
    lines.append(f"{res.version}: {'PROMOTABLE' if res.promotable else 'not promotable'} against {res.parent}: {res.verdict}")
    return "\n".join(lines)


def learned_line(card: dict) -> str:
    """What the new version took from the labels, in one line (from its card), e.g. "trained
    scalars and bridge kept (...); no click-through expansion (...); the shoppers' photo style
    from 9 photos"."""
    exp, photo = card.get("expansion") or {}, card.get("photo_centring") or {}
    parts = ["trained scalars and bridge " + ("kept (validation sessions ranked clearly better)" if exp.get("trained_scalars_kept")
                                                else "not kept (validation sessions did not rank clearly better)")]
    if exp.get("pull") or exp.get("push"):
        parts.append(f"click-through expansion on {exp.get('items', 0)} items (λ {exp['pull']}, μ {exp['push']})")
    else:
        parts.append("no click-through expansion (cross-validation chose none)")
    if photo.get("kept"):
        parts.append(f"the shoppers' photo style from {photo['photos']} photos")
    mem = card.get("memory") or {}
    if mem.get("entries"):
        fit = mem.get("fit") or {}
        parts.append(f"a label memory of {mem['entries']} labelled requests (similarity ≥ {mem['threshold']}, "
                     f"strength {mem['strength']}, fitted on {fit.get('sessions', '?')} training sessions)")
    elif mem:
        parts.append(f"no label memory ({mem.get('why', 'none')})")
    return "; ".join(parts)


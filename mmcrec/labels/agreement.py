"""Inter-annotator agreement over items rated by several annotators.

Krippendorff's alpha (nominal for thumbs; ordinal and interval for graded campaign judgements),
Fleiss' kappa (for varying numbers of raters) and the share of
agreeing rater pairs.  numpy is imported where a number is computed.
"""
from __future__ import annotations

from typing import Any, Iterable

from .schema import Label


def item_units(labels: Iterable[Label]) -> dict[str, dict[str, int]]:
    """``{item_id: {annotator: label}}`` for items that at least two annotators rated with a
    non-zero label, taking each annotator's latest non-zero label per item (by created_at)."""
    latest: dict[tuple[str, str], tuple[str, int]] = {}  # (item, annotator) -> (time, label)
    for lab in labels:
        if lab.target != "item" or lab.label == 0:
            continue
        key = (lab.item_id, lab.annotator)
        prev = latest.get(key)
        if prev is None or lab.created_at >= prev[0]:
            latest[key] = (lab.created_at, lab.label)
    per_item: dict[str, dict[str, int]] = {}
    for (item, annotator), (_, value) in latest.items():
        per_item.setdefault(item, {})[annotator] = value
    return {item: r for item, r in per_item.items() if len(r) >= 2}


#: Krippendorff's difference functions: which disagreements count, and how much
ALPHA_LEVELS = ("nominal", "ordinal", "interval")


def krippendorff_alpha(data: Any, level: str = "nominal") -> float | None:
    """Krippendorff's alpha at a level of measurement: ``nominal`` (any difference counts the
    same), ``ordinal`` (differences weighted by how many values lie between) or ``interval``
    (squared difference of the values).

    ``data`` is a raters x units matrix (list of lists or array) of values with ``None``/NaN for
    a missing rating; units rated by fewer than two raters are ignored.  Returns None when alpha
    is undefined (fewer than two pairable values, or a single value used throughout).
    """
    import numpy as np  # noqa: PLC0415

    if level not in ALPHA_LEVELS:
        raise ValueError(f"unknown level {level!r} (use {', '.join(ALPHA_LEVELS)})")
    arr = np.array(
        [[np.nan if v is None else float(v) for v in row] for row in data], dtype=float
    )
    if arr.ndim != 2 or arr.size == 0:
        return None
    cats = np.unique(arr[~np.isnan(arr)])
    if cats.size == 0:
        return None
    # counts[u, c]: how many raters gave unit u value c
    counts = np.stack([(arr == c).sum(axis=0) for c in cats], axis=1).astype(float)
    m = counts.sum(axis=1)
    counts = counts[m >= 2]
    m = m[m >= 2]
    if counts.shape[0] == 0:
        return None
    # coincidence matrix o[c, k] = sum_u (n_uc n_uk - [c=k] n_uc) / (m_u - 1)
    weighted = counts / (m - 1)[:, None]
    o = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n <= 1:
        return None
    if level == "nominal":
        delta = 1.0 - np.eye(cats.size)
    elif level == "interval":
        delta = (cats[:, None] - cats[None, :]) ** 2
    else:  # ordinal: the values from c to k, less half of each end, squared
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        lo, hi = np.minimum.outer(np.arange(cats.size), np.arange(cats.size)), \
            np.maximum.outer(np.arange(cats.size), np.arange(cats.size))
        delta = (cum[hi + 1] - cum[lo] - (n_c[lo] + n_c[hi]) / 2) ** 2
    expected = (np.outer(n_c, n_c) * delta).sum()
    if expected == 0:
        return None
    return float(1.0 - (n - 1) * (o * delta).sum() / expected)


def krippendorff_alpha_nominal(data: Any) -> float | None:
    """Krippendorff's alpha for nominal data (see :func:`krippendorff_alpha`)."""
    return krippendorff_alpha(data, "nominal")


def fleiss_kappa(counts: Any) -> float | None:
    """Fleiss' kappa from a units x categories count table; rows may have different
    numbers of raters (each ≥ 2; others are dropped).  None when undefined."""
    rated = _pair_agreement(counts)
    if rated is None:
        return None
    c, n, p_i = rated
    p_bar = p_i.mean()
    p_j = c.sum(axis=0) / n.sum()
    p_e = (p_j ** 2).sum()
    if p_e >= 1.0:
        return None
    return float((p_bar - p_e) / (1.0 - p_e))


def percent_agreement(counts: Any) -> float | None:
    """Mean share of agreeing rater pairs per unit (units x categories counts)."""
    rated = _pair_agreement(counts)
    return None if rated is None else float(rated[2].mean())


def _pair_agreement(counts: Any):
    """(counts, raters, share of agreeing rater pairs) per unit rated at least twice; None if no unit is."""
    import numpy as np  # noqa: PLC0415

    c = np.asarray(counts, dtype=float)
    if c.ndim != 2 or c.size == 0:
        return None
    n = c.sum(axis=1)
    c, n = c[n >= 2], n[n >= 2]
    if c.shape[0] == 0:
        return None
    return c, n, ((c ** 2).sum(axis=1) - n) / (n * (n - 1))


def agreement(units: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Agreement block of :meth:`LabelStore.stats` from ``{unit: {annotator: label}}``."""
    annotators = sorted({a for r in units.values() for a in r})
    out: dict[str, Any] = {
        "items_overlapping": len(units),
        "annotators": len(annotators),
        "krippendorff_alpha": None,
        "fleiss_kappa": None,
        "percent_agreement": None,
    }
    if not units:
        return out
    idx = {a: i for i, a in enumerate(annotators)}
    items = sorted(units)
    matrix: list[list[float | None]] = [[None] * len(items) for _ in annotators]
    counts = []
    for j, item in enumerate(items):
        row = [0, 0]
        for a, v in units[item].items():
            matrix[idx[a]][j] = v
            row[0 if v == 1 else 1] += 1
        counts.append(row)
    out["krippendorff_alpha"] = _round(krippendorff_alpha_nominal(matrix))
    out["fleiss_kappa"] = _round(fleiss_kappa(counts))
    out["percent_agreement"] = _round(percent_agreement(counts))
    return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 6)

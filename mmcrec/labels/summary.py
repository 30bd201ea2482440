"""What the labels say, for the Labels tab and `mmcrec feedback stats`: counts by label,
annotator and item, inter-annotator agreement, and events over time."""
from __future__ import annotations

from typing import Any

from .agreement import agreement, item_units


def label_stats(labs: list) -> dict[str, Any]:
    """Counts over the latest value of each label_id, and inter-annotator agreement.

    ``agreement`` is computed over items (target=item) that at least two annotators
    rated with a non-zero label, taking each annotator's latest non-zero label per
    item.  ``percent_agreement`` is the mean share of agreeing rater pairs per item,
    ``fleiss_kappa`` the Fleiss kappa generalised to varying numbers of raters,
    ``krippendorff_alpha`` nominal Krippendorff alpha; each is None when undefined.
    """
    by_label = {"1": 0, "-1": 0, "0": 0}
    by_annotator: dict[str, int] = {}
    by_item: dict[str, dict[str, int]] = {}
    for lab in labs:
        by_label[str(lab.label)] = by_label.get(str(lab.label), 0) + 1
        by_annotator[lab.annotator] = by_annotator.get(lab.annotator, 0) + 1
        if lab.target != "item":
            continue
        counts = by_item.setdefault(lab.item_id, {"up": 0, "down": 0})
        if lab.label == 1:
            counts["up"] += 1
        elif lab.label == -1:
            counts["down"] += 1
    return {
        "total": len(labs),
        "by_label": by_label,
        "by_annotator": dict(sorted(by_annotator.items())),
        "by_item": dict(sorted(by_item.items())),
        "agreement": agreement(item_units(labs)),
    }


def label_timeline(events: list[dict], freq: str = "h"):
    """Events per time bucket as a pandas DataFrame with columns
    ``time`` (bucket start, UTC), ``up``, ``down``, ``retracted``, ``total`` and
    ``cumulative`` (events so far), ready for ``plotly.express.line(df, x="time", ...)``."""
    import pandas as pd  # noqa: PLC0415

    cols = ["time", "up", "down", "retracted", "total", "cumulative"]
    if not events:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in cols}).assign(
            time=pd.Series(dtype="datetime64[ns, UTC]"))
    df = pd.DataFrame(events)
    df["time"] = pd.to_datetime(df["created_at"], utc=True, format="ISO8601")
    df["up"] = (df["label"] == 1).astype("int64")
    df["down"] = (df["label"] == -1).astype("int64")
    df["retracted"] = (df["label"] == 0).astype("int64")
    df["total"] = 1
    out = (df.set_index("time")[["up", "down", "retracted", "total"]]
           .resample(freq).sum().astype("int64").reset_index())
    out["cumulative"] = out["total"].cumsum()
    return out[cols]

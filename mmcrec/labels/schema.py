"""What a label is (docs/contracts.md §4): its fields, its id, and how values are checked and normalised.

Nothing here touches a database or a file, so every backend and every file format shares it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from ..clock import format_utc, utc_now
from ..plain_text import unstorable

#: docs/contracts.md §4 fields, in export column order
FIELDS: tuple[str, ...] = (
    "label_id",
    "session_id",
    "annotator",
    "created_at",
    "model_version",
    "catalog_id",
    "turns",
    "image_sha256",
    "image_path",
    "item_id",
    "rank",
    "score",
    "alpha",
    "target",
    "label",
    "placed_by",
    "image_turn",
)
#: one row of the append-only history, as :meth:`LabelStore.events` returns it
EVENT_FIELDS: tuple[str, ...] = (
    "event_id", "label_id", "label", "created_at", "recorded_at", "annotator",
    "session_id", "target", "item_id", "source",
)
TARGETS = ("item", "reply")
LABEL_VALUES = (-1, 0, 1)
#: folder (beside the database, and beside an exported file) of the images labels refer to
IMAGES_DIR = "images"

_TEXT_FIELDS = ("label_id", "session_id", "annotator", "model_version", "catalog_id",
                "item_id", "image_sha256", "image_path", "placed_by")


class FeedbackError(ValueError):
    """Bad label, bad file or unusable label store; nothing was written."""


def normalize_time(value: Any) -> str:
    """ISO 8601 text (or datetime / pandas Timestamp) -> ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` UTC.

    A time without zone is taken as UTC.  Empty -> now.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return utc_now()
    if isinstance(value, datetime):  # also pandas.Timestamp
        dt = value
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise FeedbackError(f"created_at is not an ISO 8601 time: {value!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return format_utc(dt)


def is_missing(value: Any) -> bool:
    """None, NaN, NaT, pandas NA or blank text (without importing pandas)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, bytes)):
        return False
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)  # NaN
    except (TypeError, ValueError):
        return False


def to_str(value: Any) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        # an item id read back as a number by some tool; keep "7", not "7.0"
        return str(int(value))
    return str(value).strip()


def to_int(value: Any, name: str) -> int | None:
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return int(value)
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise FeedbackError(f"{name} must be an integer, got {value!r}") from None
    if not f.is_integer():
        raise FeedbackError(f"{name} must be an integer, got {value!r}")
    return int(f)


def to_float(value: Any, name: str) -> float | None:
    if is_missing(value):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise FeedbackError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(f):
        return None
    return f


def to_turns(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                raise FeedbackError(f"turns is not a JSON list: {value[:80]!r}") from None
            return to_turns(parsed)
        return [value]
    if hasattr(value, "tolist"):  # numpy array from parquet/pandas
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        out = []
        for t in value:
            if not isinstance(t, str):
                if t is None:
                    raise FeedbackError("turns must hold strings, got None")
                t = str(t)
            out.append(t)
        return out
    if isinstance(value, float) and math.isnan(value):
        return []
    raise FeedbackError(f"turns must be a list of strings, got {type(value).__name__}")


def make_label_id(
    session_id: str,
    annotator: str,
    target: str,
    key: str | int,
    turns: Iterable[str],
    *,
    image_sha256: str = "",
) -> str:
    """Stable id of "this annotator rated this item/reply in this conversation state".

    ``key`` is the item_id for ``target="item"`` and the reply index for ``target="reply"``.
    The same arguments always give the same 32-hex id, so a retried or double-clicked
    rating is the same label and a later click on the same thing replaces its value.
    ``image_sha256`` (optional) makes a different uploaded image a different state; when
    empty the id is the same as without it.
    """
    parts = [
        str(session_id or ""),
        str(annotator or "").strip(),
        str(target or ""),
        str(key),
        [str(t) for t in (turns or [])],
    ]
    if image_sha256:
        parts.append(str(image_sha256))
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


@dataclass
class Label:
    """One relevance label (docs/contracts.md §4).

    For ``target="reply"`` ``item_id`` is empty and ``rank`` holds the reply index.
    ``label_id`` and ``created_at`` are filled by :meth:`LabelStore.record` when empty.
    In labels returned by a store ``image_path`` is an absolute path to the stored image.
    """

    label_id: str = ""
    session_id: str = ""
    annotator: str = ""
    created_at: str = ""
    model_version: str = ""
    catalog_id: str = ""
    turns: list[str] = field(default_factory=list)
    image_sha256: str = ""
    image_path: str = ""
    item_id: str = ""
    rank: int | None = None
    score: float | None = None
    alpha: float | None = None
    target: str = "item"
    label: int = 1
    #: in an interleaved comparison (mmcrec/interleave.py), the version that placed the item
    placed_by: str = ""
    #: 0-based index of the turn the image came with (None: no image, or not recorded)
    image_turn: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {name: getattr(self, name) for name in FIELDS}
        d["turns"] = list(self.turns)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Label":
        """Build a label from a dict (a file row); converts types, ignores unknown keys.

        Raises :class:`FeedbackError` for values that cannot be converted.
        """
        d = dict(data)
        label = to_int(d.get("label"), "label")
        created = d.get("created_at")
        return cls(
            label_id=to_str(d.get("label_id")),
            session_id=to_str(d.get("session_id")),
            annotator=to_str(d.get("annotator")),
            created_at=normalize_time(created) if isinstance(created, datetime) else to_str(created),
            model_version=to_str(d.get("model_version")),
            catalog_id=to_str(d.get("catalog_id")),
            turns=to_turns(d.get("turns")),
            image_sha256=to_str(d.get("image_sha256")).lower(),
            image_path=to_str(d.get("image_path")),
            item_id=to_str(d.get("item_id")),
            rank=to_int(d.get("rank"), "rank"),
            score=to_float(d.get("score"), "score"),
            alpha=to_float(d.get("alpha"), "alpha"),
            target=to_str(d.get("target")) or "item",
            label=1 if label is None and "label" not in d else label,  # type: ignore[arg-type]
            placed_by=to_str(d.get("placed_by")),  # optional: files written before it lack it
            image_turn=to_int(d.get("image_turn"), "image_turn"),  # optional, as placed_by
        )

    def key(self) -> str | int:
        """The ``key`` argument of :func:`make_label_id` for this label."""
        if self.target == "item":
            return self.item_id
        return self.rank if self.rank is not None else 0


def validate_label(lab: Label, known_items: set[str] | None = None, *,
                   require_annotator: bool = False) -> Label:
    """Checked and normalised copy of ``lab`` (label_id and created_at filled when empty);
    raises :class:`FeedbackError`."""
    if not isinstance(lab, Label):
        raise FeedbackError(f"expected a Label, got {type(lab).__name__}")
    lab = dataclasses.replace(lab, turns=to_turns(lab.turns))
    if lab.image_turn is not None and not (0 <= lab.image_turn < max(1, len(lab.turns))):
        raise FeedbackError(f"image_turn must name one of the label's {len(lab.turns)} turn(s) (0-based), "
                            f"got {lab.image_turn!r}")
    if isinstance(lab.label, bool) or lab.label not in LABEL_VALUES:
        raise FeedbackError(f"label must be 1, -1 or 0, got {lab.label!r}")
    lab.label = int(lab.label)
    if lab.target not in TARGETS:
        raise FeedbackError(f"target must be 'item' or 'reply', got {lab.target!r}")
    for name in _TEXT_FIELDS:
        value = getattr(lab, name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise FeedbackError(f"{name} must be a string, got {type(value).__name__}")
        setattr(lab, name, value.strip())
    # what no database keeps (PostgreSQL refuses NUL, UTF-8 has no lone surrogates): the same
    # answer from every backend (plain_text.py; the app cleans what it is sent by the same rule)
    for name in _TEXT_FIELDS:
        why = unstorable(getattr(lab, name))
        if why:
            raise FeedbackError(f"{name} contains {why}")
    for t in lab.turns:
        why = unstorable(t)
        if why:
            raise FeedbackError(f"turns contain {why}")
    if lab.target == "item" and not lab.item_id:
        raise FeedbackError("an item label needs an item_id")
    if lab.target == "item" and known_items is not None and lab.item_id not in known_items:
        raise FeedbackError(f"unknown item_id {lab.item_id!r} (not in the catalog)")
    if require_annotator and not lab.annotator:
        raise FeedbackError("an annotator name is required")
    lab.rank = to_int(lab.rank, "rank")
    lab.score = to_float(lab.score, "score")
    lab.alpha = to_float(lab.alpha, "alpha")
    lab.created_at = normalize_time(lab.created_at)
    lab.image_sha256 = lab.image_sha256.lower()
    if lab.image_sha256 and (
        len(lab.image_sha256) != 64 or any(c not in "0123456789abcdef" for c in lab.image_sha256)
    ):
        raise FeedbackError(f"image_sha256 is not a sha256 hex digest: {lab.image_sha256!r}")
    if not lab.label_id:
        lab.label_id = make_label_id(lab.session_id, lab.annotator, lab.target, lab.key(),
                                     lab.turns)
    return lab


def same_label(a: Label, b: Label) -> bool:
    """Equal in every field but where the image file lies."""
    da, db = a.to_dict(), b.to_dict()
    da.pop("image_path")
    db.pop("image_path")
    return da == db

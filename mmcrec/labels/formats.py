"""Label files in and out: JSONL, CSV and Parquet with the docs/contracts.md §4 columns.

Files are written whole to a temporary file and renamed into place, so a reader never sees half
a file.  pyarrow is imported only where Parquet is read or written.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..paths import atomic_write
from .schema import FIELDS, FeedbackError

FORMATS = ("jsonl", "csv", "parquet")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def file_format(path: Path, fmt: str | None) -> str:
    """``fmt`` (jsonl, csv, parquet; json/ndjson/pq accepted), else the one ``path``'s extension names."""
    if fmt:
        f = fmt.lower().lstrip(".")
        f = {"json": "jsonl", "ndjson": "jsonl", "pq": "parquet"}.get(f, f)
        if f not in FORMATS:
            raise FeedbackError(f"unknown format {fmt!r} (use jsonl, csv or parquet)")
        return f
    f = _EXTENSIONS.get(path.suffix.lower())
    if f is None:
        raise FeedbackError(
            f"cannot tell the format of {path.name!r} from its extension "
            "(use .jsonl, .csv or .parquet, or give a format)"
        )
    return f


def write_rows(out: Path, fmt: str, rows: list[dict[str, Any]]) -> None:
    """``rows`` (label dicts, FIELDS order) into ``out`` as ``fmt``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
        atomic_write(out, data)
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(FIELDS), lineterminator="\n")
        w.writeheader()
        for r in rows:
            r = dict(r)
            r["turns"] = json.dumps(r["turns"], ensure_ascii=False)  # a list in one cell
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})
        atomic_write(out, buf.getvalue().encode("utf-8"))
    else:
        _write_parquet(out, rows)


def read_rows(src: Path, fmt: str) -> list[dict[str, Any]]:
    """The rows of a label file as dicts (values not yet checked)."""
    if fmt == "jsonl":
        rows = []
        with src.open("r", encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise FeedbackError(f"{src.name} line {n}: not JSON ({exc.msg})") from None
        return rows
    if fmt == "csv":
        with src.open("r", encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in ("label_id", "label") if c not in (reader.fieldnames or [])]
            if missing:
                raise FeedbackError(f"{src.name}: missing column(s) {', '.join(missing)}")
            return [dict(r) for r in reader]
    import pyarrow.parquet as pq  # noqa: PLC0415

    return pq.read_table(src).to_pylist()


def _parquet_schema():
    import pyarrow as pa  # noqa: PLC0415

    # every §4 field is text unless listed here, so a new field needs no edit in this file
    typed = {"turns": pa.list_(pa.string()), "rank": pa.int64(), "score": pa.float64(),
             "alpha": pa.float64(), "label": pa.int64(), "image_turn": pa.int64()}
    return pa.schema([(name, typed.get(name, pa.string())) for name in FIELDS])


def _write_parquet(out: Path, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pa.Table.from_pylist(rows, schema=_parquet_schema())
    buf = pa.BufferOutputStream()
    pq.write_table(table, buf)
    atomic_write(out, buf.getvalue().to_pybytes())

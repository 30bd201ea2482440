"""The product catalog: load CSV / JSONL / Parquet, validate rows, resolve images safely.

Bad rows are reported with their 1-based data row number and dropped; the catalog loads
without them unless none is left (docs/contracts.md §1).
"""
from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from . import settings
from .images import ImageError, open_image

REQUIRED = ("item_id", "title", "image")
KNOWN = ("item_id", "title", "image", "description", "category", "price", "color")
# Reading every image header is cheap for a demo catalog and slow for a million rows;
# above this size unreadable images are found (and reported) while indexing instead.
VERIFY_IMAGES_UP_TO = 20_000


class CatalogError(ValueError):
    """The catalog cannot be used at all (missing file, no valid rows, missing columns)."""


@dataclass
class RowIssue:
    row: int  # 1-based data row (header excluded), as a spreadsheet user counts
    item_id: str
    message: str

    def __str__(self) -> str:
        ident = f" ({self.item_id})" if self.item_id else ""
        return f"row {self.row}{ident}: {self.message}"


@dataclass
class Catalog:
    path: Path
    items: pd.DataFrame  # one row per valid item, index 0..n-1, image resolved to path or URL
    issues: list[RowIssue] = field(default_factory=list)
    catalog_id: str = ""

    def __len__(self) -> int:
        return len(self.items)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def ids(self) -> list[str]:
        return self.items["item_id"].tolist()

    @property
    def attributes(self) -> list[str]:
        """Columns beyond item_id/title/image: shown and searchable."""
        return [c for c in self.items.columns if c not in ("item_id", "title", "image") and not c.startswith("_")]

    def position(self, item_id: str) -> int:
        return int(self._positions[item_id])

    @property
    def _positions(self) -> dict[str, int]:
        if not hasattr(self, "_pos_cache"):
            self._pos_cache = {iid: i for i, iid in enumerate(self.items["item_id"])}
        return self._pos_cache

    def item(self, i: int) -> dict:
        return {k: _python_value(col[i]) for k, col in self._columns.items()}

    @property
    def _columns(self) -> dict:
        """The public columns' arrays, read element by element: a row as a pandas Series (iloc)
        costs far more than the few values it holds."""
        cached = getattr(self, "_columns_cache", None)
        if cached is None or cached[0] is not self.items:
            cols = {k: self.items[k].array for k in self.items.columns if not str(k).startswith("_")}
            cached = self._columns_cache = (self.items, cols)
        return cached[1]

    def row_number(self, i: int) -> int:
        """Item i's 1-based data row in the catalog file (as RowIssue counts rows)."""
        return int(self.items["_row"].iat[i]) if "_row" in self.items.columns else i + 1

    def item_text(self, i: int) -> str:
        return self.items["_text"].iat[i]

    def texts(self) -> list[str]:
        return self.items["_text"].tolist()

    def row_keys(self) -> list[str]:
        """A content hash per row (text + image reference) so a changed row re-embeds."""
        return self.items["_key"].tolist()

    def load_image(self, i: int) -> Image.Image:
        return open_image(self.items["image"].iat[i])


def _python_value(v):
    if isinstance(v, (np.generic,)):
        return v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _is_url(s: str) -> bool:
    return s.startswith("http://") or s.startswith("https://")


def item_text(row: dict, attributes: list[str]) -> str:
    """The text an encoder sees for an item: title, description, then attributes."""
    parts = [str(row["title"]).strip()]
    desc = row.get("description")
    if isinstance(desc, str) and desc.strip():
        parts.append(desc.strip())
    attrs = []
    for col in attributes:
        if col in ("description", "price"):
            continue
        v = row.get(col)
        if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
            continue
        attrs.append(f"{col}: {v}")
    if attrs:
        parts.append("; ".join(attrs))
    return ". ".join(parts)


def read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            # keep ids as strings: "007" must stay "007"
            return pd.read_csv(path, dtype=str, keep_default_na=False)
        if suffix in (".jsonl", ".ndjson"):
            return pd.read_json(path, lines=True, dtype=False)
        if suffix == ".parquet":
            return pd.read_parquet(path)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, OSError) as e:
        raise CatalogError(f"{path}: cannot read as {suffix[1:]}: {str(e).splitlines()[0]}") from e
    raise CatalogError(f"{path}: unknown catalog format {suffix!r} (use .csv, .jsonl or .parquet)")


def resolve_image(ref: str, root: Path, *, allow_outside: bool = False) -> str:
    """Resolve an image reference to an absolute path (inside root unless allowed) or a URL."""
    ref = ref.strip()
    if _is_url(ref):
        return ref
    if "\x00" in ref:
        raise ImageError("image path contains a NUL byte")
    p = Path(ref)
    if p.is_absolute() and not allow_outside:
        raise ImageError("absolute image paths are not allowed (use --allow-outside-images)")
    full = (root / p).resolve()  # resolves symlinks too
    root_real = root.resolve()
    if not allow_outside and full != root_real and root_real not in full.parents:
        raise ImageError(f"image path {ref!r} leaves the catalog folder")
    if not full.is_file():
        raise ImageError(f"image file not found: {ref}")
    return str(full)


def _col(df: pd.DataFrame, c: str) -> pd.Series:
    """A column as stripped strings, "" where missing (None, NaN, absent)."""
    if c not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype=object)
    return df[c].astype("string").fillna("").str.strip().astype(object)


def load_catalog(
    path: str | Path,
    *,
    verify_images: bool | None = None,
    allow_outside: bool | None = None,
) -> Catalog:
    """Load and validate a catalog; raise CatalogError if nothing usable is left.

    Checks run column-wise (a million rows load in seconds); each bad row is reported once,
    with the first problem found, in the order: id, duplicate, title, image, price, image file.
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError(f"catalog not found: {path}")
    if allow_outside is None:
        allow_outside = settings.current().allow_outside_images
    df = read_table(path)
    df.columns = [str(c).strip() for c in df.columns]
    if "colour" in df.columns and "color" not in df.columns:  # the British spelling is the same column
        df = df.rename(columns={"colour": "color"})
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise CatalogError(f"{path}: missing required column(s): {', '.join(missing)}")
    df = df.reset_index(drop=True)
    if verify_images is None:
        verify_images = len(df) <= VERIFY_IMAGES_UP_TO

    root = path.parent
    ids, titles, imgs = _col(df, "item_id"), _col(df, "title"), _col(df, "image")
    reason = pd.Series([""] * len(df), dtype=object)

    def flag(cond, msg) -> None:
        cond = cond & (reason == "")
        reason[cond] = msg if isinstance(msg, str) else msg[cond]

    flag(ids == "", "missing item_id")
    dup = ids.duplicated() & (ids != "")
    flag(dup, "duplicate item_id '" + ids + "'")
    flag(titles == "", "missing title")
    flag(imgs == "", "missing image")
    price = pd.Series(np.nan, index=df.index, dtype=float)
    if "price" in df.columns:
        raw = _col(df, "price")
        price = pd.to_numeric(raw, errors="coerce").astype(float)
        flag((raw != "") & price.isna(), "price is not a number: '" + raw + "'")
        flag(~np.isfinite(price.fillna(0)) | (price < 0), "price must be a number ≥ 0, got " + raw)

    # row by row from here, so plain arrays: a pandas item access costs ~50x more, a million times
    why = reason.to_numpy(copy=True)
    refs = imgs.to_numpy()
    resolved = np.full(len(df), "", dtype=object)
    seen_refs: dict[str, str | ImageError] = {}
    for i in np.flatnonzero(why == ""):
        ref = refs[i]
        if ref not in seen_refs:
            try:
                r = resolve_image(ref, root, allow_outside=allow_outside)
                if verify_images and not _is_url(r):
                    open_image(r, verify_only=True)
                seen_refs[ref] = r
            except ImageError as e:
                seen_refs[ref] = e
        r = seen_refs[ref]
        if isinstance(r, ImageError):
            why[i] = f"unreadable image: {r}"
        else:
            resolved[i] = r

    bad = np.flatnonzero(why != "")
    issues = [RowIssue(int(i) + 1, ids.iat[i], why[i]) for i in bad]
    good = why == ""
    if not good.any():
        detail = "; ".join(str(i) for i in issues[:5])
        raise CatalogError(f"{path}: no valid rows left ({len(issues)} bad: {detail})")

    items = pd.DataFrame({c: _col(df, c)[good].to_numpy() for c in df.columns if c not in ("price",)})
    items["item_id"], items["title"], items["image"] = ids[good].to_numpy(), titles[good].to_numpy(), resolved[good]
    items["price"] = price[good].to_numpy()
    for col in ("description", "category", "color"):
        if col not in items.columns:
            items[col] = ""
    items["category"] = items["category"].str.lower()
    items["color"] = items["color"].str.lower()
    attrs = [c for c in items.columns if c not in REQUIRED]
    # rows as dicts of the columns item_text reads, from object arrays (to_dict walks Arrow strings slowly)
    names = ["title", *attrs]
    columns = [items[c].to_numpy(dtype=object) for c in names]
    texts = [item_text(dict(zip(names, row)), attrs) for row in zip(*columns)]
    items["_text"] = texts
    stamps: dict[str, str] = {}  # items often share an image: read or stat each file once
    for ref in resolved[good]:
        if ref not in stamps:
            stamps[ref] = _image_stamp(ref, verify_images)
    items["_key"] = [
        hashlib.sha1(f"{t}\x1f{stamps[ref]}".encode()).hexdigest()[:20]
        for t, ref in zip(texts, items["image"])
    ]
    items["_row"] = np.flatnonzero(good) + 1  # the item's row in the file, for messages after rows were dropped
    catalog_id = hashlib.sha1("\n".join(items["_key"]).encode()).hexdigest()[:12]
    return Catalog(path=path.resolve(), items=items, issues=issues, catalog_id=catalog_id)


def _image_stamp(ref: str, by_content: bool) -> str:
    """Identifies an image: its bytes' hash for catalogs we read anyway, else size + mtime."""
    if _is_url(ref):
        return ref
    if by_content:
        return hashlib.sha1(Path(ref).read_bytes()).hexdigest()
    st = os.stat(ref)
    return f"{ref}:{st.st_size}:{st.st_mtime_ns}"


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and math.isnan(v):
        return ""
    return str(v).strip()

"""The label store: what every backend implements, and everything that needs no SQL.

A backend (``sqlite.py``, ``postgres.py``) keeps two tables — ``labels`` (the current value of
each label_id) and ``events`` (append-only, one row per change of a value) — and answers the few
primitives marked abstract below.  :class:`LabelStore` builds the rest on them: validation,
images stored by content hash, the merge rules of :meth:`LabelStore.record` and
:meth:`LabelStore.import_file`, export, stats and the timeline.  The app and the command line
only ever use this class's public methods, so a new backend changes neither.

Images live in a folder by SHA-256 (``images/<sha256>.<ext>``); inside the tables a label's
``image_path`` is ``images/<file>``, and labels handed out carry the absolute path.  A backend
whose database is shared by several machines also keeps the bytes in the database
(:meth:`LabelTransaction.keep_images`, :meth:`LabelStore._fetch_images`); the folder is then a
local copy, filled on demand.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import re
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence, TypeVar

from .. import settings
from ..clock import utc_now
from ..paths import atomic_write
from .summary import label_stats, label_timeline
from .formats import file_format, read_rows, write_rows
from .schema import FIELDS, IMAGES_DIR, FeedbackError, Label, is_missing, same_label, to_str, validate_label
from .sync import start_sync

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: seconds one label write (record, retract, a campaign judgement) or a lookup of a few labels
#: may take, whatever the database does (down, restarting, frozen): the backend gives up with
#: :class:`StoreUnavailable` by then.  ``call_bound_s=`` (open_store) overrides it per store.
STORE_CALL_BOUND_S = 5.0

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


class StoreUnavailable(FeedbackError):
    """The label store did not answer in time (down, restarting, frozen, unreachable): nothing is
    known to be written, and the same call may succeed later.  The message names no host, port,
    user, database or path."""

    def __init__(self, waited_s: float) -> None:
        self.waited_s = float(waited_s)
        super().__init__(f"the label store is not answering (gave up after {self.waited_s:.1f} s)")


def is_database_url(location: str | os.PathLike | None) -> bool:
    """``scheme://...``: a database URL, never a file name."""
    return location is not None and bool(_URL.match(str(location).strip()))


class LabelTransaction(Protocol):
    """What :meth:`LabelStore._transact` hands its function: reads and writes in one transaction."""

    def current(self, label_ids: Sequence[str]) -> dict[str, Label]:
        """The stored value of each of these ids that exists (``image_path`` as stored)."""

    def put(self, labels: Sequence[Label], source: str) -> None:
        """Insert or replace each label (``image_path`` = ``images/<file>`` or empty) and append
        one event per label, in order; ``source`` is "record", "import" or "migration"."""

    def keep_images(self, files: dict[str, Path]) -> None:
        """Make sure the database holds these images ``{sha256: local file}`` where the database
        is where images are kept; a no-op where the folder is the only copy."""


#: ``sql(statement, params) -> rows``: one statement with ``?`` placeholders, on the connection of
#: the current transaction; rows as tuples ([] for statements that return none)
Sql = Callable[..., list]


# --------------------------------------------------------------------------- image files

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)


def image_ext(data: bytes, hint: str = "") -> str:
    """File extension for image bytes: from the magic bytes, else the hint's suffix, else ``bin``."""
    for magic, ext in _MAGIC:
        if data.startswith(magic):
            return ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "avif"
    suffix = Path(hint).suffix.lower().lstrip(".") if hint else ""
    if suffix and suffix.isalnum() and len(suffix) <= 5:
        return "jpg" if suffix == "jpeg" else suffix
    return "bin"


def _local_image(folder: Path, sha: str) -> Path | None:
    if not sha or not folder.is_dir():
        return None
    for p in sorted(folder.glob(f"{sha}.*")):
        if p.is_file() and not p.name.endswith(".tmp"):
            return p
    return None


@dataclasses.dataclass
class _Image:
    """An image a label refers to: its hash, ``images/<file>``, and bytes still to be written."""

    sha: str = ""
    rel: str = ""
    data: bytes | None = None


# --------------------------------------------------------------------------- the store


def select_labels_sql(placeholder: str, *, label_id: str | None = None, annotator: str | None = None,
                      session_id: str | None = None, include_retracted: bool = True) -> tuple[str, list[str]]:
    """The query behind :meth:`LabelStore._select` and its parameters, for a driver whose
    parameter marker is ``placeholder`` (``?`` for sqlite3, ``%s`` for psycopg)."""
    clauses, params = [], []
    for column, value in (("label_id", label_id), ("annotator", annotator), ("session_id", session_id)):
        if value is not None:
            clauses.append(f"{column} = {placeholder}")
            params.append(value)
    if not include_retracted:
        clauses.append("label <> 0")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return f"SELECT {', '.join(FIELDS)} FROM labels {where} ORDER BY created_at, label_id", params


class LabelStore(ABC):
    """Relevance labels, durable once a call returns; safe to share between threads.

    Use :func:`mmcrec.labels.open_store` to get one for a file path or a database URL.
    """

    #: how this store is named in messages: a file path, or a URL without its password
    location: str

    def __init__(self, images_dir: Path, *, require_annotator: bool = False,
                 call_bound_s: float = STORE_CALL_BOUND_S) -> None:
        self.images_dir = Path(images_dir)
        self.require_annotator = require_annotator
        if not call_bound_s > 0:
            raise FeedbackError(f"the label store's call bound must be positive, got {call_bound_s!r}")
        #: seconds a label write or a small lookup may take (:data:`STORE_CALL_BOUND_S`)
        self.call_bound_s = float(call_bound_s)
        self._scheduler = None
        self._deadlines = threading.local()

    # ----------------------------------------------------------------- what a backend implements

    @abstractmethod
    def _transact(self, label_ids: Sequence[str], fn: Callable[[LabelTransaction], T]) -> T:
        """Run ``fn`` in one transaction in which no other writer changes these label ids, and
        commit it before returning ``fn``'s result.  A transient failure (busy database, lost
        connection) runs ``fn`` again, so ``fn`` must only act through its transaction.
        Raises :class:`FeedbackError` when the store cannot be reached in time."""

    @abstractmethod
    def _campaign_sql(self, fn: Callable[[Sql], T], lock: str | None = None) -> T:
        """``fn(sql)`` on the campaign tables (campaigns.py).  With ``lock``: in one transaction
        that no other caller with the same ``lock`` runs beside, committed before returning (a
        transient failure runs ``fn`` again); without: plain reads."""

    @abstractmethod
    def _select(self, *, label_id: str | None = None, annotator: str | None = None,
                session_id: str | None = None, include_retracted: bool = True) -> list[Label]:
        """Current values matching every given filter, ordered by (created_at, label_id) as
        byte strings, with ``image_path`` as stored."""

    @abstractmethod
    def count(self) -> int:
        """Number of label_ids stored."""

    @abstractmethod
    def events(self, label_id: str | None = None) -> list[dict[str, Any]]:
        """The append-only history (oldest first): one dict per change of a label's value,
        with the keys of ``schema.EVENT_FIELDS``."""

    @property
    @abstractmethod
    def schema_version(self) -> int:
        """The version of the tables in the database (tables.SCHEMA_VERSION once opened)."""

    @abstractmethod
    def _fetch_images(self, shas: set[str]) -> dict[str, tuple[str, bytes]]:
        """``{sha256: (file name, bytes)}`` of those images the database keeps; ``{}`` where the
        folder is the only copy."""

    @abstractmethod
    def _close(self) -> None:
        """Release connections."""

    # ----------------------------------------------------------------- life cycle

    def _start_sync(self, sync_repo: str | None) -> None:
        """Hub snapshots to ``sync_repo`` (None: ``$MMCREC_LABELS_REPO``; "": off)."""
        repo = sync_repo if sync_repo is not None else (settings.current().labels_repo or "")
        if repo:
            self._scheduler = start_sync(self, repo, self.images_dir.parent / "hub_sync")

    def close(self) -> None:
        """Stop the hub sync and close every connection of this store (all threads)."""
        if self._scheduler is not None:
            try:
                self._scheduler.stop()
            except Exception:  # pragma: no cover - defensive
                logger.exception("stopping label sync failed")
            self._scheduler = None
        self._close()

    def __enter__(self) -> "LabelStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    # ----------------------------------------------------------------- time bounds

    @contextlib.contextmanager
    def deadline(self, seconds: float | None = None):
        """Every store call this thread makes inside the block gives up (:class:`StoreUnavailable`)
        ``seconds`` (default :attr:`call_bound_s`) from now, all of them together; nested blocks
        keep the earlier deadline.  A backend that can wait on something else (PostgreSQL) keeps
        to it; an embedded one (SQLite) answers or fails on its own."""
        end = time.monotonic() + (self.call_bound_s if seconds is None else float(seconds))
        outer = getattr(self._deadlines, "end", None)
        self._deadlines.end = end if outer is None else min(outer, end)
        try:
            yield
        finally:
            self._deadlines.end = outer

    def _deadline(self) -> float | None:
        """The ``time.monotonic()`` by which this thread's current :meth:`deadline` block ends."""
        return getattr(self._deadlines, "end", None)

    # ----------------------------------------------------------------- images

    def _abs(self, rel: str) -> Path:
        return self.images_dir / Path(rel).name

    def image_file(self, label: Label | str) -> Path | None:
        """Path of the stored image of a label (or of a sha256), or None."""
        sha = label.image_sha256 if isinstance(label, Label) else str(label)
        if not sha:
            return None
        have = _local_image(self.images_dir, sha)
        if have is None and self._materialise({sha}):
            have = _local_image(self.images_dir, sha)
        return have

    def _materialise(self, shas: set[str]) -> int:
        """Copy these images from the database into the folder; how many were copied."""
        n = 0
        for sha, (name, data) in self._fetch_images(shas).items():
            if hashlib.sha256(data).hexdigest() != sha:
                logger.warning("image %s in %s does not match its hash; not used", sha, self.location)
                continue
            dest = self.images_dir / Path(name).name
            if not dest.is_file():
                atomic_write(dest, data)
            n += 1
        return n

    def _public(self, labs: list[Label]) -> list[Label]:
        """Labels as handed out: ``image_path`` absolute, the file present where it can be."""
        missing = {lab.image_sha256 for lab in labs
                   if lab.image_path and lab.image_sha256 and not self._abs(lab.image_path).is_file()}
        if missing:
            self._materialise(missing)
        for lab in labs:
            lab.image_path = str(self._abs(lab.image_path)) if lab.image_path else ""
        return labs

    def _resolve_image(self, lab: Label, image_bytes: bytes | None, base: Path | None) -> _Image:
        """The image of ``lab``: ``image_bytes``, else the file at ``lab.image_path`` (relative
        to ``base``), else an image already stored under ``lab.image_sha256``."""
        data = image_bytes
        hint = lab.image_path
        if data is None and lab.image_path:
            p = Path(lab.image_path).expanduser()
            if not p.is_absolute():
                p = (base or Path.cwd()) / p
            if lab.image_sha256:
                have = self.image_file(lab.image_sha256)
                if have is not None and (not p.is_file() or p.resolve() == have.resolve()):
                    return _Image(lab.image_sha256, f"{IMAGES_DIR}/{have.name}")
            try:
                data = p.read_bytes()
            except OSError as exc:
                raise FeedbackError(f"cannot read image {p}: {exc}") from None
        if data is not None:
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise FeedbackError("image_bytes must be bytes")
            data = bytes(data)
            if not data:
                raise FeedbackError("image is empty")
            sha = hashlib.sha256(data).hexdigest()
            if lab.image_sha256 and lab.image_sha256 != sha:
                raise FeedbackError(
                    f"image_sha256 {lab.image_sha256} does not match the image bytes ({sha})"
                )
            name = f"{sha}.{image_ext(data, hint)}"
            if (self.images_dir / name).is_file():
                return _Image(sha, f"{IMAGES_DIR}/{name}")
            have = _local_image(self.images_dir, sha)
            if have is not None:
                return _Image(sha, f"{IMAGES_DIR}/{have.name}")
            return _Image(sha, f"{IMAGES_DIR}/{name}", data)
        if lab.image_sha256:
            have = self.image_file(lab.image_sha256)
            if have is None:
                raise FeedbackError(
                    f"image {lab.image_sha256} is not in {self.images_dir} and no image was given"
                )
            return _Image(lab.image_sha256, f"{IMAGES_DIR}/{have.name}")
        return _Image()

    def _store_image(self, image: _Image) -> None:
        if image.data is None or not image.rel:
            return
        dest = self._abs(image.rel)
        if dest.is_file():
            return
        try:
            atomic_write(dest, image.data)
        except OSError as exc:
            raise FeedbackError(f"cannot store image {dest}: {exc}") from exc

    def add_image(self, path: str | Path) -> tuple[str, str]:
        """Keep the image file at ``path`` as labels' images are kept (by hash, and in the
        database where it keeps them); ``(sha256, "images/<file>")``."""
        image = self._resolve_image(Label(image_path=str(path)), None, None)
        self._store_image(image)
        if image.sha:
            self._transact([f"image:{image.sha}"], lambda t: t.keep_images({image.sha: self._abs(image.rel)}))
        return image.sha, image.rel

    # ----------------------------------------------------------------- write

    def prepare(
        self,
        label: Label,
        *,
        image_bytes: bytes | None = None,
        known_items: set[str] | None = None,
    ) -> Label:
        """The label as :meth:`record` would store it, checked, with nothing sent to the database:
        ``label_id`` and ``created_at`` filled when empty, the image kept in the images folder and
        named by ``image_sha256`` and ``image_path`` (that file, absolute; "" when none).

        Recording the returned label later (on this store or another one on the same images
        folder) needs no bytes and stores the same label.  Raises :class:`FeedbackError` for
        invalid input; :class:`StoreUnavailable` only when the image is named by its hash alone
        and must be fetched from a database that does not answer."""
        lab = validate_label(label, known_items, require_annotator=self.require_annotator)
        image = self._resolve_image(lab, image_bytes, None)
        # the image goes to disk first: a committed label never points at a missing file
        self._store_image(image)
        lab.image_sha256 = image.sha
        lab.image_path = str(self._abs(image.rel)) if image.rel else ""
        return lab

    def record(
        self,
        label: Label,
        *,
        image_bytes: bytes | None = None,
        known_items: set[str] | None = None,
    ) -> Label:
        """Validate and durably store one label; returns the stored label.

        ``label_id`` is computed with :func:`make_label_id` when empty (for a reply,
        ``rank`` is the reply index) and ``created_at`` is set to now when empty.
        The image is ``image_bytes``, or the file at ``label.image_path``, or an image
        already in the store named by ``label.image_sha256``.

        Delivering the same label_id with the label value it already has changes
        nothing (no second event) and returns the stored label.  Another value replaces
        the current one (0 = retracted) and adds an event.  When a new value comes
        without any image, the stored image is kept.  Raises :class:`FeedbackError`
        (nothing written) for invalid input, and :class:`StoreUnavailable` when the store
        does not answer within :attr:`call_bound_s` (the label may or may not have been
        written: recording it again is safe).  The transaction is committed when this
        returns.
        """
        with self.deadline():
            lab = self.prepare(label, image_bytes=image_bytes, known_items=known_items)
            rel = f"{IMAGES_DIR}/{Path(lab.image_path).name}" if lab.image_path else ""

            def tx(t: LabelTransaction) -> Label:
                new = dataclasses.replace(lab, turns=list(lab.turns), image_path=rel)
                current = t.current([new.label_id]).get(new.label_id)
                if current is not None:
                    if current.label == new.label:
                        return current  # duplicate delivery
                    # a new value for the same label (e.g. a retraction sent with only the
                    # label_id and value): keep what it leaves empty from the current value
                    for name in ("session_id", "annotator", "model_version", "catalog_id",
                                 "item_id", "rank", "score", "alpha", "placed_by", "image_turn"):
                        if getattr(new, name) in ("", None):
                            setattr(new, name, getattr(current, name))
                    if not new.turns:
                        new.turns = list(current.turns)
                    if not lab.image_sha256 and current.image_sha256:  # keep this conversation state's image
                        new.image_sha256, new.image_path = current.image_sha256, current.image_path
                if lab.image_sha256:
                    t.keep_images({lab.image_sha256: self._abs(rel)})
                t.put([new], "record")
                return new

            return self._public([self._transact([lab.label_id], tx)])[0]

    def retract(self, label_id: str, *, created_at: str = "") -> Label:
        """Set an existing label to 0 (retracted); returns the stored label.  Bounded as
        :meth:`record` is, the lookup included."""
        with self.deadline():
            current = self.get(label_id)
            if current is None:
                raise FeedbackError(f"no label {label_id!r}")
            if current.label == 0:
                return current
            new = dataclasses.replace(current, label=0, created_at=created_at or utc_now(),
                                      image_path="")
            return self.record(new)

    # ----------------------------------------------------------------- read

    def get(self, label_id: str) -> Label | None:
        found = self._select(label_id=label_id)
        return self._public(found)[0] if found else None

    def labels(
        self, *, annotator: str | None = None, include_retracted: bool = True
    ) -> list[Label]:
        """Current value of every label (oldest first), optionally one annotator's."""
        return self._public(self._select(
            annotator=annotator.strip() if annotator is not None else None,
            include_retracted=include_retracted))

    def labels_for(
        self, annotator: str, session_id: str | None = None, *, include_retracted: bool = True
    ) -> dict[str, Label]:
        """``{label_id: Label}`` of one annotator (and session), to restore the UI after a
        reload.  Retracted labels are included with ``label == 0`` unless asked not to."""
        labs = self._select(annotator=(annotator or "").strip(), session_id=session_id,
                            include_retracted=include_retracted)
        return {lab.label_id: lab for lab in self._public(labs)}

    # ----------------------------------------------------------------- export / import

    def export(self, out: str | Path, fmt: str | None = None, *,
               include_retracted: bool = True) -> int:
        """Write the latest value of each label to ``out`` (JSONL, CSV or Parquet by
        ``fmt`` or extension); images are copied to ``<out dir>/images/`` and
        ``image_path`` is written relative to ``out``.  Returns the number of rows."""
        out = Path(out).expanduser().absolute()
        f = file_format(out, fmt)
        labs = self.labels(include_retracted=include_retracted)
        rows = []
        out_images = out.parent / IMAGES_DIR
        for lab in labs:
            d = lab.to_dict()
            if lab.image_sha256:
                src = self.image_file(lab)
                if src is None:
                    logger.warning("label %s: image %s is missing", lab.label_id, lab.image_sha256)
                    d["image_path"] = ""
                else:
                    dest = out_images / src.name
                    if not dest.is_file():  # content-addressed: an existing file is this one
                        atomic_write(dest, src.read_bytes())
                    d["image_path"] = f"{IMAGES_DIR}/{src.name}"
            else:
                d["image_path"] = ""
            rows.append(d)
        write_rows(out, f, rows)
        return len(rows)

    def import_file(self, src: str | Path, fmt: str | None = None) -> tuple[int, int, int]:
        """Merge labels from a JSONL/CSV/Parquet file; returns ``(added, updated, skipped)``.

        Rows are matched by label_id: a new id is added; a known id is updated when the
        row differs and is not older (``created_at``) than the stored value; otherwise it
        is skipped, so importing the same file twice changes nothing.  Image paths are
        read relative to the file.  All rows are validated first: any bad row raises
        :class:`FeedbackError` naming the row numbers and nothing is written.
        """
        src = Path(src).expanduser().absolute()
        f = file_format(src, fmt)
        if not src.is_file():
            raise FeedbackError(f"no such file: {src}")
        try:
            raw_rows = read_rows(src, f)
        except FeedbackError:
            raise
        except Exception as exc:
            raise FeedbackError(f"cannot read {src}: {exc}") from exc
        prepared: list[tuple[Label, _Image]] = []
        errors: list[str] = []
        for i, raw in enumerate(raw_rows, start=1):
            try:
                if not isinstance(raw, dict):
                    raise FeedbackError("not an object")
                lab = validate_label(Label.from_dict(raw), require_annotator=self.require_annotator)
                if not to_str(raw.get("label_id")):
                    raise FeedbackError("label_id is empty")
                if is_missing(raw.get("created_at")):
                    raise FeedbackError("created_at is empty")
                if is_missing(raw.get("label")):
                    raise FeedbackError("label is empty")
                image = self._resolve_image(lab, None, src.parent)
                lab.image_sha256, lab.image_path = image.sha, image.rel
                prepared.append((lab, image))
            except FeedbackError as exc:
                errors.append(f"row {i}: {exc}")
        if errors:
            more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
            raise FeedbackError(f"{src.name}: " + "; ".join(errors[:10]) + more)
        for _, image in prepared:
            self._store_image(image)
        images = {image.sha: self._abs(image.rel) for _, image in prepared if image.sha}

        def tx(t: LabelTransaction) -> tuple[int, int, int]:
            added = updated = skipped = 0
            current = t.current([lab.label_id for lab, _ in prepared])
            changed: list[Label] = []
            for lab, _ in prepared:
                have = current.get(lab.label_id)
                if have is not None and (same_label(have, lab) or lab.created_at < have.created_at):
                    skipped += 1
                    continue
                if have is None:
                    added += 1
                else:
                    updated += 1
                changed.append(lab)
                current[lab.label_id] = lab  # a later row with the same id compares with this one
            if images:
                t.keep_images(images)
            t.put(changed, "import")
            return added, updated, skipped

        return self._transact([lab.label_id for lab, _ in prepared], tx)

    def write_snapshot(self, folder: str | Path) -> int:
        """Export ``labels.jsonl`` (+ images/) into ``folder``; what the hub sync pushes."""
        return self.export(Path(folder) / "labels.jsonl", "jsonl")

    # ----------------------------------------------------------------- what the labels say

    def stats(self) -> dict[str, Any]:
        """Counts over the latest value of each label_id, and inter-annotator agreement (summary.py)."""
        return label_stats(self._select())

    def timeline(self, freq: str = "h"):
        """Events per time bucket as a pandas DataFrame (summary.label_timeline)."""
        return label_timeline(self.events(), freq)

"""Relevance labels (thumbs up/down) given in the app: the label store and its files.

``open_store(path_or_url)`` opens the store the app, the command line and training share:
a file path is the embedded SQLite store, ``postgresql://user@host:port/db`` a PostgreSQL one
(several app replicas on one database).  Every store has the same methods (:class:`LabelStore`).

- ``schema.py``    what a label is: fields, id, checks
- ``store.py``     the store interface and the logic every backend shares
- ``tables.py``    the tables, described once: both backends' DDL and migrations
- ``sqlite.py``    SQLite (WAL) backend
- ``postgres.py``  PostgreSQL backend (psycopg 3, a connection pool, time bounds)
- ``outbox.py``    what the app could not write in time, kept locally and written later
- ``formats.py``   JSONL / CSV / Parquet files in and out
- ``agreement.py`` Krippendorff's alpha, Fleiss' kappa, % agreement
- ``sync.py``      snapshots to a Hugging Face dataset repo

Only the standard library is imported here (psycopg when a PostgreSQL store opens), so
processes that write labels start fast.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..paths import default_labels_db
from .agreement import agreement, fleiss_kappa, krippendorff_alpha_nominal, percent_agreement
from .schema import FIELDS, TARGETS, FeedbackError, Label, make_label_id
from .sqlite import SQLiteLabelStore
from .store import STORE_CALL_BOUND_S, LabelStore, StoreUnavailable, is_database_url
from .tables import SCHEMA_VERSION

__all__ = [
    "FIELDS",
    "SCHEMA_VERSION",
    "STORE_CALL_BOUND_S",
    "StoreUnavailable",
    "TARGETS",
    "FeedbackError",
    "Label",
    "LabelStore",
    "SQLiteLabelStore",
    "agreement",
    "fleiss_kappa",
    "is_database_url",
    "krippendorff_alpha_nominal",
    "make_label_id",
    "open_store",
    "percent_agreement",
]


#: URL schemes that open a PostgreSQL store
POSTGRES_SCHEMES = ("postgresql", "postgres")


def open_store(location: str | os.PathLike | None = None, **options: Any) -> LabelStore:
    """The label store at ``location``: a file path (SQLite) or a database URL; None means
    ``$MMCREC_FEEDBACK_DB``, else ``feedback/labels.sqlite`` under the data root (paths.py).

    ``options`` go to the backend: ``require_annotator``, ``sync_repo``, ``create``,
    ``call_bound_s`` for both; ``busy_timeout_s``, ``synchronous`` for SQLite; ``images_dir``,
    ``pool_size``, ``retry_s``, ``bulk_bound_s`` for PostgreSQL.  A URL is never taken for a file name: an unsupported scheme raises
    :class:`FeedbackError`.
    """
    where = str(location).strip() if location is not None and str(location).strip() else default_labels_db()
    if is_database_url(where):
        scheme = where.split("://", 1)[0].lower()
        if scheme not in POSTGRES_SCHEMES:
            raise FeedbackError(f"unsupported label store URL scheme {scheme}:// "
                                "(use postgresql://user@host:port/db, or a file path for SQLite)")
        from .postgres import PostgresLabelStore  # noqa: PLC0415 — imports psycopg

        return PostgresLabelStore(where, **options)
    return SQLiteLabelStore(Path(where), **options)

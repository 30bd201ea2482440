"""UTC timestamps as text: one format for everything mmcrec writes down.

``YYYY-MM-DDTHH:MM:SS.ffffffZ`` is ISO 8601, and its fixed width makes the strings sort in time
order, so databases and files can order by them as text.
"""
from __future__ import annotations

from datetime import datetime, timezone


def format_utc(dt: datetime) -> str:
    """``dt`` (a zone-aware datetime) in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_now() -> str:
    """Now, as :func:`format_utc` writes it."""
    return format_utc(datetime.now(timezone.utc))

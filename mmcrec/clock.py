"""The time stamps mmcrec writes into model cards and the model registry."""
from __future__ import annotations

import datetime as dt


def utc_now() -> str:
    """Now in UTC, ISO 8601 to the second: ``2025-06-01T12:00:00+00:00``."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")

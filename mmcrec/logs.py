"""Logging for a process that serves (``python app.py``, ``mmcrec serve``): one line per event,
with its time and the request it belongs to.

    setup_logging()                 # once, where the process starts
    with request_context(session_id):
        logger.warning("...")       # ... WARNING mmcrec.x [3f2a9c1e] ...

The level is ``$MMCREC_LOG_LEVEL`` (DEBUG, INFO, WARNING, ...), else the caller's default.  Below
DEBUG an exception logged with a record shows as its type and first line at the end of that one
line; at DEBUG the full traceback follows.  Libraries that log every retry of what mmcrec already
reports once (psycopg's pool), or every request Gradio makes to itself (httpx), are kept quiet
unless the level is DEBUG.
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
from typing import Iterator

ENV_LOG_LEVEL = "MMCREC_LOG_LEVEL"
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
#: loggers kept to this level (unless DEBUG): the pool repeats, per attempt, what mmcrec logs
#: once; httpx logs each of Gradio's own start-up requests
QUIET = {"psycopg.pool": logging.ERROR, "httpx": logging.WARNING}

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("mmcrec_request_id", default="-")
_handler: logging.Handler | None = None
_before: dict[str, int] = {}  # logger name ("" for the root) -> its level before setup_logging


@contextlib.contextmanager
def request_context(request_id: str) -> Iterator[None]:
    """Log lines written inside the block (this thread, this task) carry ``request_id``."""
    token = _request_id.set(str(request_id or "-")[:16])
    try:
        yield
    finally:
        _request_id.reset(token)


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class OneLineFormatter(logging.Formatter):
    """:data:`FORMAT`; an exception as ``[Type: first line]`` on the same line unless ``verbose``."""

    def __init__(self, verbose: bool = False) -> None:
        super().__init__(FORMAT)
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        if self.verbose or not (record.exc_info or record.exc_text or record.stack_info):
            return super().format(record)
        saved = record.exc_info, record.exc_text, record.stack_info
        summary = ""
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text = str(exc).strip().splitlines()
            summary = f" [{type(exc).__name__}{': ' + text[0] if text else ''}]"
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record) + summary
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (as logging.lastResort does)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def setup_logging(level: str | int | None = None, *, default: str = "INFO") -> int:
    """Configure the root logger once (later calls only change the level); returns the level."""
    global _handler
    if level is None:
        from . import settings

        level = settings.current().log_level
    raw = level if level is not None else default
    lvl = raw if isinstance(raw, int) else logging.getLevelName(str(raw).upper())
    if not isinstance(lvl, int):
        lvl = logging.INFO
    root = logging.getLogger()
    if _handler is None:
        _before.update({name: logging.getLogger(name or None).level for name in ["", *QUIET]})
        _handler = _StderrHandler()
        _handler.addFilter(_RequestId())
        root.addHandler(_handler)
    _handler.setFormatter(OneLineFormatter(verbose=lvl <= logging.DEBUG))
    root.setLevel(lvl)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(lvl if lvl <= logging.DEBUG else max(quiet, lvl))
    return lvl


def reset_logging() -> None:
    """Undo :func:`setup_logging` (tests that start a server in their own process)."""
    global _handler
    if _handler is None:
        return
    logging.getLogger().removeHandler(_handler)
    for name, level in _before.items():
        logging.getLogger(name or None).setLevel(level)
    _handler = None
    _before.clear()

"""Periodic snapshots of the labels to a Hugging Face dataset repo (``CommitScheduler``).

A Space's disk is wiped on restart; with ``MMCREC_LABELS_REPO`` set, the store exports
``labels.jsonl`` (+ images/) into a local folder every few minutes and the scheduler commits it.
A failing hub never blocks or loses a label: it is logged and the next round tries again.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from .. import settings

logger = logging.getLogger(__name__)

#: environment variable naming a Hugging Face dataset repo to sync snapshots to (off when unset)
ENV_REPO = "MMCREC_LABELS_REPO"
#: minutes between two snapshot commits (default 5)
ENV_SYNC_MINUTES = "MMCREC_LABELS_SYNC_MINUTES"


class Snapshots(Protocol):
    """What the sync needs of a label store: a protocol, not store.LabelStore, since the store
    starts the sync and importing it here would be an import cycle."""

    def write_snapshot(self, folder: str | Path) -> int:
        """Export ``labels.jsonl`` (+ images/) into ``folder``; how many labels."""


def start_sync(store: Snapshots, repo: str, folder: Path):
    """A running scheduler that pushes ``store``'s snapshot from ``folder`` to ``repo``, or None
    (logged) when it cannot start."""
    try:
        minutes = settings.current().labels_sync_minutes
        scheduler = _make_scheduler(store, repo, folder, minutes)
        logger.info("labels sync to %s every %s min", repo, minutes)
        return scheduler
    except Exception as exc:  # never block or lose local labels
        logger.warning("label sync to %s is off: %s", repo, exc)
        return None


def _make_scheduler(store: Snapshots, repo: str, folder: Path, minutes: float):
    from huggingface_hub import CommitScheduler  # noqa: PLC0415

    class _SnapshotScheduler(CommitScheduler):
        def push_to_hub(self):  # runs in the scheduler's thread
            try:
                with self.lock:
                    store.write_snapshot(self.folder_path)
                return super().push_to_hub()
            except Exception as exc:
                logger.warning("label sync to %s failed: %s", repo, exc)
                return None

    return _SnapshotScheduler(repo_id=repo, repo_type="dataset", folder_path=folder,
                              every=minutes, private=True)

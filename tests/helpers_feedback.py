"""Helpers for tests/test_feedback.py that run in other processes.

* :func:`writer_worker` is the target of the multiprocessing (spawn) writers;
* ``python tests/helpers_feedback.py stream DB`` records labels in an endless stream and
  prints each label_id once ``record()`` has returned (the crash test kills it).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mmcrec.labels import Label, make_label_id, open_store  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def shared_image(k: int) -> bytes:
    """Small fake PNG #k (only the magic bytes matter to the store)."""
    return PNG_MAGIC + hashlib.sha256(f"img{k}".encode()).digest() * 64


def planned_labels(worker: int, n: int) -> list[tuple[Label, bytes | None]]:
    """What writer ``worker`` sends: n distinct labels, some with one of 3 shared images."""
    out = []
    for i in range(n):
        turns = [f"w{worker} turn a", f"looking for thing {i % 7}"]
        session = f"sess-{worker}-{i // 10}"
        annotator = f"ann{worker % 5}"
        if i % 9 == 8:
            target, item, key, rank = "reply", "", i, i
        else:
            target, item, key, rank = "item", f"item{(worker * 50 + i) % 97:03d}", f"item{(worker * 50 + i) % 97:03d}", i % 10 + 1
        image = shared_image(i % 3) if i % 10 == 0 else None
        lab = Label(
            label_id=make_label_id(session, annotator, target, key, turns),
            session_id=session,
            annotator=annotator,
            created_at=f"2024-05-{1 + worker % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.000000Z",
            model_version="m-test",
            catalog_id="demo",
            turns=turns,
            item_id=item,
            rank=rank,
            score=round(0.01 * i, 4),
            alpha=0.5,
            target=target,
            label=1 if (worker + i) % 3 else -1,
        )
        out.append((lab, image))
    return out


def writer_worker(db: str, worker: int, n: int, start) -> None:
    """Record ``planned_labels(worker, n)``; every 5th label is delivered twice."""
    start.wait()
    store = open_store(db)
    try:
        for i, (lab, image) in enumerate(planned_labels(worker, n)):
            store.record(lab, image_bytes=image)
            if i % 5 == 0:  # double delivery (retry / double click)
                store.record(lab, image_bytes=image)
    finally:
        store.close()


def stream(db: str) -> None:
    store = open_store(db)
    session = f"crash-{os.getpid()}"  # each run writes new labels
    i = 0
    while True:
        lab = store.record(
            Label(session_id=session, annotator="streamer", turns=[f"turn {i}"],
                  item_id=f"item{i % 50}", rank=i % 10 + 1, score=0.5, alpha=0.5,
                  label=1 if i % 2 else -1),
            image_bytes=shared_image(i % 4) if i % 5 == 0 else None,
        )
        print(lab.label_id, flush=True)
        i += 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "stream":
        stream(sys.argv[2])
    else:
        sys.exit("usage: helpers_feedback.py stream DB")

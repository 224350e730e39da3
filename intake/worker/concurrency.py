"""Working on several ledger messages at once, without changing what happens to any one of them.

Each message still goes through `Pipeline.process` (claimed, processed, filed in one short transaction), so
idempotency is the ledger's as before. Two things keep the outcome the same as one-at-a-time processing:
- copies of one email (the same Message-ID) share a lane and are processed in ledger order, so the second is
  still recognised as a copy of the first rather than filed beside it;
- a message already being worked on by another thread of this process is skipped (the ledger's claim is per
  process, so it alone cannot tell two threads of one worker apart).
The heavy work (parsing, reading forms, OCR, LibreOffice) runs in the reader processes, so the threads here
mostly wait, and N threads keep N readers busy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from intake.store.models import Message
from intake.worker.pipeline import MessageOutcome, Pipeline

log = logging.getLogger(__name__)

_in_progress: set[int] = set()
_in_progress_lock = threading.Lock()

OutcomeSink = Callable[[MessageOutcome], None]


def process_all(engine: Engine, pipeline: Pipeline, message_pks: Iterable[int], *, workers: int,
                on_outcome: OutcomeSink | None = None) -> None:
    """Process every message, `workers` at a time; `on_outcome` hears each disposition (from any thread)."""
    pks = list(message_pks)
    if not pks:
        return
    lanes = _lanes(engine, pks)
    if workers <= 1 or len(lanes) == 1:
        for lane in lanes:
            _run_lane(pipeline, lane, on_outcome)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(lanes)), thread_name_prefix="intake-worker") as pool:
        futures = [pool.submit(_run_lane, pipeline, lane, on_outcome) for lane in lanes]
        for future in as_completed(futures):
            future.result()  # Pipeline.process never raises for a message; anything else is a real fault


def _lanes(engine: Engine, pks: list[int]) -> list[list[int]]:
    """The messages grouped by Message-ID (copies together, in ledger order); lanes ordered by first message."""
    with Session(engine) as session:
        rows = session.exec(select(Message.id, Message.message_id).where(col(Message.id).in_(pks))).all()
    ids = dict(rows)
    lanes: dict[str, list[int]] = {}
    for pk in sorted(pks):
        key = ids.get(pk) or f"#{pk}"  # no Message-ID: a lane of its own
        lanes.setdefault(key, []).append(pk)
    return list(lanes.values())


def _run_lane(pipeline: Pipeline, lane: list[int], on_outcome: OutcomeSink | None) -> None:
    for message_pk in lane:
        with _in_progress_lock:
            if message_pk in _in_progress:
                continue
            _in_progress.add(message_pk)
        try:
            outcome = pipeline.process(message_pk)
        finally:
            with _in_progress_lock:
                _in_progress.discard(message_pk)
        if outcome is not None and on_outcome is not None:
            on_outcome(outcome)

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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from intake.store.models import Message
from intake.worker.pipeline import MessageOutcome, Pipeline

log = logging.getLogger(__name__)

_in_progress: set[int] = set()
_in_progress_lock = threading.Lock()
# Copies of one email (same Message-ID) stored in different batches are processed one after the other: the
# second then finds the first filed and is recognised as its copy.
_message_id_locks: dict[str, tuple[threading.Lock, int]] = {}
_message_id_locks_guard = threading.Lock()

OutcomeSink = Callable[[MessageOutcome], None]


class ProcessingRun:
    """Messages handed in batch by batch (as the poller stores them) and processed `workers` at a time, while
    the caller goes on fetching: the next batch is fetched and stored while this one is read, and no batch
    waits for the slowest message of the one before. `wait()` (or leaving the `with` block) waits for all."""

    def __init__(self, engine: Engine, pipeline: Pipeline, *, workers: int,
                 on_outcome: OutcomeSink | None = None) -> None:
        self._engine, self._pipeline, self._on_outcome = engine, pipeline, on_outcome
        self._pool = (ThreadPoolExecutor(max_workers=workers, thread_name_prefix="intake-worker")
                      if workers > 1 else None)
        self._futures: list[Future[None]] = []

    def submit(self, message_pks: Iterable[int]) -> None:
        """Process these messages (in this thread when there is one worker, else on the pool)."""
        pks = list(message_pks)
        if not pks:
            return
        for lane in _lanes(self._engine, pks):
            if self._pool is None:
                _run_lane(self._pipeline, lane, self._on_outcome)
            else:
                self._futures.append(self._pool.submit(_run_lane, self._pipeline, lane, self._on_outcome))

    def wait(self) -> None:
        """Wait until every message handed in so far is processed."""
        futures, self._futures = self._futures, []
        for future in as_completed(futures):
            future.result()  # Pipeline.process never raises for a message; anything else is a real fault

    def __enter__(self) -> ProcessingRun:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)


def process_all(engine: Engine, pipeline: Pipeline, message_pks: Iterable[int], *, workers: int,
                on_outcome: OutcomeSink | None = None) -> None:
    """Process every message, `workers` at a time; `on_outcome` hears each disposition (from any thread)."""
    with ProcessingRun(engine, pipeline, workers=workers, on_outcome=on_outcome) as run:
        run.submit(message_pks)


def _lanes(engine: Engine, pks: list[int]) -> list[tuple[str, list[int]]]:
    """The messages grouped by Message-ID (copies together, in ledger order); lanes ordered by first message."""
    with Session(engine) as session:
        rows = session.exec(select(Message.id, Message.message_id).where(col(Message.id).in_(pks))).all()
    ids = dict(rows)
    lanes: dict[str, list[int]] = {}
    for pk in sorted(pks):
        key = ids.get(pk) or f"#{pk}"  # no Message-ID: a lane of its own
        lanes.setdefault(key, []).append(pk)
    return list(lanes.items())


def _run_lane(pipeline: Pipeline, lane: tuple[str, list[int]], on_outcome: OutcomeSink | None) -> None:
    key, pks = lane
    with _message_id_lock(key):
        for message_pk in pks:
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


@contextmanager
def _message_id_lock(key: str) -> Iterator[None]:
    with _message_id_locks_guard:
        lock, users = _message_id_locks.get(key, (threading.Lock(), 0))
        _message_id_locks[key] = (lock, users + 1)
    try:
        with lock:
            yield
    finally:
        with _message_id_locks_guard:
            lock, users = _message_id_locks[key]
            if users <= 1:
                del _message_id_locks[key]
            else:
                _message_id_locks[key] = (lock, users - 1)

"""Processing batch by batch while the poller fetches the next (intake/worker/concurrency.py): the caller is not
held up by the slowest message, every message is processed once, and two copies of one email handed in with
different batches are never worked on at the same time."""

from __future__ import annotations

import threading
import time
from typing import Any, cast

from sqlmodel import Session

from intake.store.database import create_db_engine, migrate
from intake.store.ledger import store_raw
from intake.worker.concurrency import ProcessingRun
from intake.worker.pipeline import Pipeline
from tests.support.mailfactory import make_email


class RecordingPipeline:
    """Stands in for Pipeline.process: records which message ran when, and can hold one message back."""

    def __init__(self, hold: int | None = None) -> None:
        self.spans: dict[int, tuple[float, float]] = {}
        self.release = threading.Event()
        self.hold = hold
        self._lock = threading.Lock()

    def process(self, message_pk: int) -> Any:
        started = time.monotonic()
        if message_pk == self.hold:
            assert self.release.wait(30)
        time.sleep(0.05)
        with self._lock:
            self.spans[message_pk] = (started, time.monotonic())


def _stored(url: str, *emails: bytes) -> list[int]:
    engine = create_db_engine(url)
    migrate(engine)
    with Session(engine) as session:
        return [store_raw(session, raw, source="file").message_pk for raw in emails]


def test_the_caller_goes_on_while_a_slow_message_is_read_and_every_message_runs_once(sqlite_url: str) -> None:
    pks = _stored(sqlite_url, *(make_email(message_id=f"<m{n}@example.org>") for n in range(6)))
    pipeline = RecordingPipeline(hold=pks[0])
    with ProcessingRun(create_db_engine(sqlite_url), cast(Pipeline, pipeline), workers=2) as run:
        run.submit(pks[:3])
        run.submit(pks[3:])  # returns at once although the first batch's first message is held
        deadline = time.monotonic() + 10
        while len(pipeline.spans) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(pipeline.spans) == 5  # the rest went on past the held one
        pipeline.release.set()
    assert sorted(pipeline.spans) == sorted(pks)


def test_copies_of_one_email_in_different_batches_run_one_after_the_other(sqlite_url: str) -> None:
    first = make_email(message_id="<same@example.org>", body="first copy")
    second = make_email(message_id="<same@example.org>", body="second copy, other bytes")
    pks = _stored(sqlite_url, first, second)
    pipeline = RecordingPipeline()
    with ProcessingRun(create_db_engine(sqlite_url), cast(Pipeline, pipeline), workers=2) as run:
        run.submit([pks[0]])
        run.submit([pks[1]])
    (_, first_end), (second_start, _) = sorted(pipeline.spans.values())
    assert first_end <= second_start  # never side by side

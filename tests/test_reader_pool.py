"""The pool of reader processes: jobs run in pre-started readers, and a hostile job costs one reader, never the
pool (a time-out, memory exhaustion and a crash are each their specific error; the next job is served)."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session, select

from demo.forms import SAR_FORM, Layout, build, zip_files
from intake.runtime import build_runtime
from intake.store.models import Disposition, Message
from intake.worker import isolation, readers
from intake.worker.ingest import ingest_paths
from intake.worker.isolation import extract_isolated, parse_isolated
from intake.worker.readers import ReaderPool
from parsers.errors import CorruptAttachmentError, ExtractionMemoryError, ExtractionTimeoutError
from parsers.forms import ExtractionLimits
from parsers.values import Attachment
from tests.conftest import make_settings
from tests.support.mailfactory import make_email, referral_email

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
QUICK = ExtractionLimits(timeout_seconds=1)
STARVED = ExtractionLimits(memory_bytes=64 * 2**20, timeout_seconds=20)


def pid_job() -> tuple:
    """A job that says which process ran it."""
    return ("ok", os.getpid())


def sleeping_job(seconds: float) -> tuple:
    """A job that overruns any short limit (as a PDF looping inside a C library would)."""
    time.sleep(seconds)
    return ("ok", "woke")


def crashing_job() -> tuple:
    """A job whose reader dies outright (as a segfault in a C library would)."""
    os._exit(3)


@pytest.fixture
def pool():
    """A pool of two readers installed for the isolation functions, removed afterwards."""
    pool = ReaderPool(isolation._context(), size=2, recycle_after=3)
    previous = readers.install(pool)
    yield pool
    readers.install(previous)
    pool.close()


def test_jobs_run_in_pre_started_readers_that_are_reused_then_recycled(pool: ReaderPool) -> None:
    pool.start()
    pids = [pool.run(pid_job, (), QUICK, what="test")[1] for _ in range(4)]
    assert os.getpid() not in pids
    assert pids[0] == pids[1] == pids[2]  # one idle reader serves one thread's jobs in turn ...
    assert pids[3] != pids[0]  # ... until it has served recycle_after jobs and is replaced


def test_an_overrunning_job_is_a_timeout_and_the_pool_goes_on(pool: ReaderPool) -> None:
    with pytest.raises(ExtractionTimeoutError):
        pool.run(sleeping_job, (30,), QUICK, what="test")
    assert pool.run(pid_job, (), QUICK, what="test")[0] == "ok"


def test_a_reader_that_dies_is_a_specific_error_and_is_replaced(pool: ReaderPool) -> None:
    with pytest.raises(CorruptAttachmentError, match="exit 3"):
        pool.run(crashing_job, (), QUICK, what="test")
    assert pool.run(pid_job, (), QUICK, what="test")[0] == "ok"


def test_memory_exhaustion_in_a_pooled_reader_is_a_memory_error_and_the_next_form_is_read(pool: ReaderPool) -> None:
    name, data = build(SAR_FORM, Layout.PDF_FLAT)
    attachment = Attachment(name, "application/pdf", data)
    with pytest.raises(ExtractionMemoryError):
        extract_isolated(attachment, vocabulary_path=None, limits=STARVED)
    with pytest.raises(ExtractionMemoryError):
        parse_isolated(make_email(body="x" * 5_000_000), limits=STARVED)
    form = extract_isolated(attachment, vocabulary_path=None, limits=ExtractionLimits())
    assert form.fields["subject.surname"].value == "Whitfield"


def test_threads_share_the_pool_and_read_at_once(pool: ReaderPool) -> None:
    forms = [build(SAR_FORM, layout) for layout in (Layout.DOCX_TABLE, Layout.PDF_FLAT, Layout.DOCX_LEGACY_FIELDS,
                                                     Layout.PDF_ACROFORM_TOOLTIP)]
    ctype = {"pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    attachments = [Attachment(n, ctype[n.rsplit(".", 1)[1]], d) for n, d in forms]
    with ThreadPoolExecutor(4) as threads:
        results = list(threads.map(
            lambda a: extract_isolated(a, vocabulary_path=None, limits=ExtractionLimits()), attachments))
    assert [r.fields["subject.surname"].value for r in results] == ["Whitfield"] * 4
    assert len(pool._live) <= 2  # never more readers than the pool's size


def test_a_slow_job_does_not_hold_up_the_other_reader(pool: ReaderPool) -> None:
    with ThreadPoolExecutor(2) as threads:
        slow = threads.submit(pool.run, sleeping_job, (20,), ExtractionLimits(timeout_seconds=60), what="slow")
        time.sleep(0.5)
        quick = [pool.run(pid_job, (), ExtractionLimits(timeout_seconds=10), what="quick")
                 for _ in range(3)]  # served while the slow one still sleeps
        assert not slow.done()
        assert slow.result()[1] == "woke"
    assert all(outcome[0] == "ok" for outcome in quick)


def test_the_pipeline_on_the_pool_quarantines_a_hostile_file_and_files_the_rest(db_url: str, tmp_path: Path) -> None:
    bomb = zip_files({"[Content_Types].xml": "<Types/>", "word/document.xml": b"\0" * 20_000_000})
    files = []
    for n, raw in enumerate([referral_email(1), make_email(subject="Referral", message_id="<bomb@example.org>",
                                                           attachments=[("form.docx", bomb, DOCX)]),
                             referral_email(2)]):
        files.append(tmp_path / f"{n}.eml")
        files[-1].write_bytes(raw)
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url, extra_yaml="processing:\n  workers: 2\n"
                                             "limits:\n  max_uncompressed_bytes: 5000000\n"))
    summary = ingest_paths(runtime.engine, runtime.pipeline, files, workers=runtime.workers)
    assert dict(summary.dispositions) == {"case": 2, "quarantined": 1}
    with Session(runtime.engine) as session:
        [quarantined] = session.exec(select(Message).where(Message.disposition == Disposition.QUARANTINED)).all()
    assert quarantined.message_id == "<bomb@example.org>" and "zip" in quarantined.reason.lower()
    assert readers.installed() is not None and readers.installed().size == 2  # the readers served all three
    runtime.engine.dispose()

"""Event-driven sending: filing a case wakes the outbox sender at once (in this process, and on PostgreSQL in
every process through LISTEN/NOTIFY); the timer stays as the safety net; a rolled-back transaction wakes nobody."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlmodel import Session

from intake.outgoing import outbox
from intake.outgoing.doorbell import OUTBOX_DOORBELL, Doorbell, NotificationListener
from intake.outgoing.outbox import Draft, MailKind
from intake.store.database import create_db_engine, migrate
from intake.supervisor import start_sender
from tests.support.mailfactory import PARTNERSHIP, referral_email
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)
from tests.test_outbox import smtp_runtime, take_in

NEVER = "outbox:\n  send_interval_seconds: 600\n"  # the timer alone would wait ten minutes


def _draft(n: int) -> Draft:
    return Draft(kind=MailKind.ACKNOWLEDGEMENT, recipient=f"referrer{n}@example.org", subject="Referral received",
                 body_text="Thank you.", body_html="<p>Thank you.</p>")


def _queue(session: Session, n: int) -> None:
    outbox.queue(session, key=f"test-{n}", draft=_draft(n), own_address=PARTNERSHIP, case_pk=None, message_pk=None)


def test_the_doorbell_rings_when_queued_mail_commits_and_not_on_rollback(db_url: str) -> None:
    engine = create_db_engine(db_url)
    migrate(engine)
    OUTBOX_DOORBELL.wait(0)  # clear anything earlier tests left
    with Session(engine) as session:
        _queue(session, 1)
        assert not OUTBOX_DOORBELL.wait(0)  # not before the commit: the sender would find nothing
        session.commit()
    assert OUTBOX_DOORBELL.wait(0)
    with Session(engine) as session:
        _queue(session, 2)
        session.rollback()
        session.commit()
    assert not OUTBOX_DOORBELL.wait(0)
    engine.dispose()


@pytest.mark.postgres
def test_on_postgresql_another_process_hears_the_commit(postgres_url: str) -> None:
    db_url = postgres_url
    engine = create_db_engine(db_url)
    migrate(engine)
    bell, stop = Doorbell(), threading.Event()
    listener = NotificationListener(engine, bell, stop, slice_seconds=0.5)
    listener.start()
    try:
        assert bell.wait(10)  # it rings once on connecting (for anything queued while it was away)
        other = create_db_engine(db_url)  # a separate engine: as another process would have
        with Session(other) as session:
            _queue(session, 3)
            session.commit()
        assert bell.wait(10)
        other.dispose()
    finally:
        stop.set()
        listener.join(5)
        engine.dispose()


def test_a_filed_referral_is_acknowledged_at_once_not_at_the_next_tick(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server, extra_yaml=NEVER)
    stop = threading.Event()
    sender = start_sender(runtime, stop)
    try:
        time.sleep(0.5)  # the loop's first pass (nothing due) is over; it now sleeps on the doorbell
        take_in(runtime, referral_email(1))
        deadline = time.monotonic() + 30  # far inside the ten-minute timer: only the doorbell can explain it
        while not smtp_server.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [r.rcpt_tos for r in smtp_server.received] == [("sarah.collins@frimley.example.org",)]
    finally:
        stop.set()
        sender.stop()
        sender.join(10)
    assert not sender.is_alive()

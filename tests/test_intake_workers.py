"""Crash and concurrency: two workers at once, and a kill -9 in the middle of a batch."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session, func, select

from intake.store.database import create_db_engine, migrate
from intake.store.models import Case, Disposition, Message
from tests.conftest import REPO
from tests.support.imap_server import DovecotServer
from tests.support.intake_helpers import ledger_counts, run_service, service_env
from tests.support.mailfactory import make_email, referral_email


def _backlog(server: DovecotServer, count: int) -> None:
    server.append("intake", "INBOX", [referral_email(n) for n in range(1, count + 1)])


def _assert_each_taken_in_once(db_url: str, count: int) -> None:
    engine = create_db_engine(db_url)
    counts = ledger_counts(engine)
    assert counts == {"case": count, "cases": count}, counts
    with Session(engine) as session:
        references = session.exec(select(Case.reference)).all()
        ids = session.exec(select(Message.message_id)).all()
    assert len(set(references)) == count
    assert len(set(ids)) == count


def test_two_workers_at_once_take_each_message_in_once(dovecot: DovecotServer, db_url: str,
                                                       tmp_path: Path) -> None:
    _backlog(dovecot, 30)
    env = service_env(tmp_path, dovecot, db_url, extra_yaml="accounts:\n  - name: partnership\n"
                      "    host: 127.0.0.1\n    username: intake\n    security: none\n    batch_size: 3\n")
    migrate(create_db_engine(db_url))  # both start on a migrated database, as a deployment would
    workers = [subprocess.Popen([sys.executable, str(REPO / "service.py"), "poll", "--once"], env=env, cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], results
    _assert_each_taken_in_once(db_url, 30)
    assert dovecot.folder_uids("intake", "INBOX") == []
    assert len(dovecot.folder_uids("intake", "Processed")) == 30


def test_a_kill_9_mid_batch_loses_nothing_and_duplicates_nothing(dovecot: DovecotServer, db_url: str,
                                                                 tmp_path: Path) -> None:
    count = 60
    _backlog(dovecot, count)
    env = service_env(tmp_path, dovecot, db_url)
    engine = create_db_engine(db_url)
    migrate(engine)
    worker = subprocess.Popen([sys.executable, str(REPO / "service.py"), "poll", "--once"], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and worker.poll() is None:
        with Session(engine) as session:
            if session.exec(select(func.count()).select_from(Message)).one() >= 10:
                break
        time.sleep(0.05)
    assert worker.poll() is None, "the worker finished before it could be killed; raise the backlog"
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    with Session(engine) as session:
        stored_before_restart = session.exec(select(func.count()).select_from(Message)).one()
        unfinished = session.exec(select(func.count()).select_from(Message)
                                  .where(Message.disposition == Disposition.PENDING)).one()
    # The kill landed mid-work: messages still to fetch, or (fetching runs ahead of reading) stored, not yet filed.
    assert stored_before_restart >= 10 and (stored_before_restart < count or unfinished > 0)
    result = run_service(["poll", "--once"], env)
    assert result.returncode == 0, result.stderr
    _assert_each_taken_in_once(db_url, count)
    assert dovecot.folder_uids("intake", "INBOX") == []
    assert len(dovecot.folder_uids("intake", "Processed")) == count


def test_poll_once_exits_non_zero_with_one_line_when_the_mailbox_is_unreachable(tmp_path: Path,
                                                                                sqlite_url: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("mailbox_address: safeguarding.partnership@rbwm.example.org\n")
    import os

    from tests.support.imap_server import free_port

    env = {**os.environ, "INTAKE_CONFIG": str(config), "INTAKE_DATABASE_URL": sqlite_url,
           "INTAKE_IMAP_HOST": "127.0.0.1", "INTAKE_IMAP_PORT": str(free_port()), "INTAKE_IMAP_USERNAME": "x",
           "INTAKE_IMAP_SECURITY": "none", "INTAKE_IMAP_PASSWORD": "y", "INTAKE_LOG_LEVEL": "ERROR"}
    result = run_service(["poll", "--once"], env, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("poll: 1 of 1 account(s) could not be polled")


def test_poll_once_exits_zero_when_single_messages_are_quarantined(dovecot: DovecotServer, tmp_path: Path,
                                                                   sqlite_url: str) -> None:
    dovecot.append("intake", "INBOX", [make_email(body="y" * 9000), make_email(body="A short referral.")])
    env = service_env(tmp_path, dovecot, sqlite_url, extra_yaml="limits:\n  max_message_bytes: 4000\n")
    result = run_service(["poll", "--once"], env)
    assert result.returncode == 0, result.stderr
    assert "quarantined 1" in result.stdout and "case 1" in result.stdout

"""The outbox against a real SMTP server (aiosmtpd on loopback): sent once, retried, failed, never twice."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import Session, col, select

from intake.config.settings import AuthMethod
from intake.mail.oauth import StaticTokenSource
from intake.mail.smtp import SmtpTransport
from intake.outgoing import outbox
from intake.outgoing.outbox import OutboxSender
from intake.runtime import Runtime, build_runtime
from intake.store import ledger
from intake.store.export import cases_json, iter_messages
from intake.store.models import AuditEvent, Case, Disposition, Outbox, OutboxStatus, utcnow
from rules.screen import LOOP_HEADER
from tests.conftest import make_settings
from tests.support.intake_helpers import imap_env, run_service
from tests.support.mailfactory import PARTNERSHIP, referral_email
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)

FAST_RETRIES = "outbox:\n  backoff_base_seconds: 60\n  backoff_max_seconds: 600\n  max_attempts: 3\n"


def smtp_runtime(tmp_path: Path, db_url: str, server: SmtpServer, extra_yaml: str = "",
                 env: dict[str, str] | None = None) -> Runtime:
    """A runtime whose outgoing mail goes to the test server."""
    smtp_env = {"INTAKE_SMTP_HOST": server.host, "INTAKE_SMTP_PORT": str(server.port), **(env or {})}
    return build_runtime(make_settings(tmp_path, db_url=db_url, env=smtp_env, extra_yaml=FAST_RETRIES + extra_yaml))


def take_in(runtime: Runtime, raw: bytes):
    """Store and process one raw message, as a poll or `ingest` would."""
    with Session(runtime.engine) as session:
        stored = ledger.store_raw(session, raw, source="file")
    return runtime.pipeline.process(stored.message_pk)


def outbox_rows(runtime: Runtime) -> list[Outbox]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))))


def test_a_referral_is_acknowledged_once_with_threading_and_anti_loop_headers(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    outcome = take_in(runtime, referral_email(1, subject="Referral: Mrs Whitfield, 12 Acacia Avenue"))
    assert [r.status for r in outbox_rows(runtime)] == [OutboxStatus.PENDING]  # queued with the case
    report = runtime.send_due()
    assert len(report.sent) == 1 and runtime.send_due().sent == []
    [received] = smtp_server.received
    ack = received.message
    assert received.rcpt_tos == ("sarah.collins@frimley.example.org",)
    assert ack["From"].addresses[0].addr_spec == PARTNERSHIP
    assert outcome.case_reference in ack["Subject"]
    assert ack["In-Reply-To"] == "<referral-1@frimley.example.org>"
    assert ack["References"].split()[-1] == "<referral-1@frimley.example.org>"
    assert ack["Auto-Submitted"] == "auto-replied" and ack["X-Auto-Response-Suppress"] == "All"
    assert ack[LOOP_HEADER]
    assert ack["Message-ID"] == outbox_rows(runtime)[0].message_id  # recorded before it was sent
    text = ack.get_body(("plain",)).get_content()
    html = ack.get_body(("html",)).get_content()
    for body in (text, html):
        assert "1 Word document" in body and outcome.case_reference in body
        assert "SAR Referral Form" not in body  # a file is described by its kind, never by the name it was given
        assert "Whitfield" not in body and "Acacia" not in body
    with Session(runtime.engine) as session:
        [case] = __import__("json").loads(cases_json(session))
        [message] = list(iter_messages(session))
    assert case["acknowledged"] is True
    assert message["reply"] == "sent" and "acknowledgement sent" in message["reply_reason"]


def test_our_acknowledgement_coming_back_is_never_answered(db_url: str, tmp_path: Path,
                                                          smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    take_in(runtime, referral_email(1))
    runtime.send_due()
    echoed = take_in(runtime, smtp_server.received[0].data)  # e.g. a rule forwarding it back to the mailbox
    assert echoed.disposition is Disposition.IGNORED and "our own" in echoed.reason
    assert len(outbox_rows(runtime)) == 1


def test_a_temporary_failure_is_retried_after_a_backoff_and_then_sent(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    take_in(runtime, referral_email(1))
    smtp_server.fail_next("451 4.3.0 mailbox busy, try later")
    first = runtime.send_due()
    [row] = outbox_rows(runtime)
    assert first.retrying == [row.id] and row.status == OutboxStatus.PENDING and "451" in row.last_error
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=50)
    assert runtime.send_due().sent == []  # not due yet
    assert runtime.sender.send_due(now=utcnow() + timedelta(minutes=2)).sent == [row.id]
    assert len(smtp_server.received) == 1 and outbox_rows(runtime)[0].attempts == 2


def test_an_unreachable_server_is_a_temporary_failure(db_url: str, tmp_path: Path) -> None:
    server = SmtpServer()  # never started: connection refused
    runtime = smtp_runtime(tmp_path, db_url, server)
    take_in(runtime, referral_email(1))
    assert len(runtime.send_due().retrying) == 1
    [row] = outbox_rows(runtime)
    assert row.status == OutboxStatus.PENDING and "unreachable" in row.last_error


def test_temporary_failures_give_up_after_the_attempt_limit(db_url: str, tmp_path: Path,
                                                           smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    take_in(runtime, referral_email(1))
    smtp_server.fail_next("421 4.7.0 too many connections", times=3)
    for hours in range(3):
        runtime.sender.send_due(now=utcnow() + timedelta(hours=hours))
    [row] = outbox_rows(runtime)
    assert row.status == OutboxStatus.FAILED and row.reason.startswith("gave up after 3 attempts")
    assert smtp_server.received == []


def test_a_permanent_failure_is_not_retried_and_shows_as_failed(db_url: str, tmp_path: Path,
                                                              smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    take_in(runtime, referral_email(1))
    smtp_server.refused_recipients.add("sarah.collins@frimley.example.org")
    assert len(runtime.send_due().failed) == 1
    assert runtime.sender.send_due(now=utcnow() + timedelta(days=1)).sent == []
    [row] = outbox_rows(runtime)
    assert row.status == OutboxStatus.FAILED and "550" in row.reason
    with Session(runtime.engine) as session:
        case = session.exec(select(Case)).one()
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.case_pk == case.id))]
        [message] = list(iter_messages(session))
    assert not case.acknowledged and "acknowledgement_failed" in actions
    assert message["reply"] == "failed" and "550" in message["reply_reason"]


def test_a_crash_between_send_and_record_never_sends_the_email_again(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    take_in(runtime, referral_email(1))

    def crash(row: Outbox) -> None:
        raise SystemExit("killed after the SMTP server accepted the message")

    monkeypatch.setattr(runtime.sender, "mark_sent", crash)
    with pytest.raises(SystemExit):
        runtime.send_due()
    monkeypatch.undo()
    assert len(smtp_server.received) == 1 and outbox_rows(runtime)[0].status == OutboxStatus.SENDING
    # A restart at once, and again after the lease: the email is never sent a second time.
    restarted = build_runtime(runtime.settings)
    assert restarted.send_due().sent == []
    later = restarted.sender.send_due(now=utcnow() + timedelta(seconds=601))
    [row] = outbox_rows(runtime)
    assert later.interrupted == [row.id] and later.sent == []
    assert row.status == OutboxStatus.FAILED and "check the sent folder" in row.reason
    assert len(smtp_server.received) == 1
    with Session(runtime.engine) as session:  # staff looked, found it unsent, and asked for it again
        assert row.id is not None and outbox.retry(session, row.id)
    assert len(restarted.send_due().sent) == 1 and len(smtp_server.received) == 2


def test_two_senders_at_once_send_each_email_exactly_once(db_url: str, tmp_path: Path,
                                                         smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    for n in range(1, 7):
        take_in(runtime, referral_email(n, sender=f"referrer{n}@frimley.example.org"))
    senders = [OutboxSender(runtime.engine, SmtpTransport(runtime.settings.smtp), runtime.settings.outbox,
                            own_address=PARTNERSHIP, worker=f"worker-{i}") for i in range(2)]
    threads = [threading.Thread(target=s.send_due) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert {r.status for r in outbox_rows(runtime)} == {OutboxStatus.SENT}


def test_password_login_is_used_and_a_refused_login_is_permanent(db_url: str, tmp_path: Path) -> None:
    server = SmtpServer(users={"intake": "s3cret"}).start()
    try:
        env = {"INTAKE_SMTP_USERNAME": "intake", "INTAKE_SMTP_PASSWORD": "s3cret"}
        runtime = smtp_runtime(tmp_path, db_url, server, env=env)
        take_in(runtime, referral_email(1))
        assert len(runtime.send_due().sent) == 1
        assert server.logins[-1][2] is True and len(server.received) == 1
        take_in(runtime, referral_email(2))
        wrong = runtime.settings.smtp.model_copy(update={"password": SecretStr("wrong")})
        sender = OutboxSender(runtime.engine, SmtpTransport(wrong), runtime.settings.outbox, own_address=PARTNERSHIP)
        assert len(sender.send_due().failed) == 1
        assert "535" in outbox_rows(runtime)[-1].reason and len(server.received) == 1
    finally:
        server.stop()


def test_xoauth2_login_sends_with_a_bearer_token(db_url: str, tmp_path: Path) -> None:
    server = SmtpServer(oauth=("intake@rbwm.example.org", "token-123")).start()
    try:
        runtime = smtp_runtime(tmp_path, db_url, server)
        take_in(runtime, referral_email(1))
        settings = runtime.settings.smtp.model_copy(update={"username": "intake@rbwm.example.org"})
        settings = settings.model_copy(update={"auth": AuthMethod.OAUTH2})
        transport = SmtpTransport(settings, token_source=StaticTokenSource("token-123"))
        sender = OutboxSender(runtime.engine, transport, runtime.settings.outbox, own_address=PARTNERSHIP)
        assert len(sender.send_due().sent) == 1
        assert server.logins == [("XOAUTH2", "intake@rbwm.example.org", True)]
    finally:
        server.stop()


def test_poll_once_sends_the_mail_that_is_due(db_url: str, tmp_path: Path, smtp_server: SmtpServer,  # noqa: F811
                                              dovecot) -> None:
    dovecot.append("intake", "INBOX", referral_email(1))
    config = tmp_path / "poll.yaml"
    config.write_text(f"mailbox_address: {PARTNERSHIP}\n")
    env = {**os.environ, **imap_env(dovecot), "INTAKE_CONFIG": str(config), "INTAKE_DATABASE_URL": db_url,
           "INTAKE_LOG_LEVEL": "WARNING", "INTAKE_SMTP_HOST": smtp_server.host,
           "INTAKE_SMTP_PORT": str(smtp_server.port)}
    result = run_service(["poll", "--once"], env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "outbox: sent 1" in result.stdout
    assert len(smtp_server.received) == 1
    again = run_service(["poll", "--once"], env, timeout=300)
    assert again.returncode == 0 and "outbox: sent 0" in again.stdout and len(smtp_server.received) == 1

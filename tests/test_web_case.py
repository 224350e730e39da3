"""Case actions over HTTP on SQLite and PostgreSQL: each one changes the case and is audited; downloads."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from intake.store.models import AuditEvent, Case, CaseNote, Disposition, Message, Outbox, OutboxStatus
from tests.support.browser import csrf_from, seeded_runtime, served, signed_in_client

REF = "SAR-2026-0001"


def test_case_actions_are_applied_and_audited(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        token = csrf_from(client.get(f"/cases/{REF}").text)
        for path, data in ((f"/cases/{REF}/assign", {"assignee": "tina"}),
                           (f"/cases/{REF}/status", {"status": "awaiting_information"}),
                           (f"/cases/{REF}/notes", {"text": "Rang the referrer; form to follow."}),
                           (f"/cases/{REF}/duplicate", {"original": "CSPR-2026-0001"}),
                           (f"/cases/{REF}/duplicate", {"original": ""})):
            assert client.post(path, data={**data, "csrf_token": token}).status_code == 303, path
        raw = client.get(f"/cases/{REF}/messages/1.eml")
        assert raw.headers["content-disposition"].startswith("attachment") and b"Testperson" in raw.content
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == REF)).one()
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.case_pk == case.id,
                                                                           AuditEvent.actor == "tina"))]
        note = session.exec(select(CaseNote)).one()
    assert case.assignee == "tina" and case.status == "awaiting_information" and case.duplicate_of is None
    assert note.author == "tina"
    assert actions == ["case_viewed", "case_assigned", "status_changed", "note_added", "duplicate_linked",
                       "duplicate_unlinked", "email_downloaded"]


def test_quarantine_not_a_referral_and_failed_mail_retry(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    with Session(runtime.engine) as session:
        mail = session.exec(select(Outbox)).first()
        mail.status = OutboxStatus.FAILED
        mail.last_error = "SMTP 550: mailbox unavailable"
        session.add(mail)
        session.commit()
        mail_id = mail.id
        quarantined = session.exec(select(Message).where(Message.disposition == Disposition.QUARANTINED)).one().id
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        page = client.get("/health")
        assert "SMTP 550" in page.text and "the reader fell over" in page.text
        token = csrf_from(page.text)
        assert client.post(f"/messages/{quarantined}/not-referral",
                           data={"reason": "a newsletter", "csrf_token": token}).status_code == 303
        assert client.post(f"/outbox/{mail_id}/retry", data={"csrf_token": token}).status_code == 303
        assert client.post(f"/outbox/{mail_id}/retry", data={"csrf_token": token}).status_code == 409
        found = client.get("/health?q=frimley&disposition=case")
        assert "sar-1@frimley.example.org" in found.text
    with Session(runtime.engine) as session:
        message = session.get(Message, quarantined)
        assert message.disposition == Disposition.IGNORED and "a newsletter" in message.reason
        assert session.get(Outbox, mail_id).status == OutboxStatus.PENDING


def test_the_live_concern_band_says_whether_the_duty_team_was_really_alerted(tmp_path: Path) -> None:
    """The band told staff "the duty team was alerted" even with no duty address set; it now says what happened."""
    duty = "alerts:\n  duty_address: duty@rbwm.example.org\n"
    for extra, expected in (("", "No alert was sent"), (duty, "An alert to the duty team is on its way")):
        folder = tmp_path / ("with-duty" if extra else "without")
        folder.mkdir()
        runtime = seeded_runtime(folder, f"sqlite:///{folder / 'intake.db'}", extra_yaml=extra)
        with Session(runtime.engine) as session:
            concern = session.exec(select(Case).where(Case.live_concern)).first()
            assert concern is not None, "the seeded child's referral is a live concern"
            reference = concern.reference
        with served(runtime) as base:
            page = signed_in_client(base, "tina").get(f"/cases/{reference}").text
        assert expected in page and "The duty team was alerted" not in page
        with Session(runtime.engine) as session:
            for outbox in session.exec(select(Outbox)).all():
                outbox.status = OutboxStatus.SENT
                session.add(outbox)
            session.commit()
        if extra:
            with served(runtime) as base:
                assert "The duty team was alerted by email" in signed_in_client(base, "tina").get(
                    f"/cases/{reference}").text

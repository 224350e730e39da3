"""Retention in the web UI over HTTP, on SQLite and PostgreSQL: the legal-hold form (managers and admins only, CSRF,
a reason, audited, a badge) and a purged case's page (its tombstone, not an error), with every action refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from intake.config.settings import RetentionSettings
from intake.store.models import AuditAction, AuditEvent, Case, CaseStatus, LegalHold, Message
from intake.store.purge import run_purge
from intake.store.retention import Policy
from tests.support.browser import csrf_from, seeded_runtime, served, signed_in_client

REF = "SAR-2026-0001"


def test_only_managers_and_admins_place_and_release_a_legal_hold_with_a_reason(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    with served(runtime) as base:
        tina, mona = signed_in_client(base, "tina"), signed_in_client(base, "mona")
        page = tina.get(f"/cases/{REF}").text
        assert "Place on legal hold" not in page
        refused = tina.post(f"/cases/{REF}/legal-hold", data={"reason": "mine", "csrf_token": csrf_from(page)})
        assert refused.status_code == 403  # the role is checked on the POST, not only by hiding the form
        page = mona.get(f"/cases/{REF}").text
        assert "Place on legal hold" in page and "On legal hold" not in page
        assert mona.post(f"/cases/{REF}/legal-hold", data={"reason": "inquest"}).status_code == 403  # no CSRF
        assert mona.post(f"/cases/{REF}/legal-hold",
                         data={"reason": "inquest", "csrf_token": "forged"}).status_code == 403
        token = csrf_from(page)
        assert mona.post(f"/cases/{REF}/legal-hold", data={"reason": " ", "csrf_token": token}).status_code == 422
        placed = mona.post(f"/cases/{REF}/legal-hold",
                           data={"reason": "Coroner's inquest <b>opened</b>", "csrf_token": token})
        assert placed.status_code == 303
        held = tina.get(f"/cases/{REF}").text
        assert "On legal hold" in held and "Coroner&#39;s inquest &lt;b&gt;opened&lt;/b&gt;" in held
        assert "Release the hold" not in held  # triage sees the badge, not the form
        assert mona.post(f"/cases/{REF}/legal-hold", data={"reason": "again", "csrf_token": token}).status_code == 422
        released = mona.post(f"/cases/{REF}/legal-hold/release", data={"reason": "inquest closed",
                                                                       "csrf_token": token})
        assert released.status_code == 303
        assert "On legal hold" not in mona.get(f"/cases/{REF}").text
    with Session(runtime.engine) as session:
        assert session.exec(select(LegalHold)).all() == []
        events = session.exec(select(AuditEvent).where(col(AuditEvent.action).in_(
            [AuditAction.LEGAL_HOLD_PLACED, AuditAction.LEGAL_HOLD_RELEASED])).order_by(col(AuditEvent.id))).all()
    assert [(e.action, e.actor, e.detail["reason"]) for e in events] == [
        ("legal_hold_placed", "mona", "Coroner's inquest <b>opened</b>"),
        ("legal_hold_released", "mona", "inquest closed")]


def test_a_purged_case_shows_its_tombstone_and_refuses_every_action(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == REF)).one()
        case.status, case.updated_at = CaseStatus.CLOSED, case.updated_at - timedelta(days=7 * 366)
        session.add(case)
        session.commit()
        [message_pk] = session.exec(select(Message.id).where(Message.case_pk == case.id)).all()
    assert run_purge(runtime.engine, Policy.from_settings(RetentionSettings())).cases == [REF]
    with served(runtime) as base:
        tina = signed_in_client(base, "tina")
        page = tina.get(f"/cases/{REF}")
        assert page.status_code == 200
        assert "Deleted" in page.text and "retention.cases.closed: 6 years after it ended" in page.text
        assert "Testperson" not in page.text and "frimley" not in page.text
        token = csrf_from(tina.get("/").text)
        assert tina.post(f"/cases/{REF}/notes", data={"text": "hello", "csrf_token": token}).status_code == 410
        assert tina.get(f"/cases/{REF}/messages/{message_pk}.eml").status_code == 410
        assert tina.get(f"/messages/{message_pk}.eml").status_code == 410
        assert tina.get(f"/cases/{REF}/print").status_code == 410
        queue = tina.get("/?status=all").text
        assert REF not in queue and "CSPR-2026-0001" in queue

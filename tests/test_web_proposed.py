"""Staff accept or reject the fields a follow-up from a different sender proposed — over HTTP, on SQLite and
PostgreSQL: shown apart and labelled "not applied", role-checked, CSRF-protected, audited, and accepting runs the
recommendation again."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from demo.forms import SAR_FORM, Layout, build
from demo.mailbox import variant
from intake.store.models import AuditEvent, Case, CaseField, Proposal, Role
from intake.store.rows import pk
from intake.web import security
from tests.support.browser import csrf_from, seeded_runtime, served, signed_in_client, take_in
from tests.support.mailfactory import DOCX_TYPE, make_email

STRANGER = "attacker@elsewhere.example.net"


def _with_form(sender: str, subject: str, **answers: str) -> bytes:
    name, data = build(variant(SAR_FORM, answers), Layout.DOCX_TABLE)
    return make_email(sender=sender, subject=subject, attachments=[(name, data, DOCX_TYPE)])


def _case_with_a_stranger_follow_up(runtime) -> str:
    reference = take_in(runtime, _with_form("sarah.collins@frimley.example.org", "SAR referral")).case_reference
    # The stranger names someone else, born in 2015: a child's case, were it applied.
    take_in(runtime, _with_form(STRANGER, f"Re: Referral received: {reference}",
                                **{"Name of adult": "Eve Substitute", "Date of birth": "01/01/2015"}))
    return reference


def _fields(runtime, reference: str) -> tuple[Case, list[CaseField]]:
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        rows = list(session.exec(select(CaseField).where(CaseField.case_pk == case.id).order_by(col(CaseField.id))))
    return case, rows


def _proposed_id(rows: list[CaseField], name: str) -> int:
    return next(pk(r) for r in rows if r.name == name and r.proposal == Proposal.PROPOSED)


def test_proposed_fields_are_shown_apart_and_accepted_one_by_one_then_rejected(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    reference = _case_with_a_stranger_follow_up(runtime)
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        page = client.get(f"/cases/{reference}").text
        assert "From a different sender — not applied" in page and "Eve Substitute" not in page.split('id="fields"')[1]
        assert re.search(r'id="proposed-\d+".*?Whitfield.*?Substitute.*?not applied', page, re.DOTALL)
        assert "Follow-up from a different sender" in page
        queue = client.get("/").text
        assert "from a different sender — not applied" in queue  # the case's flag, in the queue
        case, rows = _fields(runtime, reference)
        surname = _proposed_id(rows, "subject.surname")
        token = csrf_from(page)
        accepted = client.post(f"/cases/{reference}/proposed/accept",
                               data={"field_id": str(surname), "csrf_token": token})
        assert accepted.status_code == 303 and "1%20proposed%20field%20accepted" in accepted.headers["location"]
        case, rows = _fields(runtime, reference)
        current = {r.name: r.value for r in rows if r.current}
        assert current["subject.surname"] == "Substitute" and current["subject.forenames"] == "Margaret Ellen"
        assert "different_sender" in case.flags  # other proposals still wait
        rejected = client.post(f"/cases/{reference}/proposed/reject", data={"csrf_token": token})
        assert rejected.status_code == 303
        assert client.post(f"/cases/{reference}/proposed/reject", data={"csrf_token": token}).status_code == 409
        page = client.get(f"/cases/{reference}").text
    case, rows = _fields(runtime, reference)
    assert "different_sender" not in case.flags and "From a different sender — not applied" not in page
    assert {r.proposal for r in rows if r.proposal} == {Proposal.ACCEPTED, Proposal.REJECTED}
    assert [r.value for r in rows if r.name == "subject.surname" and not r.current] == ["Whitfield"]
    with Session(runtime.engine) as session:
        actions = [str(e.action) for e in session.exec(select(AuditEvent).where(AuditEvent.actor == "tina")
                                                  .order_by(col(AuditEvent.id)))]
    assert actions.count("proposed_field_accepted") == 1 and actions.count("proposed_field_rejected") >= 2


def test_accepting_all_runs_the_recommendation_again(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    reference = _case_with_a_stranger_follow_up(runtime)
    before, rows = _fields(runtime, reference)
    assert (before.track, before.sar) == ("adult", "mandatory")
    with served(runtime) as base:
        client = signed_in_client(base, "mona")
        token = csrf_from(client.get(f"/cases/{reference}").text)
        assert client.post(f"/cases/{reference}/proposed/accept", data={"csrf_token": token}).status_code == 303
    after, rows = _fields(runtime, reference)
    current = {r.name: r.value for r in rows if r.current}
    assert current["subject.surname"] == "Substitute" and current["subject.date_of_birth"] == "2015-01-01"
    assert after.track == "child" and "track_mismatch" in after.flags  # the rules ran on the accepted fields
    assert "different_sender" not in after.flags
    assert not [r for r in rows if r.proposal == Proposal.PROPOSED]


def test_deciding_needs_a_session_the_csrf_token_and_the_permission(db_url: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    reference = _case_with_a_stranger_follow_up(runtime)
    with served(runtime) as base:
        stranger = httpx.Client(base_url=base)
        assert stranger.post(f"/cases/{reference}/proposed/accept").status_code == 401  # not signed in
        client = signed_in_client(base, "tina")
        page = client.get(f"/cases/{reference}").text
        for data in ({}, {"csrf_token": "f" * 64}):
            assert client.post(f"/cases/{reference}/proposed/accept", data=data).status_code == 403
        monkeypatch.setitem(security.ROLE_PERMISSIONS, Role.TRIAGE,
                            security.ROLE_PERMISSIONS[Role.TRIAGE] - {security.Permission.WORK_CASE})
        refused = client.post(f"/cases/{reference}/proposed/accept", data={"csrf_token": csrf_from(page)})
        assert refused.status_code == 403
        assert "Accept all proposed fields" not in client.get(f"/cases/{reference}").text
    _, rows = _fields(runtime, reference)
    assert all(r.proposal == Proposal.PROPOSED for r in rows if r.proposal)  # nothing was applied


def test_a_follow_up_that_proposes_nothing_is_marked_reviewed(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    reference = take_in(runtime, _with_form("sarah.collins@frimley.example.org", "SAR referral")).case_reference
    take_in(runtime, make_email(sender=STRANGER, subject=f"Re: {reference}", body="Please call me."))
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        page = client.get(f"/cases/{reference}").text
        assert "It proposed no fields" in page and "Please call me." in page
        assert client.post(f"/cases/{reference}/proposed/reviewed",
                           data={"csrf_token": csrf_from(page)}).status_code == 303
    case, _ = _fields(runtime, reference)
    assert "different_sender" not in case.flags

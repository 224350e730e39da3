"""An encrypted form, read once staff type the password the referrer gave by phone."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, select

from demo.forms import SAR_FORM, Layout, build, encrypt_pdf
from intake.store.models import AuditEvent, Case, CaseField
from tests.support.browser import csrf_from, seeded_runtime, served, signed_in_client, take_in
from tests.support.mailfactory import make_email


def test_staff_read_an_encrypted_form_with_its_password_which_is_never_kept(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    _, pdf = build(SAR_FORM, Layout.PDF_ACROFORM_NAMED)
    outcome = take_in(runtime, make_email(message_id="<locked@example.org>", attachments=[
        ("SAR form.pdf", encrypt_pdf(pdf, "Windsor2026"), "application/pdf")]))
    reference = outcome.case_reference
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        assert "encrypted_attachment" in case.flags and case.sar == "needs_information"
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        page = client.get(f"/cases/{reference}").text
        assert "Read attachment" in page
        token = csrf_from(page)
        found = re.search(rf'action="(/cases/{reference}/attachments/\d+/unlock)"', page)
        assert found is not None, "no unlock form on the case page"
        action = found[1]
        wrong = client.post(action, data={"password": "guess", "csrf_token": token})
        # The notice is named by key in the redirect and written out by the page it leads to.
        assert "did not open" in client.get(wrong.headers["location"]).text
        right = client.post(action, data={"password": "Windsor2026", "csrf_token": token})
        assert right.status_code == 303 and "attachment read" in client.get(right.headers["location"]).text
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        surname = session.exec(select(CaseField).where(CaseField.case_pk == case.id,
                                                       CaseField.name == "subject.surname",
                                                       CaseField.current)).one()
        audit = [(e.action, e.detail) for e in session.exec(select(AuditEvent).where(AuditEvent.case_pk == case.id))]
    assert surname.value == "Whitfield"
    assert "encrypted_attachment" not in case.flags
    assert case.form_type == "sar_referral" and case.sar == "mandatory"
    assert [a for a, _ in audit if a.startswith("attachment_unlock")] == ["attachment_unlock_refused",
                                                                            "attachment_unlocked"]
    assert all("Windsor2026" not in str(detail) and "guess" not in str(detail) for _, detail in audit)


def test_an_unlocked_form_about_someone_already_referred_is_flagged_a_possible_duplicate(
        sqlite_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, sqlite_url)
    _, pdf = build(SAR_FORM, Layout.PDF_ACROFORM_NAMED)
    first = take_in(runtime, make_email(message_id="<open@example.org>", attachments=[
        ("SAR form.pdf", pdf, "application/pdf")])).case_reference
    locked = take_in(runtime, make_email(message_id="<locked-2@example.org>", attachments=[
        ("Protected.pdf", encrypt_pdf(pdf, "Windsor2026"), "application/pdf")])).case_reference
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        page = client.get(f"/cases/{locked}").text
        found = re.search(rf'action="(/cases/{locked}/attachments/\d+/unlock)"', page)
        assert found is not None
        client.post(found[1], data={"password": "Windsor2026", "csrf_token": csrf_from(page)})
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == locked)).one()
        events = [e.detail for e in session.exec(select(AuditEvent).where(AuditEvent.case_pk == case.id,
                                                                          AuditEvent.action == "possible_duplicate"))]
    assert case.duplicate_of == first and "possible_duplicate" in case.flags
    assert events == [{"duplicate_of": first, "rule": "the same NHS number"}]

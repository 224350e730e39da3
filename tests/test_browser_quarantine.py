"""Quarantine in Debian's chromium: sender, subject, stage and reason in words; a requeue that says what it
did; a genuine referral filed as a case by hand (audited); the deployment warnings on the health page."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from intake.store.models import AuditEvent, Case, CaseField, Disposition, Message
from tests.support.browser import (
    PASSWORDS,
    SCREENSHOTS,
    chromium_missing,
    launch_chromium,
    seeded_runtime,
    served,
    take_in,
)
from tests.support.mailfactory import make_email

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]


def _quarantine(runtime, subject: str, sender: str, message_id: str) -> int:
    good = runtime.pipeline._stages

    def broken(data: bytes):
        raise RuntimeError("the email could not be parsed")

    runtime.pipeline._stages = dataclasses.replace(good, parse=broken)
    try:
        outcome = take_in(runtime, make_email(subject=subject, sender=sender, body="See the attached form.",
                                              message_id=message_id))
    finally:
        runtime.pipeline._stages = good
    assert outcome.disposition == Disposition.QUARANTINED
    return outcome.message_pk


def test_quarantine_for_staff(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    unreadable = _quarantine(runtime, "Urgent SAR referral – Mrs Ó", "jo.bloggs@wexham.example.org",
                             "<unreadable-1@wexham.example.org>")
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/signin")
        page.fill("input[name=username]", "tina")
        page.fill("input[name=password]", PASSWORDS["tina"])
        page.click("button:has-text('Sign in')")
        page.click("a:has-text('Intake health')")
        warnings = page.locator("li.warning").all_inner_texts()
        assert any(w.startswith("acknowledgements.phone") for w in warnings)
        assert any(w.startswith("digest.recipients") for w in warnings)
        # The suite names its key file (tests/conftest.py), so that check passes here (tests/test_checks.py has it).
        assert not any(w.startswith("INTAKE_ENCRYPTION_KEY_FILE") for w in warnings)
        assert any(w.startswith("sender_trust.authserv_id") for w in warnings)
        row = page.locator(f"tr[data-message='{unreadable}']")
        assert "jo.bloggs@wexham.example.org" in row.inner_text()  # never parsed: read from its headers
        assert "Urgent SAR referral – Mrs Ó" in row.inner_text()
        assert "reading the email itself" in row.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "health.png"), full_page=True)

        others = page.locator("table.quarantine tr[data-message]").all()
        seeded = next(r for r in others if r.get_attribute("data-message") != str(unreadable))
        seeded.locator("button:has-text('Requeue')").click()
        assert re.search(r"message \d+: filed as SAR-2026-\d{4}", page.locator(".notice").inner_text())

        page.locator(f"tr[data-message='{unreadable}'] a:has-text('File as a case by hand')").click()
        assert "jo.bloggs@wexham.example.org" in page.content()
        page.select_option("select[name=track]", "adult")
        page.fill("input[name='subject.surname']", "Ó Súilleabháin")
        page.fill("input[name='subject.date_of_birth']", "not a date")
        page.click("button:has-text('File as a case')")
        assert "write the date as dd/mm/yyyy" in page.locator(".error").inner_text()
        page.fill("input[name='subject.surname']", "Ó Súilleabháin")
        page.fill("input[name='subject.forenames']", "Máire")
        page.fill("input[name='subject.date_of_birth']", "02/03/1941")
        page.select_option("select[name='event.is_deceased']", "yes")
        page.fill("input[name='event.date_of_death']", "01/03/2026")
        page.select_option("select[name='event.abuse_or_neglect']", "suspected")
        page.click("button:has-text('File as a case')")
        heading = page.locator("h1").inner_text()
        assert "SAR-" in heading  # "Case SAR-2026-0003 new": the case page of the case just filed
        browser.close()
    with Session(runtime.engine) as session:
        message = session.get(Message, unreadable)
        case = session.get(Case, message.case_pk)
        assert message.disposition == Disposition.CASE and case.reference in heading
        surname = session.exec(select(CaseField).where(CaseField.case_pk == case.id,
                                                       CaseField.name == "subject.surname")).one()
        assert surname.value == "Ó Súilleabháin" and "entered by tina" in surname.source
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "case_filed_by_hand")).all()
        assert (event.actor, event.message_pk, event.case_pk) == ("tina", unreadable, case.id)
        assert case.track == "adult" and case.sar != "not_applicable"

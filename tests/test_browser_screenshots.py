"""The README's screenshots, of the demo cases (`make run` shows the same): the queue, a case page, checking a
correction, the case page on a phone and the print summary. Also checks the demo holds every path to try."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from demo.mailbox import demo_messages
from intake.runtime import build_runtime
from intake.store.models import Case, Disposition, Message
from intake.store.users import add_user
from intake.web.caseview import london_today
from tests.conftest import make_settings
from tests.support.browser import PASSWORDS, ROLES, SCREENSHOTS, chromium_missing, launch_chromium, served, take_in
from tests.test_browser_desk import sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]


def test_screenshots_of_the_demo_cases(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = build_runtime(make_settings(tmp_path, db_url=sqlite_url,
                                          env={"INTAKE_WEB_SECRET": "test-secret-" + "x" * 20}))
    with Session(runtime.engine) as session:
        for name, password in PASSWORDS.items():
            add_user(session, username=name, password=password, role=ROLES[name])
    for raw in demo_messages(datetime.now(UTC).replace(microsecond=0)):
        take_in(runtime, raw)
    with Session(runtime.engine) as session:
        cases = list(session.exec(select(Case)))
        quarantined = session.exec(select(Message).where(Message.disposition == Disposition.QUARANTINED)).all()
    overdue = sorted((c for c in cases if c.nearest_deadline and c.nearest_deadline < london_today()),
                     key=lambda c: c.nearest_deadline or date.max)
    assert len(quarantined) == 1 and overdue and any("encrypted_attachment" in c.flags for c in cases)
    reference = overdue[0].reference
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1366, "height": 820})
        sign_in(page, base)
        assert page.locator(".badge-overdue").count() >= 1
        page.screenshot(path=str(SCREENSHOTS / "queue.png"))
        page.goto(f"{base}/cases/{reference}")
        page.wait_for_load_state("networkidle")  # the preview frame's converted form
        page.screenshot(path=str(SCREENSHOTS / "case.png"))
        row = page.locator("#field-subject-date_of_birth")
        row.locator("summary:has-text('Correct')").click()
        row.get_by_label("New value for Date of birth").fill("14 June 2008")
        row.locator("button:has-text('Check the change')").click()
        page.screenshot(path=str(SCREENSHOTS / "correction.png"))
        page.goto(f"{base}/cases/{reference}/print")
        page.screenshot(path=str(SCREENSHOTS / "print.png"), full_page=True)
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        sign_in(phone, base)
        phone.goto(f"{base}/cases/{reference}")
        phone.screenshot(path=str(SCREENSHOTS / "case-phone.png"))
        browser.close()

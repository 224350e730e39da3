"""The triage UI in Debian's chromium (Playwright): the whole round of a triage worker, and the refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from intake.outgoing.digest import gather, preview_html
from intake.store.models import Case, CaseField, Decision, Disposition, Message, utcnow
from tests.support.browser import (
    PASSWORDS,
    SCREENSHOTS,
    bulk_cases,
    chromium_missing,
    launch_chromium,
    seeded_runtime,
    served,
)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]


def _sign_in(page, base: str, username: str, password: str | None = None) -> None:
    page.goto(f"{base}/")
    assert page.url.endswith("/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or PASSWORDS[username])
    page.click("button:has-text('Sign in')")


def test_a_triage_round_in_the_browser(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    bulk_cases(runtime.engine, 60)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _sign_in(page, base, "ada", "not-the-password")
        assert "password is wrong" in page.content()  # a wrong password refused
        _sign_in(page, base, "ada")
        assert page.locator("h1").inner_text() == "Referral queue"

        page.fill("input[name=q]", "Testperson")  # find a case by name
        page.click("button:has-text('Show')")
        links = page.locator("table.queue tbody a[href^='/cases/']")
        assert links.count() == 1
        reference = links.first.inner_text()
        links.first.click()
        assert page.locator("h1").inner_text().startswith(f"Case {reference}")
        assert "Surname" in page.content() and "Date of birth" in page.content()

        row = page.locator("#field-subject-surname")
        row.locator("summary:has-text('Correct')").click()
        row.get_by_label("New value for Surname").fill("Testperson-Hale")
        row.locator("button:has-text('Check the change')").click()
        page.click("button:has-text('Save the change')")
        assert "field corrected" in page.content() and "was: Testperson" in page.content()

        page.select_option("select[name=sar]", "mandatory")
        page.fill("textarea[name=rationale]", "Died of neglect; agencies' joint working is in question.")
        page.click("button:has-text('Record decision')")
        assert "decision recorded" in page.content()
        assert page.locator("h1 .status").inner_text() == "decided"

        page.click("a:has-text('Intake health')")
        page.click("table.quarantine button:has-text('Requeue')")
        assert re.search(r"message \d+: filed as (SAR|CSPR|REF)-2026-\d{4}", page.content())

        page.click("button:has-text('Sign out')")
        assert page.url.endswith("/signin")
        page.goto(f"{base}/")
        assert page.url.endswith("/signin")  # the session is gone
        browser.close()
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        rows = session.exec(select(CaseField).where(CaseField.case_pk == case.id,
                                                    CaseField.name == "subject.surname")).all()
        decision = session.exec(select(Decision).where(Decision.case_pk == case.id)).one()
        assert not session.exec(select(Message).where(Message.disposition == Disposition.QUARANTINED)).all()
    assert {(r.value, r.current, r.corrected_by) for r in rows} == {("Testperson", False, None),
                                                                   ("Testperson-Hale", True, "ada")}
    assert decision.sar == "mandatory" and decision.decided_by == "ada" and case.status == "decided"


def test_refusals_in_the_browser(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        _sign_in(page, base, "tina")
        response = page.goto(f"{base}/audit")  # a triage user refused an admin page
        assert response.status == 403 and "Not allowed" in page.content()
        reference = "SAR-2026-0001"
        posted = page.request.post(f"{base}/cases/{reference}/notes", form={"text": "no token"})
        assert posted.status == 403  # a POST without its CSRF token refused
        forged = page.request.post(f"{base}/cases/{reference}/notes", form={"text": "bad", "csrf_token": "0" * 64})
        assert forged.status == 403
        browser.close()


def test_digest_screenshot(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    bulk_cases(runtime.engine, 90)
    with Session(runtime.engine) as session:
        from zoneinfo import ZoneInfo

        content = gather(session, now=utcnow(), tz=ZoneInfo("Europe/London"), base_url="https://triage.rbwm.example.org")
    preview = tmp_path / "digest.html"
    preview.write_text(preview_html(content), encoding="utf-8")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 720, "height": 900})
        page.goto(preview.as_uri())
        assert page.locator("img").evaluate("img => img.naturalWidth") == 600  # the PNG decodes
        page.screenshot(path=str(SCREENSHOTS / "digest.png"), full_page=True)
        browser.close()

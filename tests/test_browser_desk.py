"""The triage desk in Debian's chromium (Playwright): previews of every attachment kind, typed corrections,
deadline badges, search by every key, the print summary, and pages that fit a phone and a laptop."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from intake.store.models import AuditEvent, Case, CaseField, DocumentPreview
from intake.web.caseview import london_today
from tests.support.browser import (
    PASSWORDS,
    chromium_missing,
    launch_chromium,
    seeded_runtime,
    served,
)
from tests.support.desk import every_kind_case, set_deadline

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]


def sign_in(page, base: str, username: str = "tina") -> None:
    """Sign in through the form."""
    page.goto(f"{base}/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button:has-text('Sign in')")


def _case(runtime, reference: str) -> Case:
    with Session(runtime.engine) as session:
        return session.exec(select(Case).where(Case.reference == reference)).one()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="apt-get install libreoffice-writer-nogui")
def test_every_attachment_kind_opens_and_previews(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    reference = every_kind_case(runtime)
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        sign_in(page, base)
        page.goto(f"{base}/cases/{reference}")
        items = page.locator("ul.attachments li")
        assert items.count() == 5
        kinds = {}
        for name in ("SAR form.pdf", "Chronology.docx", "Photo of the room.png", "Notes.txt"):
            item = items.filter(has_text=name)
            href = item.locator("a:has-text('Show')").get_attribute("href")
            item.locator("a:has-text('Show')").click()
            page.wait_for_function("h => document.querySelector('iframe.preview').contentWindow.location.href"
                                   ".endsWith(h)", arg=href)
            answer = page.request.get(f"{base}{href}")  # what the frame was given (the PDF viewer hides it)
            kinds[name] = (answer.status, answer.headers["content-type"])
            with page.expect_download() as download:
                item.locator("a:has-text('Download')").click()
            assert download.value.suggested_filename == name
        assert items.filter(has_text="Bundle.zip").locator("a:has-text('Show')").count() == 0  # no preview
        with page.expect_download() as download:
            items.filter(has_text="Bundle.zip").locator("a:has-text('Download')").click()
        assert download.value.suggested_filename == "Bundle.zip"
        # A field read from the PDF links to its page in the preview.
        source = page.locator("#field-subject-surname td.source a")
        assert "/preview#page=1" in source.get_attribute("href") and source.get_attribute("target") == "preview"
        missing = page.request.get(f"{base}/cases/{reference}/attachments/99999")
        assert (missing.status == 404 and "Page not found" in missing.text()) or "no such" in missing.text().lower()
        browser.close()
    assert kinds == {"SAR form.pdf": (200, "application/pdf"), "Chronology.docx": (200, "application/pdf"),
                     "Photo of the room.png": (200, "image/png"), "Notes.txt": (200, "application/pdf")}
    case = _case(runtime, reference)
    with Session(runtime.engine) as session:
        served_rows = [e.detail for e in session.exec(select(AuditEvent).where(
            AuditEvent.case_pk == case.id, AuditEvent.action == "attachment_downloaded"))]
        previews = session.exec(select(DocumentPreview)).all()
    # The page's own preview frame plus one "Show" per kind and one download per file: only what was served.
    assert sum(1 for d in served_rows if not d["inline"]) == 5
    assert len(previews) == 2 and all(p.pdf_sha256 for p in previews)  # docx and txt, converted once each


def test_typed_corrections_refusals_and_an_added_field(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    reference = "CSPR-2026-0001"
    before = _case(runtime, reference)
    assert before.cspr == "met" and before.panel_notification is not None
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        sign_in(page, base)
        page.goto(f"{base}/cases/{reference}")
        row = page.locator("#field-subject-date_of_birth")
        row.locator("summary:has-text('Correct')").click()
        row.get_by_label("New value for Date of birth").fill("14/06/2008")
        row.locator("button:has-text('Check the change')").click()
        assert page.locator("h1").inner_text().startswith("Check the change")
        assert "05/06/2015" in page.content() and "14/06/2008" in page.content()
        assert page.locator("table.what-if tr.changed").count() == 0  # CSPR and deadline unchanged
        page.click("button:has-text('Save the change')")
        assert "field corrected" in page.content()
        assert page.locator("#field-subject-date_of_birth .value").inner_text() == "14/06/2008"

        row = page.locator("#field-event-date_of_incident")
        row.locator("summary:has-text('Correct')").click()
        row.get_by_label("New value for Date of incident").fill("sometime in spring")
        row.locator("button:has-text('Check the change')").click()
        error = page.locator("#field-event-date_of_incident .field-error")
        assert "is not a date" in error.inner_text() and "not saved" in error.inner_text()

        page.locator("details.add-field summary").click()
        page.select_option("details.add-field select[name=name]", label="Child protection plan")
        page.fill("details.add-field input[name=value]", "maybe")
        page.click("details.add-field button:has-text('Check the change')")
        assert "choose one of the listed answers" in page.locator("#add-error").inner_text()
        page.locator("details.add-field summary").click() if not page.locator(
            "details.add-field[open]").count() else None
        page.select_option("details.add-field select[name=name]", label="Child protection plan")
        page.fill("details.add-field input[name=value]", "yes")
        page.click("details.add-field button:has-text('Check the change')")
        page.click("button:has-text('Save the change')")
        assert "field added" in page.content()
        browser.close()
    after = _case(runtime, reference)
    with Session(runtime.engine) as session:
        current = {f.name: f.value for f in session.exec(select(CaseField).where(
            CaseField.case_pk == after.id, CaseField.current))}
    assert current["subject.date_of_birth"] == "2008-06-14"
    assert current["event.date_of_incident"] == "2026-03-02"  # the refused value was not saved
    assert current["child.child_protection_plan"] == "yes"
    assert after.cspr == "met" and after.panel_notification == before.panel_notification


def test_overdue_badge_live_concern_first_and_search_by_every_key(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    reference = every_kind_case(runtime)  # Margaret Ellen Whitfield, 12/03/1941, 943 476 5919, SL4 5UB
    today = london_today()
    set_deadline(runtime, reference, today - timedelta(days=5))
    set_deadline(runtime, "CSPR-2026-0001", today)
    with Session(runtime.engine) as session:
        child = session.exec(select(Case).where(Case.reference == "CSPR-2026-0001")).one()
        child.signposts = [*child.signposts, "live_concern"]
        session.add(child)
        session.commit()
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        sign_in(page, base)
        rows = page.locator("table.queue tbody tr")
        assert "CSPR-2026-0001" in rows.first.inner_text() and "Live concern" in rows.first.inner_text()
        overdue = page.locator("tr", has=page.locator(f"a:has-text('{reference}')")).locator(".badge-overdue")
        assert overdue.inner_text() == "Overdue by 5 days"
        assert page.locator(".badge-today").first.inner_text() == "Due today"
        assert "Margaret Ellen Whitfield" in page.content() and "born 12/03/1941" in page.content()
        assert "open" in page.locator("p.count").inner_text()
        for query in (reference, reference[-4:], "Margaret Whitfield", "whitfield", "Ellen Whitf", "9434765919",
                      "943 476 5919", "12/03/1941", "12.3.41", "12 March 1941", "SL4 5UB", "sl45ub"):
            page.goto(f"{base}/")
            page.fill("input[name=q]", query)
            page.click("button:has-text('Show')")
            found = page.locator("table.queue tbody a[href^='/cases/']").all_inner_texts()
            assert found == [reference], (query, found)
        page.click("a:has-text('My cases')")
        assert "assigned to you" in page.locator("p.count").inner_text()
        page.goto(f"{base}/?status=all")
        page.locator("tr", has=page.locator(f"a:has-text('{reference}')")).locator(
            "button:has-text('Assign to me')").click()
        assert reference in page.locator("table.queue").inner_text()
        browser.close()
    assert _case(runtime, reference).assignee == "tina"


def test_the_print_summary_fits_one_a4_page(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    runtime = seeded_runtime(tmp_path, sqlite_url)
    reference = every_kind_case(runtime)
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        sign_in(page, base)
        page.goto(f"{base}/cases/{reference}")
        page.click("a:has-text('Print summary for the panel')")
        assert page.locator("form, nav, input, select, button, textarea").count() == 0
        assert "Whitfield" in page.content()
        pdf = page.pdf(format="A4", print_background=True)
        browser.close()
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1

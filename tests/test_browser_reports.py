"""A manager on the Reports page in Debian's chromium: monthly figures with charts, then both CSV downloads,
read back with Python's csv module: accents intact (UTF-8 with a BOM), readable headers, UK dates, the
staff decision and its rationale, and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from intake.store.models import Case, CaseField, CaseNote, Decision, StaffSar
from intake.store.rows import pk
from tests.support.browser import PASSWORDS, SCREENSHOTS, chromium_missing, launch_chromium, seeded_runtime, served

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]

RATIONALE = "Décidé après réunion: Zoë's family agree; neglect by the care home is likely."


def decide_with_accents(runtime) -> str:
    """Record a staff decision and correct the surname to one with accents; returns the case reference."""
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.track == "adult")).one()
        case_pk = pk(case)
        old = session.exec(select(CaseField).where(CaseField.case_pk == case_pk,
                                                   CaseField.name == "subject.surname")).one()
        old.current = False
        session.add_all([old, CaseField(case_pk=case_pk, name="subject.surname", value="Brontë-Ørsted",
                                        source="corrected", corrected_by="mona"),
                         CaseField(case_pk=case_pk, name="subject.nhs_number", value="9434765919", source="form"),
                         Decision(case_pk=case_pk, sar=StaffSar.MANDATORY, rationale=RATIONALE, decided_by="mona",
                                  decided_at=datetime(2026, 6, 12, 13, 30, tzinfo=UTC)),
                         CaseNote(case_pk=case_pk, author="mona", text="=HYPERLINK(\"http://x\")"),
                         CaseNote(case_pk=case_pk, author="tina", text="called the referrer")])
        session.commit()
        return case.reference


def _read(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads the accents right
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_a_manager_reads_the_reports_and_downloads_the_csvs(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    reference = decide_with_accents(runtime)
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.goto(f"{base}/signin")
        page.fill("input[name=username]", "mona")
        page.fill("input[name=password]", PASSWORDS["mona"])
        page.click("button:has-text('Sign in')")
        page.click("nav a:has-text('Reports')")
        assert page.locator("h1").inner_text() == "Reports"
        assert page.locator("img.chart").first.evaluate("img => img.naturalWidth") == 600
        body = page.content()
        assert "frimley.example.org" in body or "Frimley ICB" in body  # the source organisation
        assert "Testperson" not in body and "Brontë" not in body  # no personal data
        assert "SAR: mandatory" in body
        page.screenshot(path=str(SCREENSHOTS / "reports.png"), full_page=True)

        with page.expect_download() as download:
            page.click("a:has-text('Every case as CSV')")
        cases_file = tmp_path / "cases.csv"
        download.value.save_as(cases_file)
        with page.expect_download() as download:
            page.click("a:has-text('Figures as CSV')")
        figures_file = tmp_path / "figures.csv"
        download.value.save_as(figures_file)
        browser.close()

    rows = {r["Reference"]: r for r in _read(cases_file)}
    row = rows[reference]
    assert row["Surname"] == "Brontë-Ørsted" and row["NHS number"] == "9434765919"
    assert row["Staff SAR decision"] == "mandatory" and row["Rationale"] == RATIONALE
    assert row["Decided by"] == "mona" and row["Latest decision"] == "12/06/2026 14:30"  # London (BST)
    assert row["Notes"] == "2"
    assert row["Date of birth"] == "01/02/1950" and row["Received"][2] == "/"
    assert not any(h.startswith("field:") for h in row)
    figures = _read(figures_file)
    assert sum(int(r["Referrals"]) for r in figures) == 2
    assert sum(int(r.get("Outcome: SAR: mandatory", 0) or 0) for r in figures) == 1

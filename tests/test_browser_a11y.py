"""Accessibility and layout in chromium: axe-core (axe-playwright-python) finds no serious or critical
violation, and no page scrolls sideways, at 1366 px and at 390 px; a skip link; friendly error pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import chromium_missing, launch_chromium, seeded_runtime, served
from tests.support.desk import every_kind_case
from tests.test_browser_desk import sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]

WIDTHS = (1366, 390)


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {len(v['nodes'])} node(s) e.g. {v['nodes'][0]['target']}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def _sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_no_serious_axe_violation_and_no_sideways_scroll(sqlite_url: str, tmp_path: Path) -> None:
    pytest.importorskip("axe_playwright_python", reason="pip install axe-playwright-python (requirements-dev.txt)")
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    reference = every_kind_case(runtime)
    problems: dict[str, list[str]] = {}
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        for width in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto(f"{base}/signin")
            checks = {"signin": (_serious(page), _sideways(page))}
            sign_in(page, base, "ada")
            for name, path in (("queue", "/?status=all"), ("case", f"/cases/{reference}"), ("health", "/health"),
                               ("audit", "/audit"), ("reply", f"/cases/{reference}/reply"),
                               ("print", f"/cases/{reference}/print"), ("missing", "/cases/SAR-2099-0001")):
                page.goto(f"{base}{path}")
                checks[name] = (_serious(page), _sideways(page))
            page.goto(f"{base}/cases/{reference}")
            row = page.locator("#field-subject-date_of_birth")
            row.locator("summary:has-text('Correct')").click()
            row.get_by_label("New value for Date of birth").fill("not a date")
            row.locator("button:has-text('Check the change')").click()
            checks["refused correction"] = (_serious(page), _sideways(page))
            row = page.locator("#field-subject-date_of_birth")
            row.get_by_label("New value for Date of birth").fill("12 March 1941")
            row.locator("button:has-text('Check the change')").click()
            checks["correction check"] = (_serious(page), _sideways(page))
            for name, (violations, sideways) in checks.items():
                found = violations + ([f"scrolls sideways by {sideways} px"] if sideways > 0 else [])
                if found:
                    problems[f"{name} at {width} px"] = found
            page.close()
        browser.close()
    assert problems == {}


def test_skip_link_focus_and_a_friendly_404(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        sign_in(page, base)
        page.goto(f"{base}/cases/SAR-2026-0001")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
        assert outline == "3px"  # focus is visible
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        assert "case_viewed" not in page.locator(".history").inner_text()  # kept in the audit, not the history
        response = page.goto(f"{base}/cases/NOT-A-CASE")
        assert response.status == 404 and page.title().startswith("Page not found")
        assert "{" not in page.locator("main").inner_text() and "There is no case" in page.content()
        browser.close()


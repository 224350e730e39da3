"""An admin manages accounts in Debian's chromium: adds, disables and re-enables a user; the audit shows each,
and a refused sign-in is recorded with the name tried (never the password)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.config.labels import code_label
from tests.support.browser import PASSWORDS, SCREENSHOTS, chromium_missing, launch_chromium, seeded_runtime, served

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Sign in')")


def test_an_admin_adds_disables_and_enables_a_user(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        admin = browser.new_page(viewport={"width": 1280, "height": 900})
        _sign_in(admin, base, "ada", PASSWORDS["ada"])
        admin.click("nav a:has-text('Accounts')")
        admin.fill("form.filters input[name=username]", "nina")
        admin.select_option("form.filters select[name=role]", "manager")
        admin.fill("form.filters input[name=password]", "nina-password-1")
        admin.click("button:has-text('Add account')")
        assert "user nina added as manager" in admin.content()
        row = admin.locator("tr[data-user=nina]")
        assert row.locator(".state").inner_text() == "active"

        other = browser.new_context().new_page()  # nina signs in elsewhere
        _sign_in(other, base, "nina", "nina-password-1")
        assert "nina (manager)" in other.locator(".who").inner_text()

        row.locator("button:has-text('Disable')").click()
        assert "user nina disabled" in admin.content()
        assert admin.locator("tr[data-user=nina] .state").inner_text() == "disabled"
        other.goto(f"{base}/")
        assert other.url.endswith("/signin")  # her session ended at once
        _sign_in(other, base, "nina", "nina-password-1")
        assert other.locator("p.error").count() == 1  # refused while disabled

        admin.locator("tr[data-user=nina] button:has-text('Enable')").click()
        assert admin.locator("tr[data-user=nina] .state").inner_text() == "active"
        _sign_in(other, base, "nina", "nina-password-1")
        assert "nina (manager)" in other.locator(".who").inner_text()

        admin.locator("tr[data-user=ada] button:has-text('Disable')").click()
        assert "cannot disable your own account" in admin.content()
        admin.screenshot(path=str(SCREENSHOTS / "accounts.png"), full_page=True)

        admin.click("nav a:has-text('Audit')")
        text = admin.locator("table").first.inner_text()
        for action in ("user_added", "user_disabled", "user_enabled", "sign_in_refused"):
            assert code_label(action) in text, action  # the audit page words its codes (one label table)
        assert "name tried: nina" in text and "nina-password-1" not in text
        browser.close()

"""The Digest page (managers): today's digest as sent, rendered in Debian's chromium at phone and desktop
widths: nothing overflows sideways, the chart scales to the screen, links carry the configured host and port."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.outgoing.digest import send_now
from tests.support.browser import (
    PASSWORDS,
    SCREENSHOTS,
    bulk_cases,
    chromium_missing,
    free_port,
    launch_chromium,
    seeded_runtime,
    served,
)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]


class _Kept:
    """A transport that keeps the message instead of sending it."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    def send(self, message) -> None:
        self.messages.append(message)


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button:has-text('Sign in')")


def test_the_digest_page_at_phone_and_desktop_widths(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    port = free_port()
    runtime = seeded_runtime(tmp_path, sqlite_url, env={"INTAKE_WEB_PORT": str(port)},
                             extra_yaml="digest:\n  recipients: [safeguarding.manager@rbwm.example.org]\n")
    bulk_cases(runtime.engine, 90)
    kept = _Kept()
    send_now(runtime.engine, runtime.settings, kept)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with served(runtime, port) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        for name, viewport in (("digest-page.png", {"width": 1280, "height": 900}),
                               ("digest-phone.png", {"width": 375, "height": 740})):
            page = browser.new_context(viewport=viewport).new_page()
            _sign_in(page, base, "mona")
            page.goto(f"{base}/digest")
            assert "Today's digest as sent at" in page.content()
            assert page.locator("h1").inner_text().startswith("Safeguarding referrals digest")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name}: {overflow}px wider than the screen"
            image = page.locator("img")
            assert image.evaluate("img => img.naturalWidth") == 600 and image.evaluate("img => img.complete")
            shown = image.bounding_box()["width"]
            assert shown <= viewport["width"] - 20
            if viewport["width"] < 600:
                assert shown < 600  # scaled down to the phone, digits still drawn 20 px tall at 600
            links = page.eval_on_selector_all("a[href*='/cases/']", "as => as.map(a => a.href)")
            assert links and all(link.startswith(f"http://127.0.0.1:{port}/cases/") for link in links)
            page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
        tina = browser.new_context().new_page()
        _sign_in(tina, base, "tina")
        assert tina.goto(f"{base}/digest").status == 403  # triage role: not a manager's page
        browser.close()
    html = kept.messages[0].get_body(("html",)).get_content()
    assert f"http://127.0.0.1:{port}/cases/" in html

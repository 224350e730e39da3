"""Issue 11, done when: a live-concern referral arrives, the duty team is alerted at once (aiosmtpd), the case is
at the top of the queue with its badge, and staff record the rapid review steps in Chromium while the clock moves
from "notify Panel" to "rapid review" to closed, the digest agreeing at each step."""

from __future__ import annotations

import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session, select

from intake.outgoing.digest import gather, render
from intake.runtime import Runtime, build_runtime
from intake.store.models import Case, Role, utcnow
from intake.store.users import add_user
from tests.conftest import make_settings
from tests.support.browser import (
    CHILD_BODY,
    PASSWORDS,
    SCREENSHOTS,
    bulk_cases,
    chromium_missing,
    launch_chromium,
    served,
    take_in,
)
from tests.support.mailfactory import make_email
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]

DUTY = "duty.team@rbwm.example.org"
LIVE_BODY = CHILD_BODY.replace("Oliver Fictional", "Noah Madeup") + (
    "Summary: Noah has a fractured arm. His younger sister still lives with the same carers.\n")
ALERT_WAIT_SECONDS = 60  # the promise: the duty team hears within a minute of filing


def _runtime(tmp_path: Path, db_url: str, server: SmtpServer) -> Runtime:
    env = {"INTAKE_SMTP_HOST": server.host, "INTAKE_SMTP_PORT": str(server.port),
           "INTAKE_WEB_SECRET": "test-secret-" + "x" * 20}
    extra = f"alerts:\n  duty_address: {DUTY}\noutbox:\n  send_interval_seconds: 2\n"
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url, env=env, extra_yaml=extra))
    with Session(runtime.engine) as session:
        add_user(session, username="tina", password=PASSWORDS["tina"], role=Role.TRIAGE)
    return runtime


def _wait_for_alert(server: SmtpServer) -> list:
    deadline = time.monotonic() + ALERT_WAIT_SECONDS
    while time.monotonic() < deadline:
        alerts = [r for r in server.received if DUTY in r.rcpt_tos]
        if alerts:
            return alerts
        time.sleep(0.5)
    return []


def _digest(runtime: Runtime) -> str:
    with Session(runtime.engine) as session:
        content = gather(session, now=utcnow(), tz=ZoneInfo("Europe/London"), base_url="https://t.example.org")
    text = render(content, chart_src="cid:chart")[1]
    return text.split("Statutory clocks running")[1].split("Deadlines missed")[0]


def _record(page, kind: str, on: str, **fields: str) -> None:
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=on]", on)
    for name, value in fields.items():
        if page.locator(f"select[name={name}]").count():
            page.select_option(f"select[name={name}]", value)
        else:
            page.fill(f"input[name={name}]", value)
    page.click("button:has-text('Record step')")
    assert "step recorded" in page.content()


def test_a_live_concern_from_arrival_to_a_closed_rapid_review(sqlite_url: str, tmp_path: Path,
                                                              smtp_server: SmtpServer) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    runtime = _runtime(tmp_path, sqlite_url, smtp_server)
    bulk_cases(runtime.engine, 40)  # a busy queue with earlier deadlines
    scheduler = BackgroundScheduler(timezone="UTC")  # the outbox job as `run` schedules it
    scheduler.add_job(runtime.send_due, "interval", seconds=runtime.settings.outbox.send_interval_seconds)
    scheduler.start()
    try:
        take_in(runtime, make_email(subject="Child referral", body=LIVE_BODY, message_id="<live-1@example.org>"))
        alerts = _wait_for_alert(smtp_server)
    finally:
        scheduler.shutdown(wait=True)
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.live_concern)).one()
    reference = case.reference
    assert len(alerts) == 1 and reference in alerts[0].message["Subject"]
    assert "Noah" not in alerts[0].message.as_string() and f"/cases/{reference}" in alerts[0].message.as_string()
    assert f"{reference}  notify Panel by" in _digest(runtime)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/")
        page.fill("input[name=username]", "tina")
        page.fill("input[name=password]", PASSWORDS["tina"])
        page.click("button:has-text('Sign in')")
        band = page.locator("section.live-queue li").first  # the top of the queue, above the deadline order
        assert reference in band.inner_text() and band.locator(".badge-live").count() == 1
        assert page.locator("table.queue tr", has_text=reference).locator(".badge-live").count() == 1
        page.check("input[name=live]")
        page.click("button:has-text('Show')")
        assert [a.inner_text() for a in page.locator("table.queue tbody a").all()] == [reference]
        page.screenshot(path=str(SCREENSHOTS / "queue-live-concern.png"))

        page.click(f"section.live-queue a:has-text('{reference}')")
        assert page.locator("main section").first.get_attribute("class") == "live-concern"
        assert page.locator(".clock-stage").inner_text() == "notify Panel"
        _record(page, "panel_notified", "2026-03-11", panel_reference="CSPRP-2026-0042")
        assert page.locator(".clock-stage").inner_text() == "rapid review"
        assert f"{reference}  rapid review by" in _digest(runtime)
        _record(page, "rapid_review_held", "2026-03-20", outcome="no_cspr")
        assert page.locator(".clock-stage").inner_text() == "rapid review"
        assert f"{reference}  rapid review by" in _digest(runtime)
        _record(page, "rapid_review_report_sent", "2026-03-24")
        assert page.locator(".clock-stage").inner_text() == "closed"
        assert page.locator("h1 .status").inner_text() == "closed"
        assert "CSPRP-2026-0042" in page.locator("table.steps").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "case-review-steps.png"), full_page=True)
        browser.close()
    assert reference not in _digest(runtime)

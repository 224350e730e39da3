"""Writing to the referrer from the case page: the letter goes through the outbox with our Message-ID, and the
referrer's answer, delivered to the test Dovecot and polled, files as a follow-up on the same case."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from intake.store.models import Case, Disposition, Message, Outbox
from tests.support.browser import chromium_missing, launch_chromium, seeded_runtime, served
from tests.support.imap_server import DovecotServer
from tests.support.intake_helpers import imap_env
from tests.support.mailfactory import make_email
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)
from tests.test_browser_desk import sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]
REFERENCE = "SAR-2026-0001"


def test_reply_to_the_referrer_and_the_answer_lands_on_the_same_case(
        dovecot: DovecotServer, smtp_server: SmtpServer, sqlite_url: str, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url, env={
        **imap_env(dovecot), "INTAKE_SMTP_HOST": smtp_server.host, "INTAKE_SMTP_PORT": str(smtp_server.port)})
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        sign_in(page, base)
        page.goto(f"{base}/cases/{REFERENCE}")
        page.locator(".summary a:has-text('Write to the referrer')").click()
        letter = page.locator("textarea[name=body]")
        assert "our reference SAR-2026-0001" in letter.input_value()
        letter.fill(letter.input_value() + "\nTestperson's GP?")  # the person's name: refused
        page.click("button:has-text('Send')")
        assert "Take out the person's details" in page.locator("#reply-error").inner_text()
        letter.fill("Dear Sarah,\n\nWhen did the local authority first become aware? (reference SAR-2026-0001)\n")
        page.click("button:has-text('Send')")
        assert "letter to the referrer queued" in page.content()
        with Session(runtime.engine) as session:
            sent = session.exec(select(Outbox).where(Outbox.kind == "referrer_reply")).one()
        runtime.send_due()  # the outbox's sender job, to the test SMTP server
        [email] = [r.message for r in smtp_server.received if r.message["Message-ID"] == sent.message_id]
        assert email["To"] == "sarah.collins@frimley.example.org"
        assert email["Subject"] == f"Your safeguarding referral {REFERENCE}: further information"
        assert "Testperson" not in email["Subject"] and email["In-Reply-To"] == "<sar-1@frimley.example.org>"
        assert email["Auto-Submitted"] is None  # a person's letter, not an automatic reply
        answer = make_email(subject="Re: the questions", body="The LA became aware on 04/03/2026.",
                            message_id="<answer-1@frimley.example.org>", date=datetime.now(UTC),
                            headers={"In-Reply-To": sent.message_id, "References": sent.message_id})
        dovecot.append("intake", "INBOX", answer)
        [report] = runtime.poll_all()
        assert report.error == ""
        page.goto(f"{base}/cases/{REFERENCE}")
        conversation = page.locator("#conversation")
        # the referral, its acknowledgement, our letter and the answer, in time order
        assert conversation.locator("article h3").all_inner_texts()[0].startswith("Original referral")
        assert conversation.locator("article").count() == 4
        assert "The LA became aware on 04/03/2026." in conversation.inner_text()
        browser.close()
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == REFERENCE)).one()
        filed = session.exec(select(Message).where(Message.message_id == "<answer-1@frimley.example.org>")).one()
    assert filed.disposition == Disposition.FOLLOW_UP and filed.case_pk == case.id

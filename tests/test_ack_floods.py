"""Issue 13, finding 3: acknowledgement floods. Plus-addressed variants of one mailbox and many addresses at one
domain stay within the caps (through the real outbox and an aiosmtpd server); what a cap holds back is shown on
the intake health page and in the digest, and a manager releases or discards it (role-checked, CSRF, audited)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from intake.config.checks import deployment_warnings
from intake.outgoing.digest import gather, render
from intake.store.models import AuditEvent, Case, Outbox, OutboxStatus
from tests.support.browser import csrf_from, seeded_runtime, served, signed_in_client
from tests.support.mailfactory import referral_email
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)
from tests.test_outbox import outbox_rows, smtp_runtime, take_in


def _statuses(runtime) -> list[OutboxStatus]:
    return [r.status for r in outbox_rows(runtime)]


def test_forty_plus_addressed_variants_of_one_mailbox_get_the_per_recipient_limit(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    for n in range(40):
        sender = f"Sarah.Collins+{n}@FRIMLEY.example.org" if n % 2 else f"sarah.collins+{n}@frimley.example.org"
        take_in(runtime, referral_email(n, sender=sender))
    statuses = _statuses(runtime)
    assert statuses.count(OutboxStatus.PENDING) == 10 and statuses.count(OutboxStatus.SUPPRESSED) == 30
    assert "rate limit: 10 emails to this address in the last hour" in outbox_rows(runtime)[10].reason
    runtime.send_due()
    assert len(smtp_server.received) == 10  # one mailbox: at most max_per_hour acknowledgements
    with Session(runtime.engine) as session:
        assert len(session.exec(select(Case)).all()) == 40  # and every case is filed


def test_sixty_addresses_at_one_domain_stay_within_the_domain_cap_and_the_rest_are_held(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    for n in range(60):  # distinct mailboxes, some on subdomains: one registrable domain
        domain = f"mx{n % 3}.evil.example" if n % 2 else "evil.example"
        take_in(runtime, referral_email(n, sender=f"victim{n}@{domain}"))
    take_in(runtime, referral_email(99))  # another domain is not held up by evil.example's flood
    rows = outbox_rows(runtime)
    assert [r.status for r in rows].count(OutboxStatus.PENDING) == 21
    held = [r for r in rows if r.status == OutboxStatus.HELD]
    assert len(held) == 40 and held[0].reason == (
        "held: per-domain flood cap reached (20 acknowledgements to evil.example in an hour)")
    assert len(runtime.send_due().sent) == 21 and len(smtp_server.received) == 21
    assert runtime.sender.send_due(now=datetime.now(UTC) + timedelta(days=2)).sent == []  # held is never sent
    with Session(runtime.engine) as session:
        assert len(session.exec(select(Case)).all()) == 61
        held_audit = session.exec(select(AuditEvent).where(AuditEvent.action == "acknowledgement_held")).all()
    assert len(held_audit) == 40


def test_the_overall_cap_holds_everyone_and_uncapped_domains_skip_only_the_domain_cap(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    caps = ("acknowledgements:\n  per_domain_per_hour: 2\n  overall_per_hour: 5\n"
            "  uncapped_domains: [nhs.net]\n")
    runtime = smtp_runtime(tmp_path, db_url, smtp_server, caps)
    for n in range(4):
        take_in(runtime, referral_email(n, sender=f"gp{n}@nhs.net"))  # uncapped domain: 4 > 2 all go
    for n in range(4, 8):
        take_in(runtime, referral_email(n, sender=f"someone@org{n}.example"))
    assert _statuses(runtime) == [OutboxStatus.PENDING] * 5 + [OutboxStatus.HELD] * 3
    assert outbox_rows(runtime)[-1].reason == "held: overall flood cap reached (5 acknowledgements in an hour)"


def test_held_acknowledgements_on_the_health_page_and_digest_released_by_a_manager(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    caps = "acknowledgements:\n  per_domain_per_hour: 2\n"  # the two seeded referrals are from another domain
    runtime = seeded_runtime(tmp_path, db_url, extra_yaml=caps, env={
        "INTAKE_SMTP_HOST": smtp_server.host, "INTAKE_SMTP_PORT": str(smtp_server.port)})
    for n in range(5):
        take_in(runtime, referral_email(n, sender=f"victim{n}@evil.example"))
    held = [r.id for r in outbox_rows(runtime) if r.status == OutboxStatus.HELD and r.id is not None]
    assert len(held) == 3
    runtime.send_due()  # what was not held goes now
    before = len(smtp_server.received)
    with Session(runtime.engine) as session:
        digest = gather(session, now=datetime.now(UTC), tz=ZoneInfo("Europe/London"), base_url="https://t.example")
    html, text = render(digest, chart_src="cid:x")
    assert digest.held_mail == 3 and digest.held_since is not None
    assert "HELD: 3 acknowledgement(s) held since" in text and "3 acknowledgement(s) held since" in html
    with served(runtime) as base:
        tina = signed_in_client(base, "tina")
        page = tina.get("/health").text
        assert "Held acknowledgements (3)" in page and "3 acknowledgement(s) held since" in page
        assert "per-domain flood cap reached (2 acknowledgements to evil.example in an hour)" in page
        assert "/outbox/held/release" not in page  # triage sees them, may not let them go
        token = csrf_from(page)
        assert tina.post("/outbox/held/release", data={"outbox_id": held[0], "csrf_token": token}).status_code == 403
        mona = signed_in_client(base, "mona")
        page = mona.get("/health").text
        token = csrf_from(page)
        assert "Release all 3 shown" in page
        assert mona.post("/outbox/held/release", data={"outbox_id": held[0]}).status_code == 403  # no CSRF token
        done = mona.post("/outbox/held/release", data={"outbox_id": held[0], "csrf_token": token})
        assert done.status_code == 303
        assert mona.post("/outbox/held/release", data={"outbox_id": held[0], "csrf_token": token}).status_code == 409
        assert mona.post("/outbox/held/discard", data={"outbox_id": held[1], "csrf_token": token}).status_code == 303
        take_in(runtime, referral_email(9, sender="victim9@evil.example"))  # held after the page was read
        assert mona.post("/outbox/held/release", data={"up_to": held[2], "csrf_token": token}).status_code == 303
    statuses = {r.id: r.status for r in outbox_rows(runtime) if r.id is not None}
    assert [statuses[i] for i in held] == [OutboxStatus.PENDING, OutboxStatus.SUPPRESSED, OutboxStatus.PENDING]
    assert statuses[max(statuses)] == OutboxStatus.HELD  # the later one waits for its own decision
    runtime.send_due()
    runtime.send_due()
    to = sorted(r.rcpt_tos[0] for r in smtp_server.received[before:])
    assert to == ["victim2@evil.example", "victim4@evil.example"]  # each released one sent, once
    with Session(runtime.engine) as session:
        audit = session.exec(select(AuditEvent.action, AuditEvent.actor).where(
            col(AuditEvent.action).in_(["held_mail_released", "held_mail_discarded"])).order_by(col(AuditEvent.id)))
        assert list(audit) == [("held_mail_released", "mona"), ("held_mail_discarded", "mona"),
                               ("held_mail_released", "mona")]
        discarded = session.get(Outbox, held[1])
    assert discarded.reason == "discarded by mona after being held by a flood cap"


def test_the_health_page_warns_until_the_receiving_server_is_named(tmp_path: Path) -> None:
    from tests.conftest import make_settings

    bare = make_settings(tmp_path, db_url="sqlite://")
    [warning] = [w for w in deployment_warnings(bare, env={}) if w.setting == "sender_trust.authserv_id"]
    assert warning.message.startswith("acknowledgements go to unauthenticated senders")
    named = make_settings(tmp_path, db_url="sqlite://", extra_yaml="sender_trust:\n  authserv_id: microsoft365\n")
    assert "sender_trust.authserv_id" not in [w.setting for w in deployment_warnings(named, env={})]

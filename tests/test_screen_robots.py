"""Never answer a robot: every marker of issue 3, each alone, and a form sent by a robot is filed unanswered."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from intake.store.export import cases_json, iter_messages
from intake.store.models import OutboxStatus
from parsers.message import parse_message
from rules.screen import (
    LOOP_HEADER,
    ThreadFacts,
    Verdict,
    robot_hits,
    robot_reason,
    screen,
    thread_query,
)
from tests.support.mailfactory import PARTNERSHIP, bounce_email, make_email, referral_email
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)
from tests.test_outbox import outbox_rows, smtp_runtime, take_in

ROBOT_HEADERS = [
    {"Auto-Submitted": "auto-replied"},
    {"Auto-Submitted": "auto-generated"},
    {"Precedence": "bulk"},
    {"Precedence": "list"},
    {"Precedence": "junk"},
    {"Precedence": "auto_reply"},
    {"X-Auto-Response-Suppress": "All"},
    {"List-Id": "<referrals.lists.example.org>"},
    {"List-Unsubscribe": "<mailto:leave@lists.example.org>"},
    {"X-Autoreply": "yes"},
    {"X-Autorespond": "yes"},
    {"Return-Path": "<>"},
    {LOOP_HEADER: "acknowledgement; outbox 1"},
]
ROBOT_SENDERS = ["MAILER-DAEMON@mx.example.org", "postmaster@frimley.example.org", PARTNERSHIP]
OOO_SUBJECTS = ["Out of Office: SAR referral", "Automatic reply: referral", "Auto: referral", "AutoReply",
                "Abwesenheitsnotiz: Referral", "Réponse automatique : référence"]


def _reason(raw: bytes) -> str:
    return robot_reason(parse_message(raw), own_address=PARTNERSHIP)


@pytest.mark.parametrize("headers", ROBOT_HEADERS, ids=lambda h: next(iter(h)))
def test_each_robot_header_forbids_a_reply(headers: dict[str, str]) -> None:
    assert _reason(make_email(headers=headers))


@pytest.mark.parametrize("sender", ROBOT_SENDERS)
def test_robot_and_own_senders_are_never_answered(sender: str) -> None:
    assert _reason(make_email(sender=sender))


@pytest.mark.parametrize("subject", OOO_SUBJECTS)
def test_out_of_office_subjects_are_never_answered(subject: str) -> None:
    assert _reason(make_email(subject=subject))


def test_reports_and_our_own_message_ids_are_never_answered() -> None:
    assert _reason(bounce_email("<x@y.example.org>")) == "robot sender (mailer-daemon)"
    own = make_email(message_id="<intake.0123abcd@rbwm.example.org>", sender="someone@frimley.example.org")
    assert _reason(own) == "our own Message-ID"


def test_an_ordinary_referral_and_auto_submitted_no_may_be_answered() -> None:
    assert _reason(referral_email(1)) == ""
    assert _reason(make_email(headers={"Auto-Submitted": "no"})) == ""


def test_every_robot_hit_is_recorded_and_the_first_is_the_reason() -> None:
    raw = make_email(subject="Out of Office: referral", headers={"Precedence": "bulk", "List-Id": "<l.example.org>"})
    email = parse_message(raw)
    hits = robot_hits(email, own_address=PARTNERSHIP)
    assert [h.check for h in hits] == ["bulk_precedence", "mailing_list", "out_of_office_subject"]
    assert robot_reason(email, own_address=PARTNERSHIP) == hits[0].reason == "Precedence: bulk"
    screening = screen(email, own_address=PARTNERSHIP, thread=ThreadFacts(), has_form=False)
    assert screening.hits == hits and screening.verdict is Verdict.IGNORE


def test_screening_takes_what_the_queue_knows_instead_of_asking_it() -> None:
    email = parse_message(make_email(subject="RE: SAR-2026-0007 and REF-2026-0001"))
    assert thread_query(email).subject_references == ("SAR-2026-0007", "REF-2026-0001")
    known = ThreadFacts(existing_references=frozenset({"REF-2026-0001"}))
    followed = screen(email, own_address=PARTNERSHIP, thread=known, has_form=False)
    assert followed.verdict is Verdict.FOLLOW_UP and followed.case_reference == "REF-2026-0001"
    unknown = screen(email, own_address=PARTNERSHIP, thread=ThreadFacts(), has_form=False)
    assert unknown.verdict is Verdict.NEW


def test_an_auto_reply_with_a_form_is_filed_without_a_reply() -> None:
    email = parse_message(make_email(headers={"Auto-Submitted": "auto-replied"}))
    screening = screen(email, own_address=PARTNERSHIP, thread=ThreadFacts(), has_form=True)
    assert screening.verdict is Verdict.NEW and screening.no_reply_reason == "Auto-Submitted: auto-replied"


@pytest.mark.parametrize("headers", [{"Precedence": "bulk"}, {"List-Id": "<l.example.org>"},
                                     {"Auto-Submitted": "auto-forwarded"}], ids=lambda h: next(iter(h)))
def test_a_form_sent_by_a_robot_is_filed_but_its_acknowledgement_suppressed_with_the_reason(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer, headers: dict[str, str]) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    outcome = take_in(runtime, referral_email(1, headers=headers))
    assert outcome.case_reference
    [row] = outbox_rows(runtime)
    assert row.status == OutboxStatus.SUPPRESSED and row.reason.startswith("not answered: ")
    assert runtime.send_due().sent == [] and smtp_server.received == []
    with Session(runtime.engine) as session:
        assert '"acknowledged": false' in cases_json(session)
        [message] = list(iter_messages(session))
    assert message["reply"] == "suppressed" and message["reply_reason"] == row.reason


def test_robots_without_a_form_are_kept_unfiled_and_unanswered(db_url: str, tmp_path: Path,
                                                              smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    robots = [make_email(subject=s, headers={"Auto-Submitted": "auto-replied"}) for s in OOO_SUBJECTS[:2]]
    robots += [bounce_email("<unknown@elsewhere.example.org>")]
    for raw in robots:
        take_in(runtime, raw)
    assert outbox_rows(runtime) == []
    with Session(runtime.engine) as session:
        messages = list(iter_messages(session))
    assert all(m["reply"] == "none" and m["reply_reason"].startswith("not answered: ") for m in messages)


def test_a_subject_reference_alone_is_a_follow_up_from_a_different_sender() -> None:
    from rules.senders import FollowUpTrust

    email = parse_message(make_email(sender="stranger@elsewhere.example.net", subject="Re: SAR-2026-0001"))
    facts = ThreadFacts(existing_references=frozenset({"SAR-2026-0001"}),
                        referrers={"SAR-2026-0001": frozenset({"sarah.collins@frimley.example.org"})})
    screening = screen(email, own_address=PARTNERSHIP, thread=facts, has_form=True)
    assert screening.verdict is Verdict.FOLLOW_UP and screening.trust is FollowUpTrust.DIFFERENT_SENDER
    referrer = parse_message(make_email(sender="SARAH.Collins+ref@frimley.example.org", subject="Re: SAR-2026-0001"))
    assert screen(referrer, own_address=PARTNERSHIP, thread=facts, has_form=True).trust is FollowUpTrust.REFERRER
    partner = screen(email, own_address=PARTNERSHIP, thread=facts, has_form=True,
                     partner_domains=["elsewhere.example.net"])
    assert partner.trust is FollowUpTrust.PARTNER_DOMAIN
    ours = screen(email, own_address=PARTNERSHIP, thread=ThreadFacts(own_reply_case="SAR-2026-0001"), has_form=True)
    assert ours.trust is FollowUpTrust.OUR_THREAD and ours.case_reference == "SAR-2026-0001"


@pytest.mark.parametrize(("address", "partner", "trusted"), [
    ("a@nhs.example.net", "nhs.example.net", True), ("a@trust.nhs.example.net", "nhs.example.net", True),
    ("a@evilnhs.example.net", "nhs.example.net", False), ("a@nhs.example.net.evil.org", "nhs.example.net", False),
    ("nobody", "nhs.example.net", False)])
def test_partner_domains_match_the_domain_and_its_subdomains_only(address: str, partner: str, trusted: bool) -> None:
    from rules.senders import in_partner_domain

    assert in_partner_domain(address, [partner]) is trusted


def test_from_our_own_address_only_a_form_with_no_automatic_mark_is_a_forwarded_referral() -> None:
    forwarded = parse_message(referral_email(1, sender=PARTNERSHIP))
    screening = screen(forwarded, own_address=PARTNERSHIP, thread=ThreadFacts(), has_form=True)
    assert screening.verdict is Verdict.NEW and screening.no_reply_reason == "sent from our own address"
    for headers in ({"Auto-Submitted": "auto-generated"}, {"Precedence": "bulk"}, {LOOP_HEADER: "digest"}):
        ours = parse_message(referral_email(1, sender=PARTNERSHIP, headers=headers))
        assert screen(ours, own_address=PARTNERSHIP, thread=ThreadFacts(), has_form=True).verdict is Verdict.IGNORE
    bare = parse_message(make_email(sender=PARTNERSHIP))
    assert screen(bare, own_address=PARTNERSHIP, thread=ThreadFacts(), has_form=False).verdict is Verdict.IGNORE


def test_an_unauthenticated_from_earns_no_trust_as_referrer_or_partner_but_our_thread_still_does() -> None:
    from rules.senders import FollowUpTrust, follow_up_trust

    sender, partners = "ann@frimley.example.org", ["frimley.example.org"]
    assert follow_up_trust(sender, referrers=[sender], partner_domains=partners, in_our_thread=False,
                           sender_authenticated=None) is FollowUpTrust.REFERRER
    assert follow_up_trust(sender, referrers=[sender], partner_domains=partners, in_our_thread=False,
                           sender_authenticated=False) is FollowUpTrust.DIFFERENT_SENDER
    assert follow_up_trust(sender, referrers=[], partner_domains=partners, in_our_thread=True,
                           sender_authenticated=False) is FollowUpTrust.OUR_THREAD

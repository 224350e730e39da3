"""Issue 13, finding 1: a stranger who guesses a case reference cannot change the case — on SQLite and PostgreSQL.

A follow-up changes a case only from the referrer (case and plus-tags ignored), a partner domain, or in reply to
one of our own emails; anyone else's is filed on the case "from a different sender", its fields proposed.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from demo.forms import SAR_FORM, Layout, build
from demo.mailbox import variant
from intake.runtime import build_runtime
from intake.store.export import iter_messages
from intake.store.models import AuditEvent, Case, CaseField, Disposition, Message, Outbox, OutboxStatus, Proposal
from tests.conftest import make_settings
from tests.support.mailfactory import DOCX_TYPE, PARTNERSHIP, make_email
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)
from tests.test_outbox import outbox_rows, smtp_runtime, take_in

REFERRER = "sarah.collins@frimley.example.org"
STRANGER = "attacker@elsewhere.example.net"
ACK_FOLLOW_UPS = "acknowledgements:\n  acknowledge_follow_ups: true\n"


def _form(**answers: str) -> tuple[str, bytes, str]:
    name, data = build(variant(SAR_FORM, answers) if answers else SAR_FORM, Layout.DOCX_TABLE)
    return name, data, DOCX_TYPE


def _referral() -> bytes:
    return make_email(sender=REFERRER, subject="SAR referral", attachments=[_form()],
                      message_id="<original@frimley.example.org>")


def _follow_up(sender: str, reference: str, **headers: str) -> bytes:
    """A follow-up whose form names someone else and another date of birth, and leaves nothing blank."""
    form = _form(**{"Name of adult": "Eve Substitute", "Date of birth": "01/01/1990", "Date of incident": "01/02/2026"})
    return make_email(sender=sender, subject=f"Re: Referral received: {reference}", attachments=[form],
                      headers=headers or None)


def _fields(runtime, reference: str) -> tuple[dict[str, object], list[CaseField], Case]:
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        rows = list(session.exec(select(CaseField).where(CaseField.case_pk == case.id).order_by(col(CaseField.id))))
    return {r.name: r.value for r in rows if r.current}, rows, case


def test_a_stranger_quoting_a_reference_proposes_fields_but_changes_nothing(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url, extra_yaml=ACK_FOLLOW_UPS))
    reference = take_in(runtime, _referral()).case_reference
    before, _, case_before = _fields(runtime, reference)
    outcome = take_in(runtime, _follow_up(STRANGER, reference))
    assert outcome.disposition is Disposition.FOLLOW_UP and outcome.case_reference == reference
    assert outcome.reason == f"reply to case {reference} from a different sender"
    after, rows, case = _fields(runtime, reference)
    assert after == before  # not a single current value changed, not even a gap filled
    proposed = {r.name: r.value for r in rows if r.proposal == Proposal.PROPOSED}
    assert proposed["subject.surname"] == "Substitute" and proposed["event.date_of_incident"] == "2026-02-01"
    assert all(not r.current and r.message_pk == outcome.message_pk for r in rows if r.proposal)
    assert "different_sender" in case.flags
    assert (case.cspr, case.sar, case.track) == (case_before.cspr, case_before.sar, case_before.track)
    with Session(runtime.engine) as session:
        message = session.get(Message, outcome.message_pk)
        audit = session.exec(select(AuditEvent).where(AuditEvent.message_pk == outcome.message_pk)).all()
    assert message.flags == ["different_sender"] and "proposed" in message.warnings[0]
    with Session(runtime.engine) as session:
        ledger_row = next(m for m in iter_messages(session) if m["id"] == outcome.message_pk)
    assert ledger_row["flags"] == ["different_sender"] and ledger_row["disposition"] == "follow_up"
    assert any(e.action == "follow_up_received" and e.detail["proposed_fields"] == len(proposed) for e in audit)
    [ack] = [r for r in outbox_rows(runtime) if r.message_pk == outcome.message_pk]  # the stranger gets nothing
    assert ack.status == OutboxStatus.SUPPRESSED and "different sender" in ack.reason


def test_the_referrer_with_other_case_and_a_plus_tag_is_trusted(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    reference = take_in(runtime, _referral()).case_reference
    outcome = take_in(runtime, _follow_up("Sarah.Collins+sar@FRIMLEY.example.org", reference))
    assert outcome.reason == f"reply to case {reference}"
    current, rows, case = _fields(runtime, reference)
    assert current["event.date_of_incident"] == "2026-02-01"  # a gap filled, as before
    assert current["subject.surname"] == "Whitfield"  # never overwritten
    assert not any(r.proposal for r in rows) and "different_sender" not in case.flags


def test_a_partner_domain_is_trusted_and_a_lookalike_is_not(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db_url=db_url,
                             extra_yaml="follow_ups:\n  partner_domains: [thamesvalley.example.police.uk]\n")
    runtime = build_runtime(settings)
    reference = take_in(runtime, _referral()).case_reference
    partner = take_in(runtime, _follow_up("dc.jones@mash.thamesvalley.example.police.uk", reference))
    lookalike = take_in(runtime, _follow_up("dc.jones@thamesvalley.example.police.uk.evil.example", reference))
    assert partner.reason == f"reply to case {reference}"
    assert lookalike.reason.endswith("from a different sender")


def test_a_reply_to_our_acknowledgement_is_trusted_and_a_forged_message_id_is_not(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    reference = take_in(runtime, _referral()).case_reference
    runtime.send_due()
    [sent] = smtp_server.received
    ours = sent.message["Message-ID"]  # as it went out over SMTP, and as the outbox recorded it
    assert [r.message_id for r in outbox_rows(runtime)] == [ours]
    # A colleague of the referrer answers our acknowledgement from another address: in our thread, trusted.
    answered = take_in(runtime, _follow_up("duty.desk@frimley-other.example.org", reference,
                                           **{"In-Reply-To": ours, "References": ours}))
    assert answered.reason == f"reply to case {reference}"
    # Our Message-IDs look alike, but only one we recorded counts; nor does the referrer's own Message-ID.
    forged = "<intake.0000000000000000@rbwm.example.org>"
    for headers in ({"References": forged}, {"In-Reply-To": "<original@frimley.example.org>"}):
        outcome = take_in(runtime, _follow_up(STRANGER, reference, **headers))
        assert outcome.disposition is Disposition.FOLLOW_UP and outcome.reason.endswith("from a different sender")


def test_a_referral_forwarded_from_our_own_address_becomes_a_case_that_is_never_answered(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    from tests.support.mailfactory import forwarded_email

    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    attached = take_in(runtime, forwarded_email(_referral(), sender=PARTNERSHIP))
    inline = take_in(runtime, make_email(
        sender=PARTNERSHIP, subject="FW: referral", attachments=[_form()],
        body="See below.\n\n---------- Forwarded message ---------\nFrom: Ann Other <Ann.Other@care.example.org>\n"
             "Date: Mon, 9 Mar 2026\nSubject: referral\n\nPlease find the form attached."))
    unknown = take_in(runtime, make_email(sender=PARTNERSHIP, subject="referral", attachments=[_form()]))
    assert [o.disposition for o in (attached, inline, unknown)] == [Disposition.CASE] * 3
    assert attached.reason.startswith("new referral forwarded from our own address")
    with Session(runtime.engine) as session:
        senders = [session.exec(select(Case.sender).where(Case.reference == o.case_reference)).one()
                   for o in (attached, inline, unknown)]
    assert senders == [REFERRER, "ann.other@care.example.org", PARTNERSHIP]
    rows = outbox_rows(runtime)
    assert len(rows) == 3 and all(r.status == OutboxStatus.SUPPRESSED for r in rows)
    assert all(r.reason == "not answered: sent from our own address" for r in rows)
    runtime.send_due()
    assert smtp_server.received == []  # never an acknowledgement to ourselves


def test_our_own_mail_is_still_ignored_even_with_a_form(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    ours = [
        make_email(sender=PARTNERSHIP, subject="Referral received", attachments=[_form()],
                   headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}),  # an ack
        make_email(sender=PARTNERSHIP, subject="Safeguarding referrals digest", attachments=[_form()],
                   headers={"Auto-Submitted": "auto-generated"}),  # a digest
        make_email(sender="someone@frimley.example.org", subject="Referral", attachments=[_form()],
                   message_id="<intake.0123abcd@rbwm.example.org>"),  # one of our Message-IDs
        make_email(sender="x@frimley.example.org", attachments=[_form()],
                   headers={"X-Safeguarding-Intake-Loop": "acknowledgement; outbox 1"}),
        make_email(sender=PARTNERSHIP, subject="Note to self", body="no form here"),
    ]
    outcomes = [take_in(runtime, raw) for raw in ours]
    assert [o.disposition for o in outcomes] == [Disposition.IGNORED] * len(ours)
    assert {o.reason for o in outcomes} == {"our own outgoing mail"}
    with Session(runtime.engine) as session:
        assert session.exec(select(Outbox)).all() == [] and session.exec(select(Case)).all() == []


def test_a_stranger_follow_up_through_a_real_mailbox_changes_nothing(dovecot, db_url: str, tmp_path: Path) -> None:
    from tests.support.intake_helpers import imap_settings, ledger_counts

    runtime = build_runtime(imap_settings(tmp_path, dovecot, db_url, account_yaml="    batch_size: 5\n"))
    dovecot.append("intake", "INBOX", _referral())
    runtime.poll_all()
    [reference] = _references(runtime)
    before, _, _ = _fields(runtime, reference)
    dovecot.append("intake", "INBOX", _follow_up(STRANGER, reference))
    [report] = runtime.poll_all()
    assert report.processed == {"follow_up": 1}
    after, rows, case = _fields(runtime, reference)
    assert after == before and any(r.proposal == Proposal.PROPOSED for r in rows)
    assert "different_sender" in case.flags
    assert ledger_counts(runtime.engine) == {"case": 1, "follow_up": 1, "cases": 1}
    assert len(dovecot.folder_uids("intake", "Processed")) == 2  # filed, so moved like any other


def _references(runtime) -> list[str]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Case.reference)))


def test_once_our_receiving_server_is_named_a_forged_referrer_address_earns_no_trust(db_url: str,
                                                                                    tmp_path: Path) -> None:
    """From: can be forged. With sender_trust.authserv_id set, the referrer's address counts only when our server
    authenticated it (DMARC pass); without that, the follow-up's fields are only proposed."""
    trust = "sender_trust:\n  authserv_id: mx.rbwm.example.org\n"
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url, extra_yaml=trust))
    passed = "mx.rbwm.example.org; dmarc=pass header.from=frimley.example.org"
    reference = take_in(runtime, make_email(sender=REFERRER, subject="SAR referral", attachments=[_form()],
                                            message_id="<original@frimley.example.org>",
                                            headers={"Authentication-Results": passed})).case_reference
    forged = take_in(runtime, _follow_up(REFERRER, reference))  # no Authentication-Results from our server
    assert forged.reason == f"reply to case {reference} from a different sender"
    failed = take_in(runtime, _follow_up(REFERRER, reference, **{
        "Authentication-Results": "mx.rbwm.example.org; dmarc=fail header.from=frimley.example.org"}))
    assert failed.reason.endswith("from a different sender")
    current, _, _ = _fields(runtime, reference)
    assert current["subject.surname"] != "Substitute"
    genuine = take_in(runtime, _follow_up(REFERRER, reference, **{"Authentication-Results": passed}))
    assert genuine.reason == f"reply to case {reference}"

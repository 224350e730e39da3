"""Acknowledgements: the right variant, no personal data, bounces recorded, follow-ups, limits."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from intake.config.settings import AcknowledgementSettings
from intake.outgoing.acknowledgement import Acknowledger, Variant, choose_variant
from intake.store.export import cases_json, iter_messages
from intake.store.models import Case, Disposition, Outbox, OutboxStatus
from parsers.values import Attachment, ExtractedForm, Field, Flag, FormType
from tests.support.mailfactory import DOCX_TYPE, bounce_email, make_email, referral_email, simple_docx
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)
from tests.test_outbox import outbox_rows, smtp_runtime, take_in

PARTNERSHIP_NAME = "Royal Borough of Windsor & Maidenhead All-age Safeguarding Partnership"


def _acknowledger(**settings: Any) -> Acknowledger:
    return Acknowledger(AcknowledgementSettings(**settings), own_address="safeguarding.partnership@rbwm.example.org",
                        partnership=PARTNERSHIP_NAME)


def _field(name: str, value: str) -> Field:
    return Field(name, value, "form.docx: table 1", 0.9, label=name)


def _reading(flags: frozenset[Flag] = frozenset(), unanswered: tuple[str, ...] = (),
             fields: dict[str, Field] | None = None, unanswered_fields: tuple[str, ...] = ()):
    def read(attachment: Attachment) -> ExtractedForm:
        return ExtractedForm(attachment.filename, FormType.SAR_REFERRAL, fields or {}, flags, unanswered=unanswered,
                             unanswered_fields=unanswered_fields)
    return read


def test_the_variant_follows_what_the_referrer_must_do_next() -> None:
    assert choose_variant([], []) is Variant.RECEIVED
    assert choose_variant([Flag.NO_FORM], []) is Variant.NO_FORM
    assert choose_variant([Flag.SCANNED_FORM, Flag.ENCRYPTED_ATTACHMENT], ["Date of death"]) is Variant.ENCRYPTED
    assert choose_variant([Flag.UNSUPPORTED_ATTACHMENT], []) is Variant.UNSUPPORTED
    assert choose_variant([Flag.SCANNED_FORM], []) is Variant.SCANNED
    assert choose_variant([Flag.INVALID_NHS_NUMBER], ["Date of death"]) is Variant.MISSING_ANSWERS


def test_each_variant_says_what_to_do_in_text_and_html() -> None:
    ack = _acknowledger(form_url="https://www.rbwm.example.org/forms", phone="01628 000000")
    expected = {
        Variant.RECEIVED: "What happens next",
        Variant.NO_FORM: "https://www.rbwm.example.org/forms",
        Variant.ENCRYPTED: "01628 000000",
        Variant.SCANNED: "enter it by hand",
        Variant.UNSUPPORTED: "Word document (.docx) or a PDF",
        Variant.MISSING_ANSWERS: "Date of death",
        Variant.FOLLOW_UP: "added it to referral",
    }
    for variant, phrase in expected.items():
        content = ack.render(variant, reference="SAR-2026-0001", questions=["Date of death"])
        assert "SAR-2026-0001" in content.subject
        assert phrase in content.text and phrase in content.html, variant
        assert "keep the reference SAR-2026-0001 in the subject" in content.text
    encrypted = ack.render(Variant.ENCRYPTED, reference="SAR-2026-0001").text
    assert "telephone" in encrypted and "do NOT send the password by email" in encrypted


def test_html_escapes_what_it_is_given() -> None:
    content = _acknowledger().render(Variant.RECEIVED, reference="SAR-2026-0001", files_read="<b>1</b> file")
    assert "&lt;b&gt;1&lt;/b&gt; file" in content.html and "<b>1</b> file" in content.text
    # Whatever a template prints, no bidi or control character reaches the referrer.
    odd = _acknowledger(phone="01628\u202e 000000\x00").render(Variant.ENCRYPTED, reference="SAR-2026-0001",
                                                                files_unopened="1 Word\u2066 document")
    for part in (odd.text, odd.html):
        assert "01628 000000" in part and "1 Word document" in part and "\u202e" not in part and "\x00" not in part


def test_an_encrypted_form_gets_the_password_by_phone_acknowledgement(db_url: str, tmp_path: Path,
                                                                     smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server, "acknowledgements:\n  phone: 01628 000000\n")
    runtime.pipeline._stages = dataclasses.replace(
        runtime.pipeline._stages, read_form=_reading(frozenset({Flag.ENCRYPTED_ATTACHMENT})))
    take_in(runtime, referral_email(1))
    runtime.send_due()
    text = smtp_server.received[0].message.get_body(("plain",)).get_content()
    assert "protected by a password" in text and "01628 000000" in text
    assert "We could not open 1 Word document because" in text  # by kind, never by the name the sender chose
    assert "SAR Referral Form" not in text


def test_missing_answers_are_listed_by_label_and_no_personal_data_is_echoed(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    fields = {"subject.surname": _field("subject.surname", "Whitfield"),
              "subject.forenames": _field("subject.forenames", "Margaret Ann"),
              "subject.nhs_number": _field("subject.nhs_number", "9434765919")}
    runtime.pipeline._stages = dataclasses.replace(runtime.pipeline._stages, read_form=_reading(
        unanswered=("Date of death", "Was Margaret known to services?"), fields=fields,
        unanswered_fields=("event.date_of_death", "adult.care_and_support_needs")))
    form = simple_docx(["SAR Notification Form"])
    raw = make_email(subject="SAR referral for Margaret Whitfield 943 476 5919",
                     attachments=[("SAR form - Whitfield.docx", form, DOCX_TYPE),
                                  ("Chronology.docx", simple_docx(["chronology"]), DOCX_TYPE)])
    take_in(runtime, raw)
    runtime.send_due()
    message = smtp_server.received[0].message
    for body in (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content(),
                 str(message["Subject"])):
        assert "Whitfield" not in body and "Margaret" not in body and "9434765919" not in body
        assert "943 476 5919" not in body
    text = message.get_body(("plain",)).get_content()
    # Unanswered questions in our own words; files by count and kind, never by name.
    assert "Date of death" in text and "Care and support needs" in text and "Was Margaret" not in text
    assert "We have read the attached files: 2 Word documents." in text and "Chronology" not in text


def test_a_bounce_of_our_acknowledgement_is_recorded_on_its_case(db_url: str, tmp_path: Path,
                                                                smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    first = take_in(runtime, referral_email(1))
    runtime.send_due()
    ack_id = smtp_server.received[0].message["Message-ID"]
    bounce = take_in(runtime, bounce_email(ack_id))
    assert bounce.disposition is Disposition.IGNORED and bounce.case_reference == first.case_reference
    runtime.send_due()
    assert len(smtp_server.received) == 1  # the bounce itself is never answered
    with Session(runtime.engine) as session:
        [case] = json.loads(cases_json(session))
        messages = list(iter_messages(session))
    assert "acknowledgement_bounced" in case["flags"] and case["acknowledged"] is False
    assert "bounced" in messages[0]["reply_reason"]
    assert messages[1]["reply"] == "none" and "bounce" in messages[1]["reply_reason"]


def test_a_reply_to_our_acknowledgement_is_a_follow_up_and_not_acknowledged(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    first = take_in(runtime, referral_email(1))
    runtime.send_due()
    ack_id = smtp_server.received[0].message["Message-ID"]
    reply = make_email(subject="Re: the form", headers={"In-Reply-To": ack_id, "References": ack_id},
                       attachments=[("Updated form.docx", simple_docx(["updated"]), DOCX_TYPE)])
    outcome = take_in(runtime, reply)
    assert outcome.disposition is Disposition.FOLLOW_UP and outcome.case_reference == first.case_reference
    assert len(outbox_rows(runtime)) == 1
    with Session(runtime.engine) as session:
        messages = list(iter_messages(session))
        assert len(session.exec(select(Case)).all()) == 1
    assert messages[1]["reply"] == "none" and "follow-ups are not acknowledged" in messages[1]["reply_reason"]


def test_follow_ups_are_acknowledged_when_configured_but_never_an_auto_reply(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server, "acknowledgements:\n  acknowledge_follow_ups: true\n")
    first = take_in(runtime, referral_email(1))
    take_in(runtime, make_email(subject=f"RE: Referral received: {first.case_reference}", body="More."))
    take_in(runtime, make_email(subject=f"Automatic reply: Referral received: {first.case_reference}",
                                headers={"Auto-Submitted": "auto-replied"}))
    rows = outbox_rows(runtime)
    assert [r.status for r in rows] == [OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.SUPPRESSED]
    assert "added it to referral" in rows[1].body_text and "Auto-Submitted" in rows[2].reason


def test_the_rate_limit_suppresses_acknowledgements_beyond_the_hourly_limit(db_url: str, tmp_path: Path,
                                                                            smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server, "acknowledgements:\n  max_per_hour: 2\n")
    for n in range(1, 5):
        take_in(runtime, referral_email(n))
    statuses = [r.status for r in outbox_rows(runtime)]
    assert statuses == [OutboxStatus.PENDING] * 2 + [OutboxStatus.SUPPRESSED] * 2
    assert "rate limit" in outbox_rows(runtime)[2].reason
    assert len(runtime.send_due().sent) == 2
    with Session(runtime.engine) as session:
        cases = json.loads(cases_json(session))
        messages = list(iter_messages(session))
    assert [c["acknowledged"] for c in cases] == [True, True, False, False]
    assert messages[3]["reply"] == "suppressed" and "rate limit" in messages[3]["reply_reason"]


def test_switched_off_acknowledgements_are_recorded_as_suppressed(db_url: str, tmp_path: Path,
                                                                  smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server, "acknowledgements:\n  enabled: false\n")
    take_in(runtime, referral_email(1))
    assert runtime.send_due().sent == [] and smtp_server.received == []
    [row] = outbox_rows(runtime)
    assert row.status == OutboxStatus.SUPPRESSED and row.reason == "acknowledgements are switched off"


# Issue 13, finding 2: the acknowledgement relayed phishing text from file names, under the partnership's name.
PHISHING = "ACTION REQUIRED - your referral was rejected. Re-submit at https://evil.example/login today.docx"
REVERSED = "SAR form xcod\u202e.exe"  # displays as "SAR form xcodexe." reversed: exe.docx


def test_a_phishing_file_name_and_a_bidi_override_are_never_echoed(db_url: str, tmp_path: Path,
                                                                   smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    runtime.pipeline._stages = dataclasses.replace(runtime.pipeline._stages, read_form=_reading(
        unanswered=("Date of death - call 0800 000 000 to confirm your bank details",),
        unanswered_fields=("event.date_of_death",)))
    raw = make_email(subject="URGENT: your account is suspended, see https://evil.example",
                     attachments=[(PHISHING, simple_docx(["form"]), DOCX_TYPE),
                                  (REVERSED, simple_docx(["form"]), DOCX_TYPE),
                                  ("scan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")])
    take_in(runtime, raw)
    assert len(runtime.send_due().sent) == 1
    message = smtp_server.received[0].message
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html, str(message["Subject"])):
        for echoed in ("ACTION", "evil.example", "Re-submit", "xcod", "\u202e", "suspended", "bank details",
                       "0800", "scan.pdf"):
            assert echoed not in part, echoed
    assert "We have read the attached files: 2 Word documents, 1 PDF file." in text
    assert "Date of death" in text  # the question in our own words


def test_a_from_header_full_of_markup_is_filed_flagged_and_not_answered(db_url: str, tmp_path: Path,
                                                                        smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    raw = referral_email(1).replace(b"From: sarah.collins@frimley.example.org",
                                    b'From: <script>alert(1)</script> "x" <<a@b>>')
    outcome = take_in(runtime, raw)
    assert outcome.disposition is Disposition.CASE
    report = runtime.send_due()
    assert report.sent == report.failed == report.interrupted == [] and smtp_server.received == []
    [row] = outbox_rows(runtime)
    assert row.status == OutboxStatus.SUPPRESSED and row.reason == "no valid sender address"
    assert row.recipient == "" and "interrupted" not in row.reason
    with Session(runtime.engine) as session:
        case = session.exec(select(Case)).one()
        [message] = list(iter_messages(session))
    assert case.sender == "" and "invalid_sender_address" in case.flags
    assert message["sender"] == "" and message["reply_reason"] == "no valid sender address"


def test_an_outbox_row_without_a_valid_recipient_fails_plainly_before_sending(db_url: str, tmp_path: Path,
                                                                              smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server)
    take_in(runtime, referral_email(1))
    with Session(runtime.engine) as session:  # as stored before issue 13: the parser's fragment of a markup From
        row = session.exec(select(Outbox)).one()
        row.recipient = "@evil.org"
        session.add(row)
        session.commit()
    report = runtime.send_due()
    [row] = outbox_rows(runtime)
    assert report.failed == [row.id] and report.interrupted == [] and smtp_server.received == []
    assert row.status == OutboxStatus.FAILED and "no valid recipient address" in row.reason
    assert "sent folder" not in row.reason and "interrupted" not in row.reason


# Sender trust: Authentication-Results written by our receiving server, under its configured authserv-id.
TRUST = "sender_trust:\n  authserv_id: [mx.rbwm.example.org]\n"


def _with_results(raw: bytes, *fields: str) -> bytes:
    """The message as our receiving server delivers it: its Authentication-Results on top."""
    return b"".join(f"Authentication-Results: {f}\n".encode() for f in fields) + raw


def test_only_senders_our_receiving_server_authenticated_are_acknowledged(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = smtp_runtime(tmp_path, db_url, smtp_server, TRUST)
    passed = ("mx.rbwm.example.org; spf=pass smtp.mailfrom=frimley.example.org; "
              "dmarc=pass header.from=frimley.example.org")
    failed = "mx.rbwm.example.org; spf=pass smtp.mailfrom=evil.example; dmarc=fail header.from=frimley.example.org"
    forged = "evil.example; dmarc=pass header.from=frimley.example.org"
    take_in(runtime, _with_results(referral_email(1), passed))
    take_in(runtime, _with_results(referral_email(2), failed))
    take_in(runtime, _with_results(referral_email(3), forged, passed))  # another server's field on top: ignored
    take_in(runtime, referral_email(4))  # no field at all
    rows = outbox_rows(runtime)
    assert [r.status for r in rows] == [OutboxStatus.PENDING] + [OutboxStatus.SUPPRESSED] * 3
    assert rows[1].reason.startswith("sender not authenticated: DMARC failed for frimley.example.org")
    assert "no Authentication-Results from our receiving server" in rows[2].reason == rows[3].reason
    assert len(runtime.send_due().sent) == 1 and len(smtp_server.received) == 1
    with Session(runtime.engine) as session:
        assert len(session.exec(select(Case)).all()) == 4  # every case is filed all the same


def test_microsoft_365_results_are_trusted_when_named(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    m365 = ("spf=pass (sender IP is 209.85.128.45) smtp.mailfrom=frimley.example.org; rbwm.example.org; dkim=pass "
            "(signature was verified) header.d=frimley.example.org;rbwm.example.org; dmarc=pass action=none "
            "header.from=frimley.example.org;compauth=pass reason=100")
    runtime = smtp_runtime(tmp_path, db_url, smtp_server, "sender_trust:\n  authserv_id: microsoft365\n")
    take_in(runtime, _with_results(referral_email(1), m365))
    take_in(runtime, _with_results(referral_email(2), m365.replace("dmarc=pass", "dmarc=fail")))
    take_in(runtime, _with_results(referral_email(3), "mx.rbwm.example.org; dmarc=pass"))  # not Microsoft's field
    rows = outbox_rows(runtime)
    assert [r.status for r in rows] == [OutboxStatus.PENDING] + [OutboxStatus.SUPPRESSED] * 2
    assert "DMARC failed" in rows[1].reason and "no Authentication-Results" in rows[2].reason

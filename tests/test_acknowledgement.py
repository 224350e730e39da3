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
from intake.store.models import Case, Disposition, OutboxStatus
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

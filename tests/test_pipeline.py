"""One message through parse, screen, extract, classify and file — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
from sqlmodel import Session, select

from intake.runtime import build_runtime
from intake.store import ledger
from intake.store.export import cases_json, iter_messages
from intake.store.models import AuditEvent, Case, Disposition, StoredAttachment
from tests.conftest import EXPORT_SCHEMA, make_settings, needs_export_schema
from tests.support.mailfactory import bounce_email, forwarded_email, make_email, referral_email


def _take_in(runtime, raw: bytes):
    with Session(runtime.engine) as session:
        stored = ledger.store_raw(session, raw, source="file")
    return runtime.pipeline.process(stored.message_pk)


def test_a_referral_with_a_form_becomes_a_case_and_exports_to_the_contract(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    outcome = _take_in(runtime, referral_email(1))
    assert outcome.disposition is Disposition.CASE
    assert outcome.case_reference.endswith("-2026-0001")
    with Session(runtime.engine) as session:
        exported = json.loads(cases_json(session))
        attachments = session.exec(select(StoredAttachment)).all()
    assert [a.filename for a in attachments] == ["SAR Referral Form.docx"]
    assert attachments[0].is_form
    assert exported[0]["message_ids"] == ["<referral-1@frimley.example.org>"]


@needs_export_schema
def test_the_export_of_a_case_matches_the_case_export_schema(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    _take_in(runtime, referral_email(1))
    with Session(runtime.engine) as session:
        exported = json.loads(cases_json(session))
    assert len(exported) == 1
    jsonschema.validate(exported, json.loads(EXPORT_SCHEMA.read_text()))


def test_references_count_up_per_prefix_and_year(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    refs = [_take_in(runtime, referral_email(n)).case_reference for n in range(1, 4)]
    assert [r[-4:] for r in refs] == ["0001", "0002", "0003"]
    assert len(set(refs)) == 3


def test_a_form_inside_a_forwarded_message_is_found(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    outcome = _take_in(runtime, forwarded_email(referral_email(7)))
    assert outcome.disposition is Disposition.CASE
    with Session(runtime.engine) as session:
        attachment = session.exec(select(StoredAttachment)).one()
    assert attachment.filename == "SAR Referral Form.docx"
    assert attachment.origin == "forwarded message 1"


def test_a_reply_quoting_the_reference_is_filed_under_the_case(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    first = _take_in(runtime, referral_email(1))
    reply = make_email(subject=f"RE: Referral received {first.case_reference}", body="More details.")
    outcome = _take_in(runtime, reply)
    assert outcome.disposition is Disposition.FOLLOW_UP
    assert outcome.case_reference == first.case_reference
    with Session(runtime.engine) as session:
        exported = json.loads(cases_json(session))
    assert len(exported) == 1 and len(exported[0]["message_ids"]) == 2


def test_a_reply_by_in_reply_to_is_filed_under_the_case(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    first = _take_in(runtime, referral_email(1))
    reply = make_email(subject="Re: referral", headers={"In-Reply-To": "<referral-1@frimley.example.org>"})
    assert _take_in(runtime, reply).case_reference == first.case_reference


def test_bounces_auto_replies_and_our_own_mail_are_kept_but_not_filed(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    robots = [
        bounce_email("<ack-1@rbwm.example.org>"),
        make_email(subject="Out of Office: back Monday", headers={"Auto-Submitted": "auto-replied"}),
        make_email(sender="safeguarding.partnership@rbwm.example.org", subject="Referral received"),
    ]
    outcomes = [_take_in(runtime, raw) for raw in robots]
    assert [o.disposition for o in outcomes] == [Disposition.IGNORED] * 3
    assert "bounce" in outcomes[0].reason
    with Session(runtime.engine) as session:
        assert session.exec(select(Case)).all() == []
        ledger_rows = list(iter_messages(session))
    assert {r["disposition"] for r in ledger_rows} == {"ignored"}
    assert all(r["reason"] for r in ledger_rows)


def test_robots_are_screened_before_any_attachment_is_opened(db_url: str, tmp_path: Path) -> None:
    # Documented order: parse, screen, extract. Our own mail with a form attached (marked automatic, as all we
    # send is) is ignored unread; a person's forward from our address is another matter (test_follow_up_trust).
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    opened: list[str] = []

    def must_not_open(attachment):
        opened.append(attachment.filename)
        raise AssertionError("a robot's attachment was opened")

    runtime.pipeline._stages = dataclasses.replace(runtime.pipeline._stages, read_form=must_not_open)
    outcome = _take_in(runtime, referral_email(1, sender="safeguarding.partnership@rbwm.example.org",
                                               headers={"Auto-Submitted": "auto-replied"}))
    assert outcome.disposition is Disposition.IGNORED and outcome.reason == "our own outgoing mail"
    assert opened == []


def test_a_message_with_no_form_is_a_case_flagged_no_form(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    outcome = _take_in(runtime, make_email(body="I am worried about my neighbour, aged 80."))
    assert outcome.disposition is Disposition.CASE
    with Session(runtime.engine) as session:
        case = session.exec(select(Case)).one()
    assert "no_form" in case.flags


def test_a_failing_stage_quarantines_with_a_reason_and_requeue_runs_it_again(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    good_stages = runtime.pipeline._stages

    class BrokenFormError(Exception):
        code = "corrupt"

    def broken(attachment):
        raise BrokenFormError("the file is damaged")

    runtime.pipeline._stages = dataclasses.replace(good_stages, read_form=broken)
    failed = _take_in(runtime, referral_email(1))
    following = _take_in(runtime, make_email(body="no attachment here"))
    assert failed.disposition is Disposition.QUARANTINED
    assert failed.reason == "corrupt: the file is damaged"
    assert following.disposition is Disposition.CASE  # the worker went on
    with Session(runtime.engine) as session:
        row = next(r for r in iter_messages(session) if r["id"] == failed.message_pk)
        assert row["stage"] == "extract" and row["disposition"] == "quarantined"
    runtime.pipeline._stages = good_stages  # "after a fix"
    with Session(runtime.engine) as session:
        assert ledger.requeue(session, failed.message_pk)
    again = runtime.pipeline.process(failed.message_pk)
    assert again.disposition is Disposition.CASE


def test_an_oversized_message_is_quarantined_unread(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db_url=db_url, extra_yaml="limits:\n  max_message_bytes: 2000\n")
    runtime = build_runtime(settings)
    outcome = _take_in(runtime, make_email(body="x" * 5000))
    assert outcome.disposition is Disposition.QUARANTINED
    assert "exceeds the limit" in outcome.reason


def test_processing_a_done_message_again_changes_nothing(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    raw = referral_email(1)
    outcome = _take_in(runtime, raw)
    assert runtime.pipeline.process(outcome.message_pk) is None
    assert _take_in(runtime, raw) is None  # the same bytes again: already filed
    with Session(runtime.engine) as session:
        assert len(session.exec(select(Case)).all()) == 1
        assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "case_created")).all()) == 1


def test_a_referral_typed_in_the_email_beside_a_document_that_is_no_form_is_read_from_the_email(
        db_url: str, tmp_path: Path) -> None:
    """A chronology or a cover letter attached is not a referral form: the referral typed in the email is read, and
    with none there either the case is flagged no_form (so its acknowledgement asks for the form)."""
    from tests.support.browser import SAR_BODY
    from tests.support.mailfactory import DOCX_TYPE, simple_docx

    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    letter = ("Chronology.docx", simple_docx(["Chronology of agency contact", "March: a visit by the district nurse.",
                                               "April: a call to the GP surgery."]), DOCX_TYPE)
    typed = _take_in(runtime, make_email(body=SAR_BODY, attachments=[letter], message_id="<typed@x.example.org>"))
    bare = _take_in(runtime, make_email(body="Please see the attached.", attachments=[letter],
                                        message_id="<bare@x.example.org>"))
    with Session(runtime.engine) as session:
        typed_case = session.exec(select(Case).where(Case.reference == typed.case_reference)).one()
        bare_case = session.exec(select(Case).where(Case.reference == bare.case_reference)).one()
        exported = {c["reference"]: c for c in json.loads(cases_json(session))}
    assert exported[typed.case_reference]["fields"]["subject.surname"]["value"] == "Testperson"
    assert typed_case.track == "adult"
    assert "no_form" in bare_case.flags and not exported[bare.case_reference]["fields"].get("subject.surname")


def test_a_referral_typed_in_an_html_only_email_is_read_line_by_line(db_url: str, tmp_path: Path) -> None:
    """Outlook sends HTML only: each <p> or <br> is a line, so "Name: …" and "Date of birth: …" stay apart."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "sarah.collins@frimley.example.org", \
        "safeguarding.partnership@rbwm.example.org", "SAR referral"
    message["Message-ID"] = "<html-only@frimley.example.org>"
    message.set_content("<html><body><p>Please treat this as a SAR referral.</p><p>Name: Margaret Testperson</p>"
                        "<p>Date of birth: 01/02/1950<br>Date of death: 03/03/2026</p></body></html>", subtype="html")
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    outcome = _take_in(runtime, message.as_bytes())
    with Session(runtime.engine) as session:
        fields = {c["reference"]: c for c in json.loads(cases_json(session))}[outcome.case_reference]["fields"]
    assert fields["subject.surname"]["value"] == "Testperson"
    assert fields["subject.date_of_birth"]["value"] == "1950-02-01"

"""Duplicates: one email delivered twice is filed once; the same form or person again is flagged."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from intake.runtime import build_runtime
from intake.store.export import cases_json, iter_messages
from intake.store.models import AuditEvent, Disposition
from parsers.values import Attachment, ExtractedForm, Field, FormType
from tests.conftest import make_settings
from tests.support.mailfactory import DOCX_TYPE, make_email, referral_email, simple_docx
from tests.test_outbox import outbox_rows, take_in


def _person_reader(fields: dict[str, str]):
    def read(attachment: Attachment) -> ExtractedForm:
        values = {n: Field(n, v, f"{attachment.filename}: table 1", 0.9) for n, v in fields.items()}
        return ExtractedForm(attachment.filename, FormType.SAR_REFERRAL, values)
    return read


def _form_email(n: int, *, date: datetime | None = None) -> bytes:
    form = simple_docx([f"form {n}"])
    return make_email(message_id=f"<form-{n}@frimley.example.org>", date=date,
                      attachments=[(f"form {n}.docx", form, DOCX_TYPE)])


def _cases(runtime) -> list[dict]:
    with Session(runtime.engine) as session:
        return json.loads(cases_json(session))


def test_a_copy_of_the_same_message_id_is_taken_in_once(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    original = referral_email(1)
    cc_copy = original.replace(b"To: safeguarding", b"Cc: team@rbwm.example.org\r\nTo: safeguarding", 1)
    assert cc_copy != original
    first, second = take_in(runtime, original), take_in(runtime, cc_copy)
    assert first.disposition is Disposition.CASE
    assert second.disposition is Disposition.IGNORED and second.reason == f"copy of message {first.message_pk}"
    assert len(_cases(runtime)) == 1 and len(outbox_rows(runtime)) == 1
    with Session(runtime.engine) as session:
        assert [m["disposition"] for m in iter_messages(session)] == ["case", "ignored"]


def test_the_same_message_id_from_another_sender_is_not_a_copy(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    take_in(runtime, referral_email(1))
    other = take_in(runtime, referral_email(1, sender="someone.else@frimley.example.org"))
    assert other.disposition is Disposition.CASE


def test_the_same_form_file_sent_again_is_a_possible_duplicate(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    form = simple_docx(["the same form"])
    first = take_in(runtime, make_email(attachments=[("form.docx", form, DOCX_TYPE)]))
    take_in(runtime, make_email(attachments=[("form.docx", simple_docx(["another"]), DOCX_TYPE)]))
    again = take_in(runtime, make_email(subject="resending", attachments=[("copy.docx", form, DOCX_TYPE)]))
    cases = _cases(runtime)
    assert [c["duplicate_of"] for c in cases] == [None, None, first.case_reference]
    assert "possible_duplicate" in cases[2]["flags"] and "possible_duplicate" not in cases[1]["flags"]
    with Session(runtime.engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "possible_duplicate")).one()
    assert event.detail == {"duplicate_of": first.case_reference, "rule": "the same form file"}
    assert again.disposition is Disposition.CASE


def test_the_same_person_by_nhs_number_or_name_and_birth_date_is_a_possible_duplicate(
        db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    stages = runtime.pipeline._stages
    person = {"subject.forenames": "Margaret", "subject.surname": "Whitfield",
              "subject.date_of_birth": "1941-05-02", "subject.nhs_number": "9434765919"}
    runtime.pipeline._stages = dataclasses.replace(stages, read_form=_person_reader(person))
    first = take_in(runtime, _form_email(1))
    by_nhs = {"subject.nhs_number": "943 476 5919", "subject.surname": "Whitfield-Jones"}
    runtime.pipeline._stages = dataclasses.replace(stages, read_form=_person_reader(by_nhs))
    take_in(runtime, _form_email(2))
    by_name = {"subject.forenames": "MARGARET", "subject.surname": "whitfield", "subject.date_of_birth": "1941-05-02"}
    runtime.pipeline._stages = dataclasses.replace(stages, read_form=_person_reader(by_name))
    take_in(runtime, _form_email(3))
    other = {**by_name, "subject.date_of_birth": "1950-01-01"}
    runtime.pipeline._stages = dataclasses.replace(stages, read_form=_person_reader(other))
    take_in(runtime, _form_email(4))
    assert [c["duplicate_of"] for c in _cases(runtime)] == [None, first.case_reference, first.case_reference, None]
    with Session(runtime.engine) as session:
        rules = [e.detail["rule"] for e in session.exec(select(AuditEvent).where(
            AuditEvent.action == "possible_duplicate").order_by(col(AuditEvent.id)))]
    assert rules == ["the same NHS number", "the same name and date of birth"]


def test_an_earlier_case_outside_the_window_is_not_a_duplicate(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url, extra_yaml="duplicates:\n  window_days: 30\n"))
    runtime.pipeline._stages = dataclasses.replace(
        runtime.pipeline._stages, read_form=_person_reader({"subject.nhs_number": "9434765919"}))
    take_in(runtime, _form_email(1, date=datetime(2025, 1, 6, 9, 0, tzinfo=UTC)))
    take_in(runtime, _form_email(2, date=datetime(2026, 3, 10, 9, 0, tzinfo=UTC)))
    assert [c["duplicate_of"] for c in _cases(runtime)] == [None, None]

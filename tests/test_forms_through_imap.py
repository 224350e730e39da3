"""Referral emails in every layout, taken in through IMAP, come out in the case export with their fields."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session

from demo.forms import CHILD_FORM, SAR_FORM, Layout, build
from intake.runtime import build_runtime
from intake.store.export import cases_json
from tests.support.imap_server import DovecotServer
from tests.support.intake_helpers import imap_settings
from tests.support.legacy_word import convert, libreoffice_missing, python_docx_form
from tests.support.mailfactory import make_email

MIME = {"pdf": "application/pdf", "docm": "application/vnd.ms-word.document.macroEnabled.12",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "doc": "application/msword", "odt": "application/vnd.oasis.opendocument.text"}


def _attachment(name: str, data: bytes) -> tuple[str, bytes, str]:
    return name, data, MIME[name.rsplit(".", 1)[1]]


def _export_by_subject(runtime, count: int) -> dict[str, dict]:
    with Session(runtime.engine) as session:
        cases = json.loads(cases_json(session))
    assert len(cases) == count
    return {c["message_ids"][0]: c for c in cases}


def test_every_layout_comes_out_of_the_export_with_its_fields(dovecot: DovecotServer, sqlite_url: str,
                                                              tmp_path: Path) -> None:
    exact = [layout for layout in Layout if layout is not Layout.PDF_SCANNED]
    plan = {f"<{form_name}-{layout.value}@example.org>": (form, layout)
            for form_name, form in (("sar", SAR_FORM), ("child", CHILD_FORM)) for layout in exact}
    dovecot.append("intake", "INBOX", [make_email(message_id=mid, attachments=[_attachment(*build(form, layout))])
                                       for mid, (form, layout) in plan.items()])
    runtime = build_runtime(imap_settings(tmp_path, dovecot, sqlite_url))
    [report] = runtime.poll_all()
    assert report.error == "" and report.processed == {"case": len(plan)}
    exported = _export_by_subject(runtime, len(plan))
    for mid, (form, layout) in plan.items():
        case = exported[mid]
        got = {name: (tuple(f["value"]) if isinstance(f["value"], list) else f["value"])
               for name, f in case["fields"].items()}
        assert got == form.expected, layout
        assert case["form_type"] == ("sar_referral" if form is SAR_FORM else "child_referral")
        assert case["track"] == ("adult" if form is SAR_FORM else "child")
        assert all(f["source"] and 0 < f["confidence"] <= 1 for f in case["fields"].values())


@pytest.mark.skipif(libreoffice_missing() is not None, reason=libreoffice_missing() or "")
def test_old_word_and_opendocument_forms_come_out_with_their_fields(dovecot: DovecotServer, sqlite_url: str,
                                                                   tmp_path: Path) -> None:
    source = python_docx_form(SAR_FORM)
    for suffix in ("doc", "odt"):
        data = convert(source, suffix, tmp_path / suffix)
        dovecot.append("intake", "INBOX", make_email(message_id=f"<legacy-{suffix}@example.org>",
                                                     attachments=[_attachment(f"SAR form.{suffix}", data)]))
    runtime = build_runtime(imap_settings(tmp_path, dovecot, sqlite_url))
    runtime.poll_all()
    exported = _export_by_subject(runtime, 2)
    for suffix in ("doc", "odt"):
        fields = exported[f"<legacy-{suffix}@example.org>"]["fields"]
        assert fields["subject.surname"]["value"] == "Whitfield"
        assert fields["subject.date_of_birth"]["value"] == "1941-03-12"
        assert fields["event.is_deceased"]["value"] is True
        assert fields["event.abuse_types"]["value"] == ["neglect", "self_neglect"]
        assert fields["subject.surname"]["source"].startswith(f"SAR form.{suffix}")


def test_a_scanned_form_is_flagged_and_read_by_ocr(dovecot: DovecotServer, sqlite_url: str, tmp_path: Path) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract not installed: apt-get install tesseract-ocr")
    dovecot.append("intake", "INBOX", make_email(message_id="<scan@example.org>",
                                                 attachments=[_attachment(*build(SAR_FORM, Layout.PDF_SCANNED))]))
    runtime = build_runtime(imap_settings(tmp_path, dovecot, sqlite_url))
    runtime.poll_all()
    case = _export_by_subject(runtime, 1)["<scan@example.org>"]
    assert "scanned_form" in case["flags"]
    assert case["fields"]["subject.surname"]["value"] == "Whitfield"
    assert case["fields"]["subject.surname"]["confidence"] < 0.7


def test_a_referral_typed_into_the_email_is_read_and_flagged_no_form(dovecot: DovecotServer, sqlite_url: str,
                                                                     tmp_path: Path) -> None:
    from demo.forms import email_body

    dovecot.append("intake", "INBOX", make_email(message_id="<typed@example.org>", body=email_body(SAR_FORM)))
    runtime = build_runtime(imap_settings(tmp_path, dovecot, sqlite_url))
    runtime.poll_all()
    case = _export_by_subject(runtime, 1)["<typed@example.org>"]
    assert "no_form" in case["flags"]
    assert case["fields"]["subject.surname"]["value"] == "Whitfield"
    assert case["decisions"]["sar"] == "mandatory"

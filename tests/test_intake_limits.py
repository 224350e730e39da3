"""Issue 13, finding 7 (the pipeline's part), on SQLite and PostgreSQL: a huge subject, thousands of attachments,
the raw email parsed on every case view, and a winmail.dat that yields nothing — each held to a limit, kept with
a flag or warning staff can see, never silently lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from intake.store.models import Case, Disposition, Message, StoredAttachment
from parsers.message import MAX_SUBJECT_CHARS, parse_message
from parsers.values import Flag
from tests.support.browser import seeded_runtime, served, signed_in_client, take_in
from tests.support.mailfactory import DOCX_TYPE, empty_tnef, make_email, referral_email, simple_docx


def test_a_huge_subject_is_cut_with_a_flag_and_the_case_page_stays_small(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    # The probe's subject was 49 MB on one line; the cut is the same at any length (bytes written directly: the
    # standard library takes longer to fold such a header than the service takes to file it).
    subject = b"Referral " + b"A" * 3_000_000
    raw = make_email(subject="placeholder", body="Name: Ann Example\nDate of birth: 01/02/1950")
    outcome = take_in(runtime, raw.replace(b"Subject: placeholder", b"Subject: " + subject))
    assert outcome.disposition is Disposition.CASE
    with Session(runtime.engine) as session:
        message = session.get(Message, outcome.message_pk)
    assert len(message.subject) == MAX_SUBJECT_CHARS and message.subject.startswith("Referral AAA")
    assert message.flags == ["subject_cut"]
    assert message.warnings[0].startswith("subject of ") and message.warnings[0].endswith(f"cut to {MAX_SUBJECT_CHARS}")
    with served(runtime) as base:
        page = signed_in_client(base, "tina").get(f"/cases/{outcome.case_reference}")
    assert page.status_code == 200 and len(page.content) < 200_000
    assert "subject too long, cut" in page.text


def test_attachments_over_the_limit_are_one_warning_not_rows_and_forms_come_first(db_url: str,
                                                                                  tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url, extra_yaml="limits:\n  max_attachments_per_message: 5\n")
    junk = [(f"note-{n}.txt", f"note {n}".encode(), "text/plain") for n in range(300)]
    form = ("SAR Referral Form.docx", simple_docx(["SAR Notification Form", "Name: Ann Example"]), DOCX_TYPE)
    outcome = take_in(runtime, make_email(attachments=[*junk[:150], form, *junk[150:]]))
    assert outcome.disposition is Disposition.CASE
    with Session(runtime.engine) as session:
        rows = session.exec(select(StoredAttachment).where(StoredAttachment.message_pk == outcome.message_pk)).all()
        message = session.get(Message, outcome.message_pk)
        case = session.exec(select(Case).where(Case.reference == outcome.case_reference)).one()
    assert [r.filename for r in rows] == ["note-0.txt", "note-1.txt", "note-2.txt", "note-3.txt",
                                          "SAR Referral Form.docx"]
    assert message.flags == ["too_many_attachments"] and len(message.warnings) == 1
    assert message.warnings[0].startswith("301 attachments: the first 5 were filed")
    assert "too_many_attachments" in case.flags


def test_the_default_limit_is_fifty() -> None:
    from intake.config.settings import LimitSettings

    assert LimitSettings().max_attachments_per_message == 50


def test_the_case_page_reads_the_text_kept_at_filing_and_parses_only_older_mail(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    many_cc = ", ".join(f"person{n}@cc.example.org" for n in range(2000))
    outcome = take_in(runtime, make_email(body="Name: Ann Example\nKept at filing.", headers={"Cc": many_cc}))
    with Session(runtime.engine) as session:
        message = session.get(Message, outcome.message_pk)
    assert message.body_text.startswith("Name: Ann Example") and message.mail_date is not None

    parsed: list[int] = []
    import intake.web.caseview as caseview

    real = caseview.parse_message

    def counted(raw: bytes):
        parsed.append(len(raw))
        return real(raw)

    monkeypatch.setattr(caseview, "parse_message", counted)
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        page = client.get(f"/cases/{outcome.case_reference}")
        assert page.status_code == 200 and "Kept at filing." in page.text
        assert parsed == []  # no email was parsed again to show the page
        with Session(runtime.engine) as session:  # mail filed before the text was kept
            message = session.get(Message, outcome.message_pk)
            message.body_text = None
            session.add(message)
            session.commit()
        page = client.get(f"/cases/{outcome.case_reference}")
        assert "Kept at filing." in page.text and len(parsed) == 1


def test_an_empty_winmail_dat_is_kept_and_flagged(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    outcome = take_in(runtime, make_email(body="Referral attached.",
                                          attachments=[("winmail.dat", empty_tnef(), "application/ms-tnef")]))
    with Session(runtime.engine) as session:
        [row] = session.exec(select(StoredAttachment).where(StoredAttachment.message_pk == outcome.message_pk)).all()
        case = session.exec(select(Case).where(Case.reference == outcome.case_reference)).one()
    assert row.filename == "winmail.dat" and row.flags == ["empty_winmail"]
    assert "held no files and no text" in row.warnings[0]
    assert "empty_winmail" in case.flags and "no_form" in case.flags
    with served(runtime) as base:
        page = signed_in_client(base, "tina").get(f"/cases/{outcome.case_reference}")
    assert "winmail.dat held nothing" in page.text


def test_the_parser_keeps_an_empty_winmail_dat_with_its_flag() -> None:
    parsed = parse_message(make_email(attachments=[("winmail.dat", empty_tnef(), "application/ms-tnef")]))
    [kept] = parsed.attachments
    assert kept.flags == {Flag.EMPTY_WINMAIL} and kept.warnings
    assert "winmail.dat held no files and no text" in parsed.defects


def test_a_forward_shows_its_original_sender() -> None:
    from tests.support.mailfactory import forwarded_email

    assert parse_message(forwarded_email(referral_email(1))).forwarded_from == "sarah.collins@frimley.example.org"
    outlook = make_email(body="FYI\n\n________________________________\nFrom: Bob Smith <Bob@GP.example.nhs.uk>\n"
                              "Sent: 09 March 2026 10:00\nSubject: referral\n")
    assert parse_message(outlook).forwarded_from == "bob@gp.example.nhs.uk"
    assert parse_message(make_email(body="From: nobody@example.org is not a forward")).forwarded_from == ""


def test_page_images_past_the_limit_are_kept_and_flagged_not_sent_to_ocr(db_url: str, tmp_path: Path) -> None:
    """Each photo read costs about a second of OCR: fifty photos in one email must not cost fifty seconds."""
    import dataclasses
    import io
    import random

    from intake.runtime import build_runtime
    from tests.conftest import make_settings

    def photo(n: int) -> tuple[str, bytes, str]:
        from PIL import Image

        noise = random.Random(n).randbytes(200 * 200)  # incompressible: well over the page-image size
        buffer = io.BytesIO()
        Image.frombytes("L", (200, 200), noise).save(buffer, format="PNG")
        return f"page-{n}.png", buffer.getvalue(), "image/png"

    runtime = build_runtime(make_settings(tmp_path, db_url=db_url,
                                          extra_yaml="limits:\n  max_page_images_per_message: 2\n"))
    read: list[str] = []
    stages = runtime.pipeline._stages

    def counting(attachment):
        read.append(attachment.filename)
        return stages.read_form(attachment)

    runtime.pipeline._stages = dataclasses.replace(stages, read_form=counting)
    outcome = take_in(runtime, make_email(attachments=[photo(n) for n in range(4)]))
    assert read == ["page-0.png", "page-1.png"]
    with Session(runtime.engine) as session:
        rows = session.exec(select(StoredAttachment).where(StoredAttachment.message_pk == outcome.message_pk)).all()
        case = session.exec(select(Case).where(Case.reference == outcome.case_reference)).one()
    assert len(rows) == 4  # every image kept with the case
    late = {r.filename: r for r in rows}["page-3.png"]
    assert "form_not_extracted" in late.flags and "page images" in late.warnings[0]
    assert "form_not_extracted" in case.flags

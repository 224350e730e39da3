"""parsers.message on real and generated mail: never raises, finds every attachment, keeps the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.worker.isolation import parse_isolated
from parsers.errors import AttachmentError
from parsers.forms import ExtractionLimits
from parsers.message import parse_message
from tests.support.mailfactory import DOCX_TYPE, forwarded_email, make_email, referral_email, simple_docx


def test_headers_bodies_and_attachments_are_read() -> None:
    raw = make_email(sender="Sarah Collins <Sarah.Collins@Frimley.example.org>", subject="SAR referral",
                     attachments=[("form.docx", simple_docx(["x"]), DOCX_TYPE)], message_id="<m1@example.org>")
    parsed = parse_message(raw)
    assert parsed.sender == "sarah.collins@frimley.example.org"
    assert parsed.sender_name == "Sarah Collins"
    assert parsed.message_id == "<m1@example.org>"
    assert parsed.subject == "SAR referral"
    assert parsed.date.tzinfo is not None
    assert "Please find attached" in parsed.text_body
    assert [a.filename for a in parsed.attachments] == ["form.docx"]


def test_forms_inside_forwarded_messages_are_found_with_their_origin() -> None:
    parsed = parse_message(forwarded_email(forwarded_email(referral_email(1))))
    [attachment] = parsed.attachments
    assert attachment.filename == "SAR Referral Form.docx"
    assert attachment.origin == "forwarded message 1 > forwarded message 2"


def test_an_unknown_charset_loses_no_text_and_is_reported() -> None:
    raw = (b"From: a@example.org\r\nSubject: x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
           b"Referral about Z\xc3\xbcrich\r\n")
    parsed = parse_message(raw)
    assert "Zürich" in parsed.text_body
    assert any("unknown charset" in d for d in parsed.defects)


def test_encoded_headers_are_decoded() -> None:
    raw = b"From: =?utf-8?q?Si=C3=A2n_Jones?= <sian@example.org>\r\nSubject: =?iso-8859-1?q?R=E9f=E9rence?=\r\n\r\nx"
    parsed = parse_message(raw)
    assert parsed.subject == "Référence"
    assert parsed.sender_name == "Siân Jones"


@pytest.mark.parametrize(("raw", "defect"), [
    (b"", None),  # empty, but nothing in it is malformed
    (b"From:\r\n\r\n", None),
    (b"\x00\xff" * 100, "MissingHeaderBodySeparatorDefect"),
    (b"Content-Type: multipart/mixed\r\n\r\n--x\r\n", "NoBoundaryInMultipartDefect"),
])
def test_garbage_never_raises_and_what_is_malformed_is_reported(raw: bytes, defect: str | None) -> None:
    parsed = parse_message(raw)
    if defect is None:
        assert parsed.defects == ()
    else:
        assert defect in parsed.defects


def test_every_corpus_message_parses_without_an_exception(corpus: Path) -> None:
    files = [p for p in (corpus / "emails").iterdir() if p.is_file()]
    assert len(files) > 500
    for path in files:
        parse_message(path.read_bytes())


LIMITS = ExtractionLimits(timeout_seconds=20, memory_bytes=768 * 2**20)


def test_attachments_inside_tnef_winmail_dat_are_unpacked_and_a_tnef_bomb_is_contained(corpus: Path) -> None:
    found, contained = [], []
    for path in sorted((corpus / "emails" / "tnef").iterdir()):
        raw = make_email(attachments=[("winmail.dat", path.read_bytes(), "application/ms-tnef")])
        try:
            parsed = parse_isolated(raw, limits=LIMITS)
        except AttachmentError as exc:  # poi__oom.tnef makes tnefparse allocate without bound
            contained.append((path.name, exc.code))
            continue
        found += [a for a in parsed.attachments if a.origin == "winmail.dat"]
    assert found, "no TNEF sample in the corpus carried an attachment"
    # The bomb must have been stopped by the child's limits (not have parsed, nor failed some other way) ...
    assert dict(contained).get("poi__oom.tnef") in {"memory", "timeout"}, f"the bomb was not contained: {contained}"
    # ... and every other sample that was stopped was stopped by a limit, not by a crash.
    assert all(code in {"memory", "timeout"} for _, code in contained), contained


def test_attached_outlook_msg_files_are_unpacked(corpus: Path) -> None:
    msgs = sorted((corpus / "emails").glob("*.msg"))
    if not msgs:
        pytest.skip("no .msg files in the corpus")
    texts = 0
    for path in msgs:
        parsed = parse_message(make_email(attachments=[(path.name, path.read_bytes(), "application/vnd.ms-outlook")]))
        texts += int(len(parsed.text_body) > len("Please find attached a referral.\n"))
        if any("Outlook .msg" in d for d in parsed.defects):
            # One that could not be read says so and is kept whole, so nothing is lost.
            assert [a.filename for a in parsed.attachments] == [path.name], path.name
    assert texts > len(msgs) // 2

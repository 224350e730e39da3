"""Hostile and broken attachments give their specific error, in process and in the isolated runner."""

from __future__ import annotations

import pytest

from demo.forms import SAR_FORM, build_docx, zip_files
from intake.worker.isolation import extract_isolated
from parsers.errors import (
    AttachmentTooLargeError,
    CorruptAttachmentError,
    ExtractionTimeoutError,
    XmlEntityError,
    ZipBombError,
)
from parsers.forms import ExtractionLimits, extract, is_form_candidate, load_vocabulary
from parsers.values import Attachment, Flag

VOCABULARY = load_vocabulary()
LIMITS = ExtractionLimits(max_attachment_bytes=2_000_000, max_uncompressed_bytes=5_000_000, timeout_seconds=20)


def attach(name: str, data: bytes) -> Attachment:
    return Attachment(name, "application/octet-stream", data)


def test_zip_bomb_is_refused_before_unpacking() -> None:
    bomb = zip_files({"[Content_Types].xml": "<Types/>", "word/document.xml": b"\0" * 20_000_000})
    assert len(bomb) < 100_000
    with pytest.raises(ZipBombError):
        extract(attach("bomb.docx", bomb), vocabulary=VOCABULARY, limits=LIMITS)


def test_external_and_expanding_xml_entities_are_refused() -> None:
    evil = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")
    with pytest.raises(XmlEntityError) as caught:
        extract(attach("evil.docx", zip_files({"word/document.xml": evil})), vocabulary=VOCABULARY, limits=LIMITS)
    assert caught.value.code == "xml_entities"


def test_attachment_over_the_size_limit_is_not_opened() -> None:
    with pytest.raises(AttachmentTooLargeError):
        extract(attach("big.pdf", b"%PDF-1.7\n" + b"0" * 2_100_000), vocabulary=VOCABULARY, limits=LIMITS)


@pytest.mark.parametrize("name,data", [("broken.pdf", b"%PDF-1.4\n1 0 obj <</Type /Catalog"),
                                       ("broken.docx", b"PK\x03\x04 truncated")])
def test_damaged_files_are_corrupt(name: str, data: bytes) -> None:
    with pytest.raises(CorruptAttachmentError):
        extract(attach(name, data), vocabulary=VOCABULARY, limits=LIMITS)


def test_images_and_other_files_are_not_form_candidates() -> None:
    assert is_form_candidate(attach("form.docx", build_docx(SAR_FORM)))
    assert not is_form_candidate(attach("photo.png", b"\x89PNG\r\n\x1a\n...."))
    form = extract(attach("notes.txt", b"hello"), vocabulary=VOCABULARY, limits=LIMITS)
    assert form.flags == {Flag.UNSUPPORTED_ATTACHMENT}


def test_isolated_runner_returns_the_same_form() -> None:
    form = extract_isolated(attach("f.docx", build_docx(SAR_FORM)), vocabulary_path=None, limits=LIMITS)
    assert form.fields["subject.surname"].value == "Whitfield"


def test_isolated_runner_reraises_the_specific_error() -> None:
    with pytest.raises(ZipBombError):
        extract_isolated(attach("bomb.docx", zip_files({"word/document.xml": b"\0" * 20_000_000})),
                         vocabulary_path=None, limits=LIMITS)


def test_isolated_runner_kills_a_reader_past_its_time_limit(monkeypatch) -> None:
    # A LibreOffice conversion that cannot finish in 0.01 s stands in for a looping PDF.
    tight = ExtractionLimits(timeout_seconds=0.01)
    with pytest.raises(ExtractionTimeoutError):
        extract_isolated(attach("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1WordDocument" + b"\0" * 512),
                         vocabulary_path=None, limits=tight)

"""Zip files: plain ones unpacked into attachments within bounds; protected ones flagged, then read with the
password; zip bombs refused."""

from __future__ import annotations

import io
import zipfile

import pytest
import pyzipper

from demo.forms import SAR_FORM, Layout, build
from parsers.errors import ZipBombError
from parsers.forms import ExtractionLimits, extract, is_form_candidate, load_vocabulary
from parsers.message import parse_message
from parsers.values import Attachment, Flag
from tests.support.mailfactory import make_email

ZIP = "application/zip"


def plain_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def protected_zip(files: dict[str, bytes], password: str) -> bytes:
    """AES-256, as 7-Zip and WinZip protect a zip."""
    out = io.BytesIO()
    with pyzipper.AESZipFile(out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode())
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def form_docx() -> tuple[str, bytes]:
    return build(SAR_FORM, Layout.DOCX_TABLE)


def test_a_plain_zip_is_unpacked_into_the_message_attachments() -> None:
    name, data = form_docx()
    raw = make_email(attachments=[("referral.zip", plain_zip({f"forms/{name}": data, "notes.txt": b"x"}), ZIP)])
    parsed = parse_message(raw)
    assert [(a.filename, a.origin) for a in parsed.attachments] == [(name, "referral.zip"),
                                                                     ("notes.txt", "referral.zip")]


def test_a_protected_zip_is_kept_whole_flagged_then_read_with_the_password() -> None:
    name, data = form_docx()
    archive = protected_zip({name: data}, "Kestrel-42")
    [attachment] = parse_message(make_email(attachments=[("referral.zip", archive, ZIP)])).attachments
    assert attachment.filename == "referral.zip" and is_form_candidate(attachment)
    vocabulary, limits = load_vocabulary(), ExtractionLimits()
    locked = extract(attachment, vocabulary=vocabulary, limits=limits)
    assert Flag.ENCRYPTED_ATTACHMENT in locked.flags
    wrong = extract(attachment, vocabulary=vocabulary, limits=limits, password="guess")
    assert Flag.ENCRYPTED_ATTACHMENT in wrong.flags
    read = extract(attachment, vocabulary=vocabulary, limits=limits, password="Kestrel-42")
    assert read.fields["subject.surname"].value == "Whitfield" and read.filename == "referral.zip"


def test_a_zip_bomb_is_refused() -> None:
    bomb = plain_zip({"a.docx": b"\0" * (2 * 1024 * 1024)})
    limits = ExtractionLimits(max_uncompressed_bytes=1024 * 1024)
    with pytest.raises(ZipBombError):
        extract(Attachment("bomb.zip", ZIP, bomb), vocabulary=load_vocabulary(), limits=limits)

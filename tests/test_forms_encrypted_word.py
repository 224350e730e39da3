"""A password-protected Word file from the real world: flagged, then read with its password."""

from __future__ import annotations

from pathlib import Path

from parsers.forms import ExtractionLimits, extract, load_vocabulary
from parsers.values import Attachment, ExtractedForm, Flag

SAMPLE = "docx/poi__bug53475-password-is-solrcell.docx"  # Apache POI's test file; the password is in its name


def _read(corpus: Path, password: str | None) -> ExtractedForm:
    path = corpus / SAMPLE
    return extract(Attachment(path.name, "application/octet-stream", path.read_bytes()),
                   vocabulary=load_vocabulary(), limits=ExtractionLimits(), password=password)


def test_an_encrypted_docx_is_flagged_without_its_password(corpus: Path) -> None:
    assert _read(corpus, None).flags == {Flag.ENCRYPTED_ATTACHMENT}
    assert _read(corpus, "wrong").flags == {Flag.ENCRYPTED_ATTACHMENT}


def test_an_encrypted_docx_opens_with_its_password(corpus: Path) -> None:
    form = _read(corpus, "solrcell")
    assert Flag.ENCRYPTED_ATTACHMENT not in form.flags
    assert not form.warnings

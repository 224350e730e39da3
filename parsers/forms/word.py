"""Word-family files: DOCX/DOCM/DOTX read directly, encrypted DOCX decrypted with a password, .doc read
directly when it can be (doc_reader.py), else .doc and .odt converted to DOCX by LibreOffice (its own throwaway
profile, a time limit)."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

from parsers.errors import ExtractionTimeoutError
from parsers.forms.container import SafeZip
from parsers.forms.doc_reader import UnsupportedDocError, read_doc_blocks
from parsers.forms.docx_reader import DocxReader
from parsers.forms.layout import read_blocks
from parsers.forms.libreoffice import LibreOfficeTimeoutError, convert_document, soffice_path
from parsers.forms.limits import ExtractionLimits
from parsers.forms.result import build_form, flagged_form
from parsers.forms.vocabulary import Vocabulary
from parsers.values import Attachment, ExtractedForm, Flag

DOCX_CONFIDENCE = 0.95
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: Word 97–2003 among others


def read_docx(
    attachment: Attachment, vocabulary: Vocabulary, limits: ExtractionLimits, password: str | None = None
) -> ExtractedForm:
    """Fields of a WordprocessingML document; macros are never opened, only noted."""
    container = SafeZip(attachment.data, limits)
    warnings = []
    if any(n.lower().endswith("vbaproject.bin") for n in container.names):
        warnings.append("The document contains macros; they were neither run nor kept.")
    blocks = DocxReader(container).read()
    pairs, titles = read_blocks(blocks, vocabulary, DOCX_CONFIDENCE)
    return build_form(attachment.filename, pairs, titles, vocabulary, warnings=warnings)


def read_encrypted_docx(
    attachment: Attachment, vocabulary: Vocabulary, limits: ExtractionLimits, password: str | None
) -> ExtractedForm:
    """A password-protected DOCX: flagged until staff supply the password, then decrypted and read."""
    name = attachment.filename
    if password is None:
        return flagged_form(name, Flag.ENCRYPTED_ATTACHMENT,
                            "The Word document is password-protected; it can be read once staff supply the password.")
    import msoffcrypto  # imported here: only staff-supplied passwords need it
    from msoffcrypto.exceptions import DecryptionError, InvalidKeyError

    plain = io.BytesIO()
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(attachment.data))
        office.load_key(password=password)
        office.decrypt(plain)
    except (InvalidKeyError, DecryptionError, ValueError):  # msoffcrypto says "wrong key" with ValueError too
        return flagged_form(name, Flag.ENCRYPTED_ATTACHMENT, "The password supplied does not open the document.")
    return read_docx(Attachment(name, attachment.content_type, plain.getvalue(), attachment.origin),
                     vocabulary, limits)


def read_converted(
    attachment: Attachment, vocabulary: Vocabulary, limits: ExtractionLimits, password: str | None = None
) -> ExtractedForm:
    """A .doc read natively when it can be (parsers/forms/doc_reader.py); otherwise a .doc or .odt converted to
    DOCX by LibreOffice when it is installed, else flagged unsupported."""
    name = attachment.filename
    if attachment.data[:8] == _OLE_MAGIC:
        try:
            content = read_doc_blocks(attachment.data, limits)
        except UnsupportedDocError:
            pass  # LibreOffice reads what the native reader does not (fast saves, Word 95, odd structures)
        else:
            warnings = ["The document contains macros; they were neither run nor kept."] if content.macros else []
            pairs, titles = read_blocks(content.blocks, vocabulary, DOCX_CONFIDENCE)
            return build_form(name, pairs, titles, vocabulary, warnings=warnings)
    soffice = soffice_path()
    if soffice is None:
        return flagged_form(name, Flag.UNSUPPORTED_ATTACHMENT,
                            "Old Word (.doc) and OpenDocument files need LibreOffice, which is not installed.")
    docx = _convert(soffice, attachment.data, Path(name).suffix.lower() or ".doc", limits.timeout_seconds)
    if docx is None:
        return flagged_form(name, Flag.UNSUPPORTED_ATTACHMENT, "LibreOffice could not convert the document.")
    return read_docx(Attachment(name, attachment.content_type, docx, attachment.origin), vocabulary, limits)


@cache
def _profile() -> Path:
    """This process's LibreOffice profile; made once, after clearing the profiles of processes now gone."""
    prefix = f"intake-soffice-profile-{os.getuid()}-"
    for stale in Path(tempfile.gettempdir()).glob(prefix + "*"):
        pid = stale.name.removeprefix(prefix)
        if pid.isdigit() and Path("/proc/self").exists() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.gettempdir()) / f"{prefix}{os.getpid()}"


def _convert(soffice: str, data: bytes, suffix: str, timeout: float) -> bytes | None:
    # A profile per process: readers converting side by side never share (and lock) one user installation,
    # and a reader's later conversions skip the seconds LibreOffice spends creating a profile.
    try:
        return convert_document(soffice, data, suffix=suffix if suffix in (".doc", ".odt", ".dot", ".rtf") else ".doc",
                                target="docx:MS Word 2007 XML", timeout=timeout, profile=_profile())
    except LibreOfficeTimeoutError as exc:
        raise ExtractionTimeoutError("Converting the document with LibreOffice took too long.") from exc

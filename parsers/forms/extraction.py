"""Reading one attachment, or an email body, as a referral form."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

from parsers.errors import AttachmentError, AttachmentTooLargeError, CorruptAttachmentError, ExtractionMemoryError
from parsers.forms.document import Paragraph
from parsers.forms.layout import read_blocks
from parsers.forms.limits import ExtractionLimits
from parsers.forms.result import build_form, flagged_form
from parsers.forms.sniff import FileKind, sniff
from parsers.forms.vocabulary import Vocabulary
from parsers.values import Attachment, ExtractedForm, Flag

BODY_CONFIDENCE = 0.75
# Each kind's reader as (module, function), imported when first needed: reading an email body, or the service's
# own process (which hands attachments to reader processes), never loads pdfplumber, pypdfium2 or Pillow.
# READER_MODULES are preloaded by the readers' forkserver (intake/worker/isolation.py), so readers share them.
_READERS = {
    FileKind.PDF: ("parsers.forms.pdf_reader", "read_pdf"),
    FileKind.DOCX: ("parsers.forms.word", "read_docx"),
    FileKind.ENCRYPTED_OOXML: ("parsers.forms.word", "read_encrypted_docx"),
    FileKind.DOC: ("parsers.forms.word", "read_converted"),
    FileKind.ODT: ("parsers.forms.word", "read_converted"),
    FileKind.IMAGE: ("parsers.forms.image_reader", "read_image"),
    FileKind.ZIP: ("parsers.forms.zip_reader", "read_zip"),
}
READER_MODULES = tuple(sorted({module for module, _ in _READERS.values()}))
Reader = Callable[[Attachment, Vocabulary, ExtractionLimits, "str | None"], ExtractedForm]


def _reader(kind: FileKind) -> Reader | None:
    where = _READERS.get(kind)
    if where is None:
        return None
    reader: Reader = getattr(importlib.import_module(where[0]), where[1])
    return reader


def extract(
    attachment: Attachment, *, vocabulary: Vocabulary, limits: ExtractionLimits, password: str | None = None
) -> ExtractedForm:
    """Read one attachment as a referral form.

    Raises an AttachmentError subclass for hostile or broken files (too large, zip bomb, XML entities, corrupt);
    encrypted, scanned and unsupported files come back as an ExtractedForm carrying the matching flag.
    """
    if attachment.size > limits.max_attachment_bytes:
        raise AttachmentTooLargeError()
    kind = sniff(attachment)
    reader = _reader(kind)
    if reader is None:
        return flagged_form(attachment.filename, Flag.UNSUPPORTED_ATTACHMENT,
                            "The attachment is not a PDF, a Word document or a page image.")
    try:
        return reader(attachment, vocabulary, limits, password)
    except AttachmentError:
        raise
    except MemoryError as exc:
        raise ExtractionMemoryError() from exc
    except Exception as exc:
        if _caused_by_memory(exc):  # pdfplumber wraps a MemoryError in its own PdfminerException
            raise ExtractionMemoryError() from exc
        # The PDF and zip libraries raise anything at all (KeyError, RecursionError, struct.error) on
        # damaged or hostile files; to the pipeline each is one thing: a corrupt attachment.
        raise CorruptAttachmentError(
            f"The {kind.value.upper()} file is damaged and could not be read ({type(exc).__name__})."
        ) from exc


def _caused_by_memory(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, MemoryError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def extract_body(text: str, *, vocabulary: Vocabulary, source: str = "email body") -> ExtractedForm:
    """Read a referral typed into the message ("Name: ...", "Date of birth: ..."); always flagged no_form."""
    text = re.sub(r"(?m)^>+ ?", "", text.replace("\r\n", "\n"))
    blocks = [Paragraph(line, f"line {n}") for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    pairs, titles = read_blocks(blocks, vocabulary, BODY_CONFIDENCE)
    return build_form(source, pairs, titles, vocabulary, flags=(Flag.NO_FORM,))

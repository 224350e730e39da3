"""Reading one attachment, or an email body, as a referral form."""

from __future__ import annotations

import re

from parsers.errors import AttachmentError, AttachmentTooLargeError, CorruptAttachmentError, ExtractionMemoryError
from parsers.forms.document import Paragraph
from parsers.forms.image_reader import read_image
from parsers.forms.layout import read_blocks
from parsers.forms.limits import ExtractionLimits
from parsers.forms.pdf_reader import read_pdf
from parsers.forms.result import build_form, flagged_form
from parsers.forms.sniff import FileKind, sniff
from parsers.forms.vocabulary import Vocabulary
from parsers.forms.word import read_converted, read_docx, read_encrypted_docx
from parsers.forms.zip_reader import read_zip
from parsers.values import Attachment, ExtractedForm, Flag

BODY_CONFIDENCE = 0.75
_READERS = {
    FileKind.PDF: read_pdf,
    FileKind.DOCX: read_docx,
    FileKind.ENCRYPTED_OOXML: read_encrypted_docx,
    FileKind.DOC: read_converted,
    FileKind.ODT: read_converted,
    FileKind.IMAGE: read_image,
    FileKind.ZIP: read_zip,
}


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
    reader = _READERS.get(kind)
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

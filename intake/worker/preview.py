"""Previews of attachments on the case page: PDFs and images as they are, other documents as PDF.

Word, OpenDocument, RTF and text files are converted by LibreOffice (`soffice --headless
--convert-to pdf`) in a temporary folder with a private profile and a timeout. The result is kept in
`document_previews` by the source's sha256 (the PDF itself in `blobs`), so each content is converted once
however many people open it. No transaction is held while LibreOffice runs.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from intake.store.dialect import insert_ignore
from intake.store.ledger import store_blob
from intake.store.models import Blob, DocumentPreview, utcnow
from intake.store.rows import table_of
from parsers.forms.libreoffice import LibreOfficeTimeoutError, convert_document, soffice_path

# What LibreOffice Writer opens (CI installs libreoffice-writer-nogui; spreadsheets would need Calc too).
CONVERTIBLE = frozenset({".doc", ".docx", ".docm", ".dot", ".dotx", ".odt", ".rtf", ".txt"})
# Image types a browser shows safely; SVG is left out on purpose (it can carry script).
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"),
                (b"BM", "image/bmp"))
CONVERT_TIMEOUT_SECONDS = 60.0


class PreviewKind(StrEnum):
    """How an attachment can be shown beside the fields."""

    PDF = "pdf"
    IMAGE = "image"
    CONVERTED = "converted"  # shown as a PDF made by LibreOffice
    NONE = "none"


def preview_kind(filename: str, content_type: str, flags: list[str]) -> PreviewKind:
    """What preview an attachment gets, by its name and declared type (the bytes are checked when served)."""
    suffix = Path(filename.lower()).suffix
    if content_type == "application/pdf" or suffix == ".pdf":
        return PreviewKind.PDF
    if (content_type.startswith("image/") and content_type != "image/svg+xml") or suffix in {
            ".png", ".jpg", ".jpeg", ".gif", ".bmp"}:
        return PreviewKind.IMAGE
    if suffix in CONVERTIBLE and "encrypted_attachment" not in flags:
        return PreviewKind.CONVERTED
    return PreviewKind.NONE


def image_type(data: bytes) -> str | None:
    """The image's real type from its first bytes, or None when it is not an image we show."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _IMAGE_MAGIC if data.startswith(magic)), None)


def converted_pdf(engine: Engine, *, sha256: str, filename: str, data: bytes,
                  timeout: float = CONVERT_TIMEOUT_SECONDS) -> bytes | None:
    """The document as PDF (from the cache, else converted now and cached); None when it cannot be converted."""
    with Session(engine) as session:
        cached = session.get(DocumentPreview, sha256)
        if cached is not None:
            if cached.pdf_sha256 is None:
                return None
            return session.exec(select(Blob.data).where(Blob.sha256 == cached.pdf_sha256)).one()
    pdf, error = convert_to_pdf(data, Path(filename.lower()).suffix or ".doc", timeout)
    with Session(engine) as session:
        digest = store_blob(session, pdf) if pdf is not None else None
        insert_ignore(session, table_of(DocumentPreview), {"source_sha256": sha256, "pdf_sha256": digest,
                                                           "error": error, "created_at": utcnow()},
                      ["source_sha256"])
        session.commit()
    return pdf


def convert_to_pdf(data: bytes, suffix: str, timeout: float) -> tuple[bytes | None, str]:
    """(PDF bytes, "") from LibreOffice, or (None, why not)."""
    soffice = soffice_path()
    if soffice is None:
        return None, "LibreOffice is not installed"
    try:
        pdf = convert_document(soffice, data, suffix=suffix if suffix in CONVERTIBLE else ".doc", target="pdf",
                               timeout=timeout)
    except LibreOfficeTimeoutError:
        return None, "LibreOffice took too long"
    return (pdf, "") if pdf is not None else (None, "LibreOffice could not convert the document")

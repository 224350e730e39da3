"""What kind of file an attachment is, by its first bytes first and its name second."""

from __future__ import annotations

from enum import StrEnum

from parsers.values import Attachment

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_WORD_STREAM = "WordDocument".encode("utf-16-le")


class FileKind(StrEnum):
    """The layouts the form reader distinguishes."""

    PDF = "pdf"
    DOCX = "docx"  # also .docm and .dotx: the same WordprocessingML
    ODT = "odt"
    DOC = "doc"  # Word 97-2003 binary
    ENCRYPTED_OOXML = "encrypted_ooxml"  # a password-protected DOCX is an OLE file holding the package
    IMAGE = "image"  # a photographed or scanned page: JPEG, PNG or HEIC
    ZIP = "zip"  # a zip file of documents (the message parser unpacks plain ones; this is what it could not)
    OTHER = "other"


# A page photographed or scanned is tens of kilobytes at least; logos and signature images are smaller.
MIN_PAGE_IMAGE_BYTES = 30 * 1024
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip"})


def sniff(attachment: Attachment) -> FileKind:
    """The file's kind from its content; the name only breaks ties between zip-based formats."""
    data, name = attachment.data, attachment.filename.lower()
    if data[:1024].lstrip(b"\x00\t\r\n ").startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return FileKind.PDF
    if data.startswith(b"PK\x03\x04"):
        head = data[:4096]
        if b"mimetypeapplication/vnd.oasis.opendocument.text" in head or name.endswith(".odt"):
            return FileKind.ODT
        if b"word/" in data or name.endswith((".docx", ".docm", ".dotx", ".dotm")):
            return FileKind.DOCX
        if name.endswith(".zip") or attachment.content_type.lower() in ZIP_TYPES:
            return FileKind.ZIP
        return FileKind.OTHER
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (
            data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS):
        return FileKind.IMAGE
    if data.startswith(_OLE):
        if _ENCRYPTED_PACKAGE in data:
            return FileKind.ENCRYPTED_OOXML
        if _WORD_STREAM in data or name.endswith((".doc", ".dot")):
            return FileKind.DOC
    return FileKind.OTHER


def is_form_candidate(attachment: Attachment) -> bool:
    """Whether an attachment may be a referral form: PDF, DOCX, DOCM, DOC, ODT, a zip of them, or a page image
    (an image big enough to be a photographed page, not a logo)."""
    kind = sniff(attachment)
    if kind is FileKind.IMAGE:
        return attachment.size >= MIN_PAGE_IMAGE_BYTES
    return kind is not FileKind.OTHER

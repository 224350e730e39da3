"""Errors for hostile or broken attachments.

Each carries a short machine ``code`` (the quarantine reason) and a one-line human message. Encrypted,
scanned and unsupported files are not errors: they come back as an ExtractedForm with a flag.
"""

from __future__ import annotations


class AttachmentError(Exception):
    """An attachment that must not (or cannot) be read; the message is quarantined with ``code``."""

    code = "attachment_error"
    default_message = "The attachment could not be read."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        """The one-line human message."""
        return str(self)


class ZipBombError(AttachmentError):
    """A zip container whose members unpack to more than the configured limit."""

    code = "zip_bomb"
    default_message = "The attachment unpacks to more than the allowed size (possible zip bomb)."


class XmlEntityError(AttachmentError):
    """XML with a DTD or entity declarations (billion laughs, external entities)."""

    code = "xml_entities"
    default_message = "The attachment contains XML entity declarations, which are refused."


class AttachmentTooLargeError(AttachmentError):
    """An attachment over the configured size limit."""

    code = "too_large"
    default_message = "The attachment is larger than the allowed size."


class ExtractionTimeoutError(AttachmentError):
    """Reading the attachment took longer than the time limit."""

    code = "timeout"
    default_message = "Reading the attachment took longer than the time limit."


class ExtractionMemoryError(AttachmentError):
    """Reading the attachment needed more memory than the limit."""

    code = "memory"
    default_message = "Reading the attachment needed more memory than allowed."


class CorruptAttachmentError(AttachmentError):
    """The file is damaged or is not what its name and type claim."""

    code = "corrupt"
    default_message = "The attachment is damaged and could not be read."


ERRORS_BY_CODE: dict[str, type[AttachmentError]] = {
    cls.code: cls
    for cls in (
        AttachmentError,
        ZipBombError,
        XmlEntityError,
        AttachmentTooLargeError,
        ExtractionTimeoutError,
        ExtractionMemoryError,
        CorruptAttachmentError,
    )
}

"""Files that carry other files: TNEF (`winmail.dat`), Outlook `.msg` and zip files.

TNEF and .msg are read with maintained libraries (tnefparse, extract-msg), zips with the standard
library under zip-bomb bounds (a password-protected zip is left whole, for the form reader to flag
and for staff to unlock with the password). A container that cannot be read is
kept as an ordinary attachment with a defect noted, never an exception: the referral may still be
readable from the rest of the message.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import zipfile
from dataclasses import dataclass

from parsers.text import html_to_text
from parsers.values import Attachment

log = logging.getLogger(__name__)

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"
ZIP_SIGNATURE = b"PK\x03\x04"
ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip"})
# Bounds on unpacking a zip inside the message parser (the extraction limits' defaults): a zip bomb is
# left whole and refused by the form reader, never unpacked here.
MAX_ZIP_MEMBERS = 200
MAX_ZIP_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class Unpacked:
    """What a container held: its files, any body text it carried, and what went wrong."""

    attachments: tuple[Attachment, ...] = ()
    text: str = ""
    defects: tuple[str, ...] = ()
    empty: bool = False  # read without error, and held no files and no message text at all


def is_tnef(filename: str, content_type: str, data: bytes) -> bool:
    """Whether a part is a TNEF blob (Outlook's winmail.dat)."""
    return data.startswith(TNEF_SIGNATURE) or content_type.lower() in {
        "application/ms-tnef",
        "application/vnd.ms-tnef",
    }


def is_outlook_msg(filename: str, content_type: str, data: bytes) -> bool:
    """Whether a part is an Outlook .msg (an OLE file that is a message, not a Word .doc)."""
    return data.startswith(OLE_SIGNATURE) and (
        filename.lower().endswith(".msg") or content_type.lower() == "application/vnd.ms-outlook"
    )


def unpack_tnef(data: bytes, origin: str) -> Unpacked:
    """The files inside a TNEF blob."""
    from tnefparse import TNEF

    try:
        tnef = TNEF(data)
    except Exception as exc:  # tnefparse raises bare ValueErrors and struct errors on damaged blobs
        return Unpacked(defects=(f"unreadable TNEF attachment ({type(exc).__name__})",))
    files = tuple(
        Attachment(
            filename=_tnef_name(item) or f"attachment-{index}",
            content_type="application/octet-stream",
            data=bytes(item.data or b""),
            origin=origin,
        )
        for index, item in enumerate(tnef.attachments, start=1)
    )
    body = tnef.body if isinstance(tnef.body, str) else (tnef.body or b"").decode("cp1252", "replace")
    # A message body kept only as HTML or compressed RTF is not read here, but the TNEF was not empty.
    other_body = bool(tnef.htmlbody or getattr(tnef, "_rtfbody", None))
    return Unpacked(attachments=files, text=body or "",
                    empty=not files and not (body or "").strip("\x00 \r\n") and not other_body)


def _tnef_name(item: object) -> str:
    try:
        name = item.long_filename()  # type: ignore[attr-defined]
    except Exception:  # older TNEF versions carry only the 8.3 name
        name = getattr(item, "name", "")
    if isinstance(name, bytes):
        name = name.decode("cp1252", "replace")
    return (name or "").strip("\x00 ")


def unpack_msg(data: bytes, origin: str) -> Unpacked:
    """The body and files of an attached Outlook .msg (one level of nested .msg included)."""
    import extract_msg

    try:
        msg = extract_msg.openMsg(io.BytesIO(data), delayAttachments=False)
    except Exception as exc:  # extract-msg raises many types on damaged OLE files
        return Unpacked(defects=(f"unreadable Outlook .msg attachment ({type(exc).__name__})",))
    try:
        files: list[Attachment] = []
        for index, item in enumerate(msg.attachments, start=1):
            payload = getattr(item, "data", None)
            if isinstance(payload, bytes):
                # Read by name: the attachment kinds extract-msg returns share these attributes but no base type.
                name = (getattr(item, "longFilename", None) or getattr(item, "shortFilename", None)
                        or f"attachment-{index}")
                files.append(Attachment(name, getattr(item, "mimetype", None) or "application/octet-stream",
                                        payload, origin))
        body = getattr(msg, "body", None)  # message kinds of .msg have one; contacts and tasks do not
        text = body if isinstance(body, str) else ""
        if not text.strip():  # an HTML-only message (Outlook's default): its text, line by line
            html = getattr(msg, "htmlBody", None)
            if isinstance(html, bytes):
                text = html_to_text(html.decode("utf-8", "replace"))
        return Unpacked(attachments=tuple(files), text=text)
    except Exception as exc:  # a damaged stream inside an otherwise readable file
        return Unpacked(defects=(f"unreadable part of an Outlook .msg attachment ({type(exc).__name__})",))
    finally:
        msg.close()


def is_zip(filename: str, content_type: str, data: bytes) -> bool:
    """Whether a part is a zip file of documents (not a DOCX or ODT, which are zips too)."""
    return data.startswith(ZIP_SIGNATURE) and (
        filename.lower().endswith(".zip") or content_type.lower() in ZIP_TYPES)


def unpack_zip(data: bytes, origin: str) -> Unpacked:
    """The files in a zip; a protected, damaged or oversized zip comes back as a defect, left for the reader."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if any(i.flag_bits & 0x1 for i in infos):
                return Unpacked(defects=("password-protected zip attachment",))
            if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
                return Unpacked(defects=("zip attachment unpacks beyond the size limit",))
            budget = MAX_ZIP_BYTES
            files = []
            for info in infos:
                with archive.open(info) as member:
                    content = member.read(budget + 1)
                budget -= len(content)
                if budget < 0:  # declared sizes can lie
                    return Unpacked(defects=("zip attachment unpacks beyond the size limit",))
                name = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
                files.append(Attachment(name, mimetypes.guess_type(name)[0] or "application/octet-stream",
                                        content, origin))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        return Unpacked(defects=(f"unreadable zip attachment ({type(exc).__name__})",))
    return Unpacked(attachments=tuple(files))

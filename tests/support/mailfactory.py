"""Builders for test emails: referrals with attachments, replies, bounces and auto-replies."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

PARTNERSHIP = "safeguarding.partnership@rbwm.example.org"


def simple_docx(paragraphs: list[str]) -> bytes:
    """A small real .docx (python-docx), standing in for a form where its content does not matter."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_email(*, sender: str = "sarah.collins@frimley.example.org", subject: str = "SAR referral",
               body: str = "Please find attached a referral.", attachments: Sequence[tuple[str, bytes, str]] = (),
               message_id: str | None = None, headers: dict[str, str] | None = None,
               date: datetime | None = None, to: str = PARTNERSHIP) -> bytes:
    """An RFC 5322 message with optional attachments (filename, bytes, content type)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 3, 10, 9, 14, tzinfo=UTC))
    msg["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@frimley.example.org>"
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    for filename, data, ctype in attachments:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def referral_email(n: int = 1, **kwargs: Any) -> bytes:
    """A referral with a Word form attached."""
    form = simple_docx(["SAR Notification Form", f"Referral number {n}"])
    return make_email(message_id=f"<referral-{n}@frimley.example.org>",
                      attachments=[("SAR Referral Form.docx", form, DOCX_TYPE)], **kwargs)


def forwarded_email(inner: bytes, *, sender: str = "team.manager@rbwm.example.org") -> bytes:
    """A message forwarding `inner` as a message/rfc822 attachment."""
    import email

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = PARTNERSHIP
    msg["Subject"] = "Fwd: referral"
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@rbwm.example.org>"
    msg["Date"] = format_datetime(datetime(2026, 3, 11, 10, 0, tzinfo=UTC))
    msg.set_content("Forwarding this referral.")
    msg.add_attachment(email.message_from_bytes(inner))
    return msg.as_bytes()


def bounce_email(original_message_id: str) -> bytes:
    """A delivery status notification (RFC 3464) quoting the headers of the message that failed."""
    boundary = "dsn-boundary"
    return (
        f"From: MAILER-DAEMON@mx.example.org\r\nTo: {PARTNERSHIP}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@mx.example.org>\r\nDate: Tue, 10 Mar 2026 09:20:00 +0000\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        f"boundary=\"{boundary}\"\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {original_message_id}\r\n"
        f"From: {PARTNERSHIP}\r\n\r\n--{boundary}--\r\n"
    ).encode()


def empty_tnef() -> bytes:
    """A well-formed Outlook winmail.dat (TNEF) holding nothing: its version and OEM code page, no files, no text."""
    import struct

    def attribute(name: int, kind: int, data: bytes) -> bytes:
        return (struct.pack("<BHHI", 1, name, kind, len(data)) + data
                + struct.pack("<H", sum(data) & 0xFFFF))

    version = attribute(0x9006, 0x0008, struct.pack("<I", 0x00010000))  # attTnefVersion
    codepage = attribute(0x9007, 0x0006, struct.pack("<II", 1252, 0))  # attOemCodepage
    return struct.pack("<IH", 0x223E9F78, 0x1234) + version + codepage

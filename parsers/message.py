"""Raw RFC 5322 bytes to a ParsedEmail. Never raises on bad mail: problems are listed as defects.

mail-parser reads the headers and bodies; the standard library's `email` package walks the MIME tree
itself, because mail-parser flattens forwarded messages and would lose the forms attached inside a
forwarded `message/rfc822` part. TNEF, Outlook `.msg` and zip attachments are unpacked (parsers.containers);
S/MIME layers are opened first (parsers.smime).
"""

from __future__ import annotations

import email
import email.parser
import email.policy
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from parsers.addresses import valid_address
from parsers.containers import is_outlook_msg, is_tnef, is_zip, unpack_msg, unpack_tnef, unpack_zip
from parsers.smime import Opened, SmimeKeys, open_smime
from parsers.text import html_to_text
from parsers.values import INVALID_SENDER, Attachment, Encryption, Envelope, Flag, ParsedEmail

log = logging.getLogger(__name__)

_ADDR_SPEC = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
MAX_DEPTH = 5  # forwarded-within-forwarded nesting we follow; deeper parts are kept as .eml attachments
# RFC 5322's line limit: no real subject is longer, and a crafted 49 MB one must not be stored and shown whole.
MAX_SUBJECT_CHARS = 998
_MAX_SUBJECT_SOURCE = 16 * MAX_SUBJECT_CHARS  # as sent: encoded words take several characters per character shown
_MAX_HEADER_CHARS = 100_000
_MAX_HEADER_BLOCK = 1024 * 1024  # bytes of headers beyond which mail-parser is not asked (a crafted subject, Cc)
# A forward written into the text: Outlook's rule or "Original Message", Gmail's and Apple Mail's headings.
_FORWARD_MARK = re.compile(r"^[ >]*(?:-{2,} ?(?:Forwarded message|Original Message) ?-{2,}|_{10,}|"
                           r"Begin forwarded message:)\s*$", re.IGNORECASE | re.MULTILINE)
_FORWARD_FROM = re.compile(r"^[ >]*(?:\*\s*)?From:\*?\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_FORWARD_SEARCH_CHARS = 20_000  # the forwarded block is near the top; never search a huge body
EMPTY_WINMAIL_WARNING = ("winmail.dat (Outlook rich text) held no files and no text: the form the sender meant "
                         "to attach is not in it; ask them to send it again as an ordinary attachment")


def parse_message(raw: bytes, *, smime: SmimeKeys | None = None) -> ParsedEmail:
    """Parse raw message bytes into a ParsedEmail; never raises for malformed input.

    S/MIME layers are opened first (parsers.smime), so a signed or decrypted message is read as what it
    carries; `smime` holds the partnership's trusted CAs and decryption key, if it configures them.
    """
    opened = open_smime(raw, smime)
    raw = opened.raw
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        walker = _Walker()
        walker.walk(msg, origin="", depth=0)
    except RecursionError:
        # Pathologically nested MIME (a known attack on recursive parsers): keep the headers and the
        # raw text, and say why; staff still see everything in the raw message.
        msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        walker = _Walker()
        walker.defects.append("MIME structure nested too deeply to read")
        walker.text.append(raw.decode("utf-8", "replace"))
    defects = [type(d).__name__ for d in msg.defects]
    # Each header decoded from a bounded prefix: a crafted 49 MB header costs no more to read than a long one.
    headers = tuple((key, _decode_header(str(value)[:_MAX_HEADER_CHARS])) for key, value in msg.items())
    text_body, html_body = _bodies_from_mailparser(raw, walker)
    sender, sender_defect = _sender(msg.get_all("From", []), msg.get_all("Sender", []))
    if sender_defect:
        walker.defects.append(sender_defect)
    raw_subject = str(msg.get("Subject", "") or "")
    subject = _decode_header(raw_subject[:_MAX_SUBJECT_SOURCE]).strip()
    too_long = len(subject) > MAX_SUBJECT_CHARS or len(raw_subject) > _MAX_SUBJECT_SOURCE
    cut_from = len(raw_subject.strip()) if too_long else 0
    if cut_from:
        walker.defects.append(f"subject of {cut_from} characters cut to {MAX_SUBJECT_CHARS}")
    return ParsedEmail(
        message_id=_clean_id(_decode_header(msg.get("Message-ID", ""))),
        subject=subject[:MAX_SUBJECT_CHARS],
        sender=sender,
        sender_name=_first_name(msg.get_all("From", [])),
        to=_addresses(msg.get_all("To", [])),
        cc=_addresses(msg.get_all("Cc", [])),
        date=_parse_date(msg.get("Date")),
        in_reply_to=_clean_id(_decode_header(msg.get("In-Reply-To", ""))),
        references=tuple(_clean_id(r) for r in _decode_header(msg.get("References", "")).split() if r.strip()),
        headers=headers,
        content_type=msg.get_content_type(),
        text_body=text_body,
        html_body=html_body,
        attachments=tuple(walker.attachments),
        defects=tuple(dict.fromkeys(defects + walker.defects + list(opened.defects))),
        envelope=_envelope(opened),
        forwarded_from=valid_address(
            walker.forwarded_from or _inline_forward_sender(text_body or html_to_text(html_body))),
        subject_cut_from=cut_from,
    )


def readable_text(parsed: ParsedEmail) -> str:
    """The text staff read: the plain part, else the HTML part without its tags (scripts and styles dropped)."""
    if parsed.text_body.strip():
        return parsed.text_body
    return html_to_text(parsed.html_body)


def _inline_forward_sender(text: str) -> str:
    """The From: address in the first forwarded block written into the text, or ""."""
    head = text[:_FORWARD_SEARCH_CHARS]
    mark = _FORWARD_MARK.search(head)
    if mark is None:
        return ""
    line = _FORWARD_FROM.search(head, mark.end())
    found = _ADDR_SPEC.findall(line[1]) if line else []
    return found[0].lower() if found else ""


def _envelope(opened: Opened) -> Envelope:
    signature = opened.signature
    return Envelope(
        signer=signature.signer if signature else "",
        signature_verified=signature.verified if signature else None,
        signature_detail=signature.detail if signature else "",
        encryption=opened.encryption,
        protected_by="S/MIME" if opened.encryption is Encryption.LOCKED else "",
    )


class _Walker:
    """Collects bodies and attachments from a MIME tree, following forwards and containers."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.defects: list[str] = []
        self.forwarded_from = ""  # the From of the first forwarded message met
        self._forwards = 0

    def walk(self, msg: Message, *, origin: str, depth: int) -> None:
        for part in msg.walk() if not msg.is_multipart() else _leaves(msg):
            self._visit(part, origin=origin, depth=depth)

    def _visit(self, part: Message, *, origin: str, depth: int) -> None:
        self.defects.extend(type(d).__name__ for d in part.defects)
        ctype = part.get_content_type()
        filename = _decode_header(part.get_filename() or "")
        if ctype == "message/rfc822" and depth < MAX_DEPTH:
            self._forwards += 1
            inner_origin = _join(origin, f"forwarded message {self._forwards}")
            for inner in part.get_payload() or []:
                if isinstance(inner, Message):
                    self.forwarded_from = self.forwarded_from or _first_address(inner.get_all("From", []))
                    self.walk(inner, origin=inner_origin, depth=depth + 1)
            return
        is_attachment = bool(filename) or part.get_content_disposition() == "attachment"
        if not is_attachment and ctype in {"text/plain", "text/html"}:
            target = self.text if ctype == "text/plain" else self.html
            target.append(self._text(part))
            return
        data = _payload_bytes(part)
        if not is_attachment and not data:
            return
        self._add_file(filename or _default_name(ctype), ctype, data, origin)

    def _add_file(self, filename: str, ctype: str, data: bytes, origin: str) -> None:
        if is_tnef(filename, ctype, data):
            unpacked = unpack_tnef(data, _join(origin, filename or "winmail.dat"))
        elif is_outlook_msg(filename, ctype, data):
            unpacked = unpack_msg(data, _join(origin, filename))
        elif is_zip(filename, ctype, data):
            unpacked = unpack_zip(data, _join(origin, filename))
        else:
            self.attachments.append(Attachment(filename, ctype, data, origin))
            return
        self.defects.extend(unpacked.defects)
        if unpacked.text:
            self.text.append(unpacked.text)
        self.attachments.extend(unpacked.attachments)
        if unpacked.defects:  # keep what we could not open, so nothing is lost, and say why beside it
            self.attachments.append(Attachment(filename, ctype, data, origin, warnings=unpacked.defects))
        elif unpacked.empty:
            # Nothing inside: keep the file and flag it, or the referral's form would vanish without a word.
            self.defects.append("winmail.dat held no files and no text")
            self.attachments.append(Attachment(filename or "winmail.dat", ctype, data, origin,
                                               flags=frozenset({Flag.EMPTY_WINMAIL}),
                                               warnings=(EMPTY_WINMAIL_WARNING,)))

    def _text(self, part: Message) -> str:
        data = _payload_bytes(part)
        charset = part.get_content_charset() or "us-ascii"
        try:
            return data.decode(charset, errors="replace")
        except LookupError:
            self.defects.append(f"unknown charset {charset[:40]!r}")
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                return data.decode("cp1252", errors="replace")


def _leaves(msg: Message) -> Iterator[Message]:
    """Non-multipart parts, not descending into message/rfc822 (the walker follows those itself)."""
    stack = [msg]
    while stack:
        part = stack.pop(0)
        payload = part.get_payload()
        if part.is_multipart() and part.get_content_type() != "message/rfc822" and isinstance(payload, list):
            stack[0:0] = [p for p in payload if isinstance(p, Message)]
        else:
            yield part


def _bodies_from_mailparser(raw: bytes, walker: _Walker) -> tuple[str, str]:
    """Bodies as mail-parser decodes them, falling back to our own walk where it fails or finds nothing."""
    import mailparser

    text, html = "\n".join(walker.text), "\n".join(walker.html)
    head = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    if head > _MAX_HEADER_BLOCK:  # mail-parser decodes every header whole, slowly: our own walk has the bodies
        walker.defects.append("headers too large for mail-parser; bodies read by our own walk")
        return text, html
    try:
        parsed = mailparser.parse_from_bytes(raw)
        mp_text = "\n".join(parsed.text_plain)
        mp_html = "\n".join(parsed.text_html)
    except Exception as exc:  # mail-parser raises on some malformed input; our own walk already has the text
        walker.defects.append(f"mail-parser could not read the message ({type(exc).__name__})")
        return text, html
    # Prefer our walk when mail-parser merged forwarded bodies in: ours keeps the top level first.
    return (text or mp_text), (html or mp_html)


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # broken base64 or quoted-printable: keep the undecoded text
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _decode_header(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    try:
        return str(make_header(decode_header(text)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _clean_id(value: str) -> str:
    value = value.strip().split()[0] if value.strip() else ""
    return value[:998]


def _pairs(values: list[str]) -> list[tuple[str, str]]:
    decoded = [_decode_header(v) for v in values]
    try:
        return getaddresses(decoded)
    except (RecursionError, ValueError, IndexError):
        # Crafted address lists can exhaust the standard parser; take the bare addresses instead.
        return [("", addr) for value in decoded for addr in _ADDR_SPEC.findall(value)]


def _addresses(values: list[str]) -> tuple[str, ...]:
    return tuple(addr.lower() for _, addr in _pairs(values) if "@" in addr)


def _first_address(values: list[str]) -> str:
    found = _addresses(values)
    return found[0] if found else ""


def _sender(from_values: list[str], sender_values: list[str]) -> tuple[str, str]:
    """(the sender's address, a defect): only a plain writable address is kept, never markup or a fragment.

    A From header that holds no valid address (`<script>...</script> <<a@b>>`) leaves the sender empty with
    the defect INVALID_SENDER, rather than storing whatever the parser made of it; the Sender header is read
    only when there is no From header at all.
    """
    if not any(str(v).strip() for v in from_values):
        return valid_address(_first_address(sender_values)), ""
    address = valid_address(_first_address(from_values))
    return address, "" if address else INVALID_SENDER


def _first_name(values: list[str]) -> str:
    pairs = _pairs(values)
    return pairs[0][0] if pairs else ""


def _parse_date(value: object) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(_decode_header(value))
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _join(origin: str, name: str) -> str:
    return f"{origin} > {name}" if origin else name


def _default_name(ctype: str) -> str:
    return "part." + (ctype.split("/")[-1] if "/" in ctype else "bin")

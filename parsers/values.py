"""The values the parsers produce and every later stage reads.

They are frozen so that a stage can never change what an earlier stage saw. Field values are kept
JSON-compatible (dates as ISO strings) because they are stored and exported as JSON unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Union

FieldValue = Union[str, int, bool, tuple[str, ...]]


class FormType(StrEnum):
    """Which referral form an attachment is (interfaces.md `form_type`)."""

    SAR_REFERRAL = "sar_referral"
    CHILD_REFERRAL = "child_referral"
    UNKNOWN = "unknown"


class Flag(StrEnum):
    """Conditions staff must see on a case (interfaces.md `flags`, plus our own)."""

    NO_FORM = "no_form"
    ENCRYPTED_ATTACHMENT = "encrypted_attachment"
    SCANNED_FORM = "scanned_form"
    UNSUPPORTED_ATTACHMENT = "unsupported_attachment"
    INVALID_NHS_NUMBER = "invalid_nhs_number"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    TRACK_MISMATCH = "track_mismatch"
    TRANSITION_CASE = "transition_case"
    CARE_LEAVER = "care_leaver"
    UNREADABLE_ATTACHMENT = "unreadable_attachment"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    FORM_NOT_EXTRACTED = "form_not_extracted"
    DEADLINE_ESTIMATED = "deadline_estimated"
    SAFEGUARDING_CONCERN_FORM = "safeguarding_concern_form"  # an s42 concern form, not a review referral
    AGE_UNCERTAIN = "age_uncertain"
    CONTRADICTION = "contradiction"
    OUT_OF_AREA = "out_of_area"
    # The email is a notice from a secure-email service (or S/MIME we hold no key for): staff open it there.
    PROTECTED_MESSAGE = "protected_message"
    # No form attached, but links to documents on SharePoint, OneDrive, Google Drive or a file-transfer site.
    FORM_BY_LINK = "form_by_link"
    # The From header held no valid address (markup, a fragment): filed with no sender, never acknowledged.
    INVALID_SENDER_ADDRESS = "invalid_sender_address"
    # An Outlook winmail.dat (TNEF) that held no files and no text: the form the sender meant is not there.
    EMPTY_WINMAIL = "empty_winmail"
    # More attachments than the limit (limits.max_attachments_per_message): the rest are only in the raw email.
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    # A follow-up whose sender is not the case's referrer (nor a partner, nor a reply to our mail): not applied.
    DIFFERENT_SENDER = "different_sender"


# The defect a ParsedEmail lists when its From header holds no valid address (the sender is then "").
INVALID_SENDER = "From header holds no valid email address"


@dataclass(frozen=True)
class Attachment:
    """One file found in a message, however deeply it was nested (forwarded mail, TNEF, .msg)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)
    # Where it was found, for provenance: "" for a top-level part, else e.g. "forwarded message 1".
    origin: str = ""
    # What the parser found wrong with the file itself (an empty or unreadable container), for staff to see.
    flags: frozenset[Flag] = frozenset()
    warnings: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        """Hex digest of the content, the key for duplicate detection."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


class Encryption(StrEnum):
    """Whether a message came encrypted (S/MIME), and whether it was opened."""

    NONE = "none"
    DECRYPTED = "decrypted"
    LOCKED = "locked"  # encrypted, and no key of ours opens it


@dataclass(frozen=True)
class Link:
    """A link to a document held elsewhere, and the service it points at (never followed)."""

    service: str
    url: str


@dataclass(frozen=True)
class Envelope:
    """How a message was wrapped: its S/MIME signature and encryption, a secure-email service, document links."""

    signer: str = ""
    signature_verified: bool | None = None  # None: the message was not signed
    signature_detail: str = ""
    encryption: Encryption = Encryption.NONE
    protected_by: str = ""  # the service staff must open the message through ("Egress", "S/MIME"...)
    links: tuple[Link, ...] = ()

    def flags(self, *, has_form: bool) -> frozenset[Flag]:
        """The case flags this wrapping raises; links only matter when no form came attached."""
        found = {Flag.PROTECTED_MESSAGE} if self.protected_by else set()
        if self.links and not has_form:
            found.add(Flag.FORM_BY_LINK)
        return frozenset(found)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, as stored with the message."""
        return {"signer": self.signer, "signature_verified": self.signature_verified,
                "signature_detail": self.signature_detail, "encryption": self.encryption.value,
                "protected_by": self.protected_by,
                "links": [{"service": link.service, "url": link.url} for link in self.links]}


@dataclass(frozen=True)
class ParsedEmail:
    """What the message parser read from one raw message; never raises on bad mail (see `defects`)."""

    message_id: str
    subject: str
    sender: str  # a valid bare address, lower case; "" when there is none (see defects: INVALID_SENDER)
    sender_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None  # timezone-aware UTC, or None when absent or unparseable
    in_reply_to: str
    references: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]  # every header, decoded, in order
    content_type: str
    text_body: str
    html_body: str
    attachments: tuple[Attachment, ...]
    defects: tuple[str, ...]
    envelope: Envelope = Envelope()
    # The original sender a forward shows (the From of an attached message, or of a "Forwarded message" block
    # in the text), lower case; "" when the message is no forward or shows none.
    forwarded_from: str = ""
    subject_cut_from: int = 0  # the subject's length as sent when it was cut to parsers.message.MAX_SUBJECT_CHARS

    def header(self, name: str) -> str:
        """The first value of a header (case-insensitive), or ""."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return ""


@dataclass(frozen=True)
class Field:
    """One canonical field (interfaces.md) with where it came from and how sure we are."""

    name: str
    value: FieldValue
    source: str  # e.g. "SAR Referral.docx: table 2, row 1" or "form.pdf: page 1, field Text12"
    confidence: float  # 0..1
    label: str = ""  # the label as printed on the form, shown to staff
    inferred: bool = False  # read between the lines of free text, not stated by the referrer


@dataclass(frozen=True)
class OtherAnswer:
    """An answered question that gave no canonical field, kept so that nothing on the form is lost."""

    question: str  # as printed
    answer: str  # as written; ticked options joined with "; "
    source: str  # where it stood, e.g. "form.docx: table 2, row 3, cell 2"
    section: str = ""  # the heading it stood under
    note: str = ""  # why it was not read into a field, when there is a reason staff should see


@dataclass(frozen=True)
class Person:
    """Someone on the form other than the subject and the referrer (parent, family member, alleged
    perpetrator, GP), kept as their own record: their answers never become the subject's or the referrer's."""

    section: str  # the heading they were listed under ("Details of the person alleged to have caused harm")
    answers: tuple[OtherAnswer, ...]


@dataclass(frozen=True)
class ExtractedForm:
    """The result of reading one attachment (or an email body) as a referral form."""

    filename: str
    form_type: FormType
    fields: Mapping[str, Field]
    flags: frozenset[Flag] = frozenset()
    warnings: tuple[str, ...] = ()
    # Labels of questions the form asks that were left unanswered (for "required answers missing").
    unanswered: tuple[str, ...] = ()
    # Answered questions that map to no field (or whose sense was unclear), in form order.
    other_answers: tuple[OtherAnswer, ...] = ()
    # Other people on the form, each as its own record.
    people: tuple[Person, ...] = ()
    # The canonical fields of the unanswered questions (in `unanswered` order): the acknowledgement names
    # them in our own words, never in the words printed on a document the sender chose.
    unanswered_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A read-only view so the frozen value cannot be changed through its mapping either.
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

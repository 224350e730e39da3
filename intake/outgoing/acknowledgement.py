"""Acknowledgements: which one a referrer gets, its wording (Jinja2 templates the partnership edits), and
whether it may be sent at all.

An acknowledgement goes out under the partnership's name to whatever address a message came from, so it
echoes nothing a sender chose: not the subject line, not a file name (files are described by count and kind,
"1 Word document, 2 PDF files"), not a question as printed on their document (unanswered questions are named
by our own field labels), nothing about the person referred. Only our reference and fixed wording.

Whether one is sent at all: not to a robot (rules.screen), not without a valid sender address, not (once
sender_trust.authserv_id is set) to a sender our receiving server did not authenticate, not over the
per-recipient limit (suppressed), and not over the flood caps (held for a manager).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlmodel import Session

from intake.config.labels import FIELD_LABELS
from intake.config.settings import AcknowledgementSettings, SenderTrustSettings
from intake.outgoing import outbox
from intake.store.models import Case, MailKind, Outbox
from parsers.addresses import valid_address
from parsers.authresults import configured_ids, trusted_results
from parsers.text import strip_controls
from parsers.values import Attachment, Envelope, ExtractedForm, Flag, ParsedEmail
from rules.sender_trust import judge_sender

_UNOPENED = frozenset({Flag.ENCRYPTED_ATTACHMENT, Flag.UNSUPPORTED_ATTACHMENT, Flag.UNREADABLE_ATTACHMENT,
                       Flag.ATTACHMENT_TOO_LARGE})
NO_VALID_SENDER = "no valid sender address"
_MSG_ID = re.compile(r"^<[!-;=?-~]{1,994}>$")  # printable ASCII, no spaces or angle brackets inside
MAX_QUESTIONS = 20

# (one, several, file name endings, content types): the kinds a file is described by, in this order.
_KINDS: tuple[tuple[str, str, frozenset[str], tuple[str, ...]], ...] = (
    ("Word document", "Word documents", frozenset({"docx", "doc", "docm", "dotx", "dot", "rtf", "odt"}),
     ("application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml",
      "application/vnd.oasis.opendocument.text", "application/rtf", "text/rtf")),
    ("PDF file", "PDF files", frozenset({"pdf"}), ("application/pdf",)),
    ("spreadsheet", "spreadsheets", frozenset({"xlsx", "xls", "xlsm", "ods", "csv"}),
     ("application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml", "text/csv")),
    ("image", "images", frozenset({"png", "jpg", "jpeg", "gif", "tif", "tiff", "heic", "heif", "bmp", "webp"}),
     ("image/",)),
    ("zip file", "zip files", frozenset({"zip"}), ("application/zip", "application/x-zip")),
    ("email", "emails", frozenset({"eml", "msg"}), ("message/rfc822", "application/vnd.ms-outlook")),
    ("text file", "text files", frozenset({"txt"}), ("text/plain",)),
)
_OTHER = ("other file", "other files")


class Variant(StrEnum):
    """Which acknowledgement a referrer gets; the templates branch on it."""

    RECEIVED = "received"  # form received and read
    NO_FORM = "no_form"  # ask for the right form and where to find it
    ENCRYPTED = "encrypted"  # ask for the password by phone, never by reply
    SCANNED = "scanned"  # it will be entered by hand
    UNSUPPORTED = "unsupported"  # ask for it again in a format we read
    MISSING_ANSWERS = "missing_answers"  # list the unanswered questions by their labels
    FOLLOW_UP = "follow_up"  # a reply was added to the case (only when configured)
    PROTECTED_MESSAGE = "protected_message"  # a secure-email notice: staff open it through the service
    FORM_BY_LINK = "form_by_link"  # documents behind links: ask for the form as an attachment


@dataclass(frozen=True)
class Content:
    """One rendered acknowledgement."""

    variant: Variant
    subject: str
    text: str
    html: str


def choose_variant(flags: Iterable[str], unanswered: Sequence[str]) -> Variant:
    """The one thing the referrer most needs to do next decides the variant (a password before a question)."""
    present = set(flags)
    for flag, variant in ((Flag.PROTECTED_MESSAGE, Variant.PROTECTED_MESSAGE),
                          (Flag.ENCRYPTED_ATTACHMENT, Variant.ENCRYPTED),
                          (Flag.UNSUPPORTED_ATTACHMENT, Variant.UNSUPPORTED),
                          (Flag.UNREADABLE_ATTACHMENT, Variant.UNSUPPORTED),
                          (Flag.FORM_BY_LINK, Variant.FORM_BY_LINK),
                          (Flag.NO_FORM, Variant.NO_FORM),
                          (Flag.SCANNED_FORM, Variant.SCANNED)):
        if flag in present:
            return variant
    return Variant.MISSING_ANSWERS if unanswered else Variant.RECEIVED


def file_kind(attachment: Attachment) -> tuple[str, str]:
    """(singular, plural) of what a file is, by its ending or else its content type; never its name."""
    name = attachment.filename.replace("\\", "/").rsplit("/", 1)[-1]
    ending = strip_controls(name).rsplit(".", 1)[-1].strip().lower() if "." in name else ""
    ctype = attachment.content_type.lower()
    for one, several, endings, _types in _KINDS:
        if ending in endings:
            return one, several
    for one, several, _, types in _KINDS:
        if any(ctype.startswith(t) for t in types):
            return one, several
    return _OTHER


def describe_files(attachments: Iterable[Attachment]) -> str:
    """Files by count and kind, e.g. "1 Word document, 2 PDF files" ("" for none): fixed words only."""
    counts = Counter(file_kind(a) for a in attachments)
    order = [(one, several) for one, several, _, _ in _KINDS] + [_OTHER]
    return ", ".join(f"{counts[k]} {k[0] if counts[k] == 1 else k[1]}" for k in order if counts[k])


def files_read_and_unopened(items: Sequence[tuple[Attachment, ExtractedForm | None]]) -> tuple[str, str]:
    """(the forms read, those that could not be opened), each described by count and kind."""
    read = [a for a, form in items if form is not None and not form.flags & _UNOPENED]
    unopened = [a for a, form in items if form is not None and form.flags & _UNOPENED]
    return describe_files(read), describe_files(unopened)


def unanswered_questions(form: ExtractedForm) -> list[str]:
    """The unanswered questions in our own words (the field labels), never as printed on the sender's document."""
    names = [n for n in dict.fromkeys(form.unanswered_fields) if n in FIELD_LABELS and n not in form.fields]
    return [FIELD_LABELS[n] for n in names][:MAX_QUESTIONS]


class Acknowledger:
    """Renders acknowledgements and queues them, or records why not, in the filing transaction."""

    def __init__(self, settings: AcknowledgementSettings, *, own_address: str, partnership: str,
                 environment: Environment | None = None, sender_trust: SenderTrustSettings | None = None) -> None:
        self._settings = settings
        self._trusted_ids = configured_ids((sender_trust or SenderTrustSettings()).authserv_id)
        self._own_address = own_address
        self._partnership = partnership
        self._env = environment or Environment(
            loader=PackageLoader("intake.outgoing", "templates/mail"), undefined=StrictUndefined,
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            # Every value printed goes through strip_controls: no bidi override or control character can reach
            # a referrer's screen, whatever a template (or a later change) prints.
            finalize=lambda value: strip_controls(value) if isinstance(value, str) else value)

    def render(self, variant: Variant, *, reference: str, files_read: str = "", files_unopened: str = "",
               questions: Sequence[str] = (), envelope: Envelope | None = None) -> Content:
        """The subject, plain text and HTML of one acknowledgement.

        `files_read` and `files_unopened` describe files by count and kind (describe_files); `questions` are
        our own field labels.
        """
        envelope = envelope or Envelope()
        context = {"variant": str(variant), "reference": reference, "partnership": self._partnership,
                   "mailbox_address": self._own_address, "form_url": self._settings.form_url,
                   "phone": self._settings.phone, "files_read": files_read,
                   "files_unopened": files_unopened, "questions": list(questions),
                   # Service names only, from our own catalogue: never a link or anything the sender wrote.
                   "protected_by": envelope.protected_by or "a secure email service",
                   "link_services": list(dict.fromkeys(link.service for link in envelope.links))}
        subject = " ".join(self._env.get_template("acknowledgement_subject.txt.j2").render(context).split())
        return Content(variant, subject, self._env.get_template("acknowledgement.txt.j2").render(context),
                       self._env.get_template("acknowledgement.html.j2").render(context))

    def for_new_case(self, session: Session, *, case: Case, message_pk: int, parsed: ParsedEmail,
                     no_reply_reason: str, items: Sequence[tuple[Attachment, ExtractedForm | None]],
                     form: ExtractedForm) -> Outbox:
        """Queue the acknowledgement of a new referral (or record it as suppressed, with the reason)."""
        read, unopened = files_read_and_unopened(items)
        questions = unanswered_questions(form)
        content = self.render(choose_variant(case.flags, questions), reference=case.reference,
                              files_read=read, files_unopened=unopened, questions=questions,
                              envelope=parsed.envelope)
        return self._queue(session, case=case, message_pk=message_pk, parsed=parsed, content=content,
                           why_not=no_reply_reason)

    def for_follow_up(self, session: Session, *, case: Case, message_pk: int, parsed: ParsedEmail,
                      no_reply_reason: str) -> Outbox | None:
        """Queue an acknowledgement of a follow-up, only when configured (else nothing is recorded)."""
        if not self._settings.acknowledge_follow_ups:
            return None
        content = self.render(Variant.FOLLOW_UP, reference=case.reference)
        return self._queue(session, case=case, message_pk=message_pk, parsed=parsed, content=content,
                           why_not=no_reply_reason)

    def _queue(self, session: Session, *, case: Case, message_pk: int, parsed: ParsedEmail, content: Content,
               why_not: str) -> Outbox:
        recipient = valid_address(parsed.sender)
        suppressed = self._why_not(session, parsed, recipient, why_not)
        held = "" if suppressed else outbox.flood_cap_reason(session, recipient, self._settings)
        # Threading headers carry the sender's Message-IDs back; only well-formed ones, never other text.
        references = " ".join(dict.fromkeys(i for i in (*parsed.references, parsed.message_id) if _MSG_ID.match(i)))
        in_reply_to = parsed.message_id if _MSG_ID.match(parsed.message_id) else ""
        draft = outbox.Draft(kind=MailKind.ACKNOWLEDGEMENT, recipient=recipient, subject=content.subject,
                             body_text=content.text, body_html=content.html, in_reply_to=in_reply_to,
                             references=references[-3000:])
        return outbox.queue(session, key=f"ack:{message_pk}", draft=draft, own_address=self._own_address,
                            case_pk=case.id, message_pk=message_pk, suppressed=suppressed, held=held)

    def _why_not(self, session: Session, parsed: ParsedEmail, recipient: str, why_not: str) -> str:
        """Why this acknowledgement must not be sent ("" when it may): the first reason that applies."""
        if not recipient:
            # Before the screening reason: "no sender address" there would hide that the From header was garbage.
            return NO_VALID_SENDER
        if why_not:
            return f"not answered: {why_not}"
        if not self._settings.enabled:
            return "acknowledgements are switched off"
        if self._trusted_ids:
            trust = judge_sender(trusted_results(parsed.headers, self._trusted_ids), recipient)
            if not trust.authenticated:
                return trust.reason
        return outbox.rate_limit_reason(session, recipient, self._settings)

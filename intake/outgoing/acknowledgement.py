"""Acknowledgements: which one a referrer gets, its wording (Jinja2 templates the partnership edits), and
whether it may be sent at all.

An acknowledgement names no one and echoes nothing the referrer wrote about the person: never the
subject line, never a field value. It may say which files were read, by file name, unless the name
itself carries something from the form (a surname, an NHS number); and it may list unanswered
questions by the labels printed on the form, which are the form's words, not the referrer's. The
triage rules' own questions are for staff: they can be phrased from what was read in free text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlmodel import Session

from intake.config.settings import AcknowledgementSettings
from intake.outgoing import outbox
from intake.store.models import Case, MailKind, Outbox
from parsers.values import Attachment, Envelope, ExtractedForm, Flag, ParsedEmail

_PERSONAL_FIELDS = ("subject.forenames", "subject.surname", "subject.nhs_number", "subject.date_of_birth",
                    "subject.postcode", "subject.address")
_LONG_NUMBER = re.compile(r"\d[\d ]{6,}\d")  # NHS numbers, phone numbers, dates written as digits
_UNOPENED = frozenset({Flag.ENCRYPTED_ATTACHMENT, Flag.UNSUPPORTED_ATTACHMENT, Flag.UNREADABLE_ATTACHMENT,
                       Flag.ATTACHMENT_TOO_LARGE})


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


def personal_tokens(form: ExtractedForm | None) -> frozenset[str]:
    """Words and numbers from the form's personal fields, which must not reappear in what we send."""
    if form is None:
        return frozenset()
    tokens: set[str] = set()
    for name in _PERSONAL_FIELDS:
        field = form.fields.get(name)
        if field is not None:
            tokens.update(t for t in re.split(r"[^\w]+", str(field.value).lower()) if len(t) >= 2)
            tokens.add(re.sub(r"\s+", "", str(field.value).lower()))
    return frozenset(t for t in tokens if t)


def is_safe(text: str, tokens: frozenset[str]) -> bool:
    """Whether a file name or label carries none of the personal tokens and no long number."""
    lowered = text.lower()
    words = set(re.split(r"[^\w]+", lowered))
    return not _LONG_NUMBER.search(text) and not (words & tokens) and not any(
        t in re.sub(r"\s+", "", lowered) for t in tokens if len(t) >= 6)


def safe_file_names(items: Sequence[tuple[Attachment, ExtractedForm | None]],
                    tokens: frozenset[str]) -> tuple[list[str], list[str]]:
    """(files read, files that could not be opened), by name; a name carrying personal data is replaced."""
    read: list[str] = []
    unopened: list[str] = []
    for number, (attachment, form) in enumerate(items, start=1):
        if form is None:
            continue
        name = attachment.filename.replace("\\", "/").rsplit("/", 1)[-1][:120]
        if not is_safe(name, tokens):
            suffix = name.rsplit(".", 1)[-1] if "." in name else "file"
            name = f"attachment {number} (.{suffix[:10]})"
        (unopened if form.flags & _UNOPENED else read).append(name)
    return read, unopened


class Acknowledger:
    """Renders acknowledgements and queues them, or records why not, in the filing transaction."""

    def __init__(self, settings: AcknowledgementSettings, *, own_address: str, partnership: str,
                 environment: Environment | None = None) -> None:
        self._settings = settings
        self._own_address = own_address
        self._partnership = partnership
        self._env = environment or Environment(
            loader=PackageLoader("intake.outgoing", "templates/mail"), undefined=StrictUndefined,
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)

    def render(self, variant: Variant, *, reference: str, files_read: Sequence[str] = (),
               files_unopened: Sequence[str] = (), questions: Sequence[str] = (),
               envelope: Envelope | None = None) -> Content:
        """The subject, plain text and HTML of one acknowledgement."""
        envelope = envelope or Envelope()
        context = {"variant": str(variant), "reference": reference, "partnership": self._partnership,
                   "mailbox_address": self._own_address, "form_url": self._settings.form_url,
                   "phone": self._settings.phone, "files_read": list(files_read),
                   "files_unopened": list(files_unopened), "questions": list(questions),
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
        tokens = personal_tokens(form)
        read, unopened = safe_file_names(items, tokens)
        questions = [q for q in dict.fromkeys(form.unanswered) if is_safe(q, tokens)][:20]
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
        recipient = parsed.sender
        suppressed = (f"not answered: {why_not}" if why_not
                      else "acknowledgements are switched off" if not self._settings.enabled
                      else "no sender address" if not recipient
                      else outbox.rate_limit_reason(session, recipient, self._settings))
        references = " ".join(dict.fromkeys(i for i in (*parsed.references, parsed.message_id) if i))
        draft = outbox.Draft(kind=MailKind.ACKNOWLEDGEMENT, recipient=recipient, subject=content.subject,
                             body_text=content.text, body_html=content.html, in_reply_to=parsed.message_id,
                             references=references[-3000:])
        return outbox.queue(session, key=f"ack:{message_pk}", draft=draft, own_address=self._own_address,
                            case_pk=case.id, message_pk=message_pk, suppressed=suppressed)

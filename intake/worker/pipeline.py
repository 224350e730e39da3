"""The path of one ledger message: parse, screen, extract, classify, file — or quarantine.

Every stage's values are frozen and come from the pure packages; this module only sequences them and
owns the single transaction that files the result. The readers and the classifier are passed in
(`Stages`), so the composition root decides which extractor and rule set run. Screening comes before
extraction, so that bounces, auto-replies and our own mail never have their attachments opened.
"""

from __future__ import annotations

import dataclasses
import logging
import traceback
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import ParamSpec, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from intake.outgoing import outbox
from intake.outgoing.acknowledgement import Acknowledger
from intake.outgoing.alerts import LiveConcernAlerter
from intake.store import cases, duplicates, envelopes, learning, ledger
from intake.store.audit import SYSTEM, AuditAction, record
from intake.store.models import Disposition, Stage
from intake.worker.limits import case_flags, kept_for_the_case_page, noted, within_limits
from parsers.authresults import configured_ids, trusted_results
from parsers.forms.result import flagged_form
from parsers.forms.sniff import FileKind, sniff
from parsers.text import html_to_text
from parsers.values import INVALID_SENDER, Attachment, ExtractedForm, Field, Flag, FormType, ParsedEmail
from rules.screen import Screening, Verdict, screen, thread_query
from rules.sender_trust import judge_sender
from rules.values import Triage

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
ReadItems = tuple[tuple[Attachment, ExtractedForm | None], ...]


class StageError(Exception):
    """A stage failed; the quarantine row records the stage, a one-line reason and the traceback.

    Raised with the stage's own exception as its cause (`raise ... from exc`), whose type and code make the
    reason; or alone, for a reason we can name in one line.
    """

    def __init__(self, stage: Stage, reason: str, code: str = "") -> None:
        super().__init__(reason)
        self.stage = stage
        self.code = code


@dataclass(frozen=True)
class Stages:
    """The pure functions the pipeline runs; `read_form` may raise to quarantine the message."""

    parse: Callable[[bytes], ParsedEmail]
    is_form: Callable[[Attachment], bool]
    read_form: Callable[[Attachment], ExtractedForm]
    read_body: Callable[[str], ExtractedForm]
    merge: Callable[[Sequence[ExtractedForm]], ExtractedForm]
    classify: Callable[[Mapping[str, Field], FormType, datetime], Triage]
    error_code: Callable[[BaseException], str | None]  # a specific reason code for an attachment error, or None
    # Questions staff mapped to fields (question key -> field), applied to the merged form as data.
    learn: Callable[[ExtractedForm, Mapping[str, str]], ExtractedForm] | None = None


@dataclass(frozen=True)
class MessageOutcome:
    """What processing one message ended in."""

    message_pk: int
    disposition: Disposition
    reason: str
    case_reference: str | None = None


@dataclass(frozen=True)
class MessageContext:
    """One message on its way through the stages: the ledger row's facts, what parsing and screening said."""

    message_pk: int
    parsed: ParsedEmail
    received_at: datetime  # the date received, from which statutory deadlines run (see `_received_at`)
    screening: Screening
    notes: ledger.Filing = field(default_factory=ledger.Filing)  # flags and warnings about the message itself


@dataclass(frozen=True)
class Reading:
    """What reading a message gave: every attachment with its form (or None), and the one form to file."""

    items: ReadItems
    form: ExtractedForm  # the attached forms merged, or the body read as a form when none is attached
    from_attachments: bool


# Flags that already say why a document gave no fields (locked, scanned, not a format we read, not readable):
# with one of these the case is not "no form", the form is there and staff must see why it was not read.
_SAID_WHY = frozenset({Flag.ENCRYPTED_ATTACHMENT, Flag.SCANNED_FORM, Flag.UNSUPPORTED_ATTACHMENT,
                       Flag.UNREADABLE_ATTACHMENT, Flag.ATTACHMENT_TOO_LARGE, Flag.FORM_NOT_EXTRACTED,
                       Flag.SAFEGUARDING_CONCERN_FORM, Flag.PROTECTED_MESSAGE, Flag.EMPTY_WINMAIL})


class Pipeline:
    """Processes ledger messages one at a time; never raises for a bad message."""

    def __init__(self, engine: Engine, stages: Stages, *, own_address: str, max_message_bytes: int,
                 worker: str | None = None, acknowledger: Acknowledger | None = None,
                 duplicate_window_days: int = 90, alerter: LiveConcernAlerter | None = None,
                 max_attachments: int = 50, partner_domains: Sequence[str] = (),
                 trusted_authserv_ids: Collection[str] = (), max_page_images: int = 20) -> None:
        self._max_page_images = max_page_images  # page images read by OCR per message
        self._alerter = alerter  # None: no live-concern alert is queued
        self._max_attachments = max_attachments  # per message; the rest stay in the raw email only
        self._partner_domains = tuple(partner_domains)  # follow-ups from these may change a case
        # Our receiving server's authserv-ids (sender_trust.authserv_id): when set, a follow-up's From must pass.
        self._trusted_ids = configured_ids(trusted_authserv_ids)
        self._acknowledger = acknowledger  # None: nothing is queued (tools and tests that only file)
        self._duplicate_window_days = duplicate_window_days
        self._engine = engine
        self._stages = stages
        self._own_address = own_address.lower()
        self._max_bytes = max_message_bytes
        self.worker = worker or ledger.worker_identity()

    def process(self, message_pk: int) -> MessageOutcome | None:
        """Run one message to its disposition; None when another worker has it or it is already done."""
        with Session(self._engine) as session:
            if not ledger.claim(session, message_pk, worker=self.worker):
                return None
            try:
                loaded = ledger.load_message(session, message_pk)
                session.commit()  # end the read: no transaction (and, on SQLite, no lock) while parsing
                outcome = self._run(session, loaded)
            except Exception as exc:  # the one broad catch: one bad message never stops the worker
                return self._quarantine(session, message_pk, exc)
        if outcome is not None:
            log.info("message %s -> %s %s", message_pk, outcome.disposition, outcome.case_reference or "")
        return outcome

    def _quarantine(self, session: Session, message_pk: int, exc: Exception) -> MessageOutcome:
        """Keep the message with the stage, a one-line reason and the traceback (of the cause, too)."""
        stage = exc.stage if isinstance(exc, StageError) else Stage.LOAD
        failure = exc.__cause__ if isinstance(exc, StageError) and isinstance(exc.__cause__, Exception) else exc
        reason = _one_line(failure, self._stages.error_code(failure))
        ledger.quarantine(session, message_pk, worker=self.worker, stage=stage, reason=reason,
                          trace=traceback.format_exc())
        log.warning("message %s quarantined at stage %s: %s", message_pk, stage, reason)
        return MessageOutcome(message_pk, Disposition.QUARANTINED, reason)

    def _run(self, session: Session, loaded: ledger.LoadedMessage) -> MessageOutcome | None:
        if len(loaded.raw) > self._max_bytes:
            raise StageError(Stage.LOAD, f"message of {len(loaded.raw)} bytes exceeds the limit of "
                             f"{self._max_bytes}", "too_large")
        parsed, notes = _staged(Stage.PARSE, within_limits, _staged(Stage.PARSE, self._stages.parse, loaded.raw),
                                max_attachments=self._max_attachments, is_form=self._stages.is_form)
        copy = duplicates.earlier_copy(session, message_pk=loaded.message_pk, sender=parsed.sender,
                                       message_id=loaded.message_id)
        if copy is not None:  # the same email delivered twice (CC to two of our addresses): filed once
            return self._commit(session, loaded.message_pk, parsed, Disposition.IGNORED,
                                f"copy of message {copy.id}")
        screening = self._screen(session, parsed)
        learned = learning.active_mappings(session) if self._stages.learn is not None else {}
        session.commit()  # reading forms takes seconds: hold no transaction meanwhile
        if screening.trust is not None and not screening.trust.trusted:
            notes = noted(notes, str(Flag.DIFFERENT_SENDER), "from a different sender than the case's referrer: "
                           "its fields are proposed, not applied, until staff accept them")
        context = MessageContext(loaded.message_pk, parsed, _received_at(loaded.taken_in, parsed), screening,
                                 notes)
        if screening.verdict is Verdict.IGNORE:
            return self._file_ignored(session, context)
        reading = _staged(Stage.EXTRACT, self._read, parsed)
        if self._stages.learn is not None and learned:  # questions staff mapped to fields, read as data
            reading = dataclasses.replace(reading, form=_staged(Stage.EXTRACT, self._stages.learn, reading.form,
                                                                learned))
        if screening.verdict is Verdict.FOLLOW_UP and screening.case_reference:
            return self._file_follow_up(session, context, reading)
        triage = _staged(Stage.CLASSIFY, self._stages.classify, reading.form.fields, reading.form.form_type,
                         context.received_at)
        return self._file_case(session, context, reading, triage)

    def _screen(self, session: Session, parsed: ParsedEmail) -> Screening:
        """Look up what screening needs in the queue (screen() itself reads no database), then screen."""
        query = _staged(Stage.SCREEN, thread_query, parsed)
        thread = _staged(Stage.SCREEN, cases.thread_facts, session, query=query)
        has_form = _staged(Stage.SCREEN, _any_form, parsed.attachments, self._stages.is_form)
        return _staged(Stage.SCREEN, screen, parsed, own_address=self._own_address, thread=thread,
                       has_form=has_form, partner_domains=self._partner_domains,
                       sender_authenticated=self._sender_authenticated(parsed))

    def _sender_authenticated(self, parsed: ParsedEmail) -> bool | None:
        if not self._trusted_ids:
            return None
        return judge_sender(trusted_results(parsed.headers, self._trusted_ids), parsed.sender).authenticated

    def _read_each(self, attachments: Sequence[Attachment]) -> Iterator[tuple[Attachment, ExtractedForm | None]]:
        """Each attachment with what reading it gave (None: not a form candidate). Page images past the limit
        are not sent to OCR (each costs about a second of a core): a form is a few pages, fifty photos are not."""
        images = 0
        for attachment in attachments:
            if not self._stages.is_form(attachment):
                yield attachment, None
                continue
            if sniff(attachment) is FileKind.IMAGE:
                images += 1
                if images > self._max_page_images:
                    yield attachment, flagged_form(
                        attachment.filename, Flag.FORM_NOT_EXTRACTED,
                        f"Not read: more than {self._max_page_images} page images in one email "
                        "(limits.max_page_images_per_message); the image is kept with the email.")
                    continue
            yield attachment, self._stages.read_form(attachment)

    def _read(self, parsed: ParsedEmail) -> Reading:
        """Every form attached, read; merged into one, or the body read as a form when there is none."""
        items = tuple(self._read_each(parsed.attachments))
        forms = [form for _, form in items if form is not None]
        body_text = parsed.text_body or _strip_html(parsed.html_body)
        if forms:
            merged = self._stages.merge(forms)
            if any(Flag.NO_FORM not in form.flags for form in forms):  # a photo beside a form is no "no form"
                merged = replace(merged, flags=merged.flags - {Flag.NO_FORM})
            if not merged.fields and merged.form_type is FormType.UNKNOWN and not merged.flags & _SAID_WHY:
                # Documents were read but none is a referral form (a letter, a chronology): the referral may be
                # typed in the email itself; if not, the case has no form, and the acknowledgement asks for one.
                body = self._stages.read_body(body_text)
                merged = (self._stages.merge([merged, body]) if body.fields
                          else replace(merged, flags=merged.flags | {Flag.NO_FORM}))
        else:
            merged = self._stages.read_body(body_text)
        # A notice from a secure-email service, or links instead of a form, are the case's to show.
        extra = parsed.envelope.flags(has_form=bool(forms))
        if INVALID_SENDER in parsed.defects:  # a From header of markup: filed, flagged, never answered
            extra |= {Flag.INVALID_SENDER_ADDRESS}
        form = replace(merged, flags=merged.flags | extra) if extra else merged
        return Reading(items, form, from_attachments=bool(forms))

    def _file_case(self, session: Session, context: MessageContext, reading: Reading,
                   triage: Triage) -> MessageOutcome | None:
        message_pk, parsed, form = context.message_pk, context.parsed, reading.form
        # A referral forwarded from our own mailbox is the original sender's, where the forward shows one.
        sender = context.screening.referrer or parsed.sender
        form = replace(form, flags=form.flags | case_flags(context.notes)) if context.notes.flags else form
        case = cases.file_new_case(session, message_pk=message_pk, received_at=context.received_at,
                                   sender=sender, form=form, triage=triage)
        envelopes.record_envelope(session, message_pk=message_pk, envelope=parsed.envelope)
        cases.save_attachments(session, message_pk=message_pk, items=reading.items)
        learning.save_other_answers(session, case.id, form)
        match = duplicates.find_duplicate(session, case=case, items=reading.items, form=form,
                                          window_days=self._duplicate_window_days)
        if match is not None:
            duplicates.flag_duplicate(session, case=case, message_pk=message_pk, match=match)
        if self._acknowledger is not None:  # queued in this transaction: filed and queued, or neither
            self._acknowledger.for_new_case(session, case=case, message_pk=message_pk, parsed=parsed,
                                            no_reply_reason=context.screening.no_reply_reason,
                                            items=reading.items, form=form)
        if self._alerter is not None:  # in this transaction too: a live concern is alerted within a minute
            self._alerter.for_case(session, case=case)
        reason = context.screening.reason + (f" ({', '.join(sorted(case.flags))})" if case.flags else "")
        return self._commit(session, message_pk, parsed, Disposition.CASE, reason, case.id, case.reference,
                            kept_for_the_case_page(context.notes, context.parsed))

    def _file_follow_up(self, session: Session, context: MessageContext, reading: Reading) -> MessageOutcome | None:
        screening = context.screening
        case = cases.case_by_reference(session, reference=screening.case_reference or "")
        if case is None:
            raise StageError(Stage.FILE, f"follow-up names case {screening.case_reference}, which does not exist")
        trusted = screening.trust is None or screening.trust.trusted
        cases.file_follow_up(session, case=case, message_pk=context.message_pk,
                             form=reading.form if reading.from_attachments else None, trusted=trusted,
                             flags=sorted(case_flags(context.notes)))
        envelopes.record_envelope(session, message_pk=context.message_pk, envelope=context.parsed.envelope)
        cases.save_attachments(session, message_pk=context.message_pk, items=reading.items)
        if reading.from_attachments and trusted:  # a stranger's other answers are not the case's either
            learning.save_other_answers(session, case.id, reading.form)
        if self._acknowledger is not None:
            # A stranger who guessed a reference learns nothing from us: no acknowledgement, the reason recorded.
            why_not = screening.no_reply_reason or ("" if trusted else "from a different sender than the referrer")
            self._acknowledger.for_follow_up(session, case=case, message_pk=context.message_pk,
                                             parsed=context.parsed, no_reply_reason=why_not)
        return self._commit(session, context.message_pk, context.parsed, Disposition.FOLLOW_UP, screening.reason,
                            case.id, case.reference, kept_for_the_case_page(context.notes, context.parsed))

    def _file_ignored(self, session: Session, context: MessageContext) -> MessageOutcome | None:
        screening = context.screening
        reference = screening.case_reference
        case = cases.case_by_reference(session, reference=reference) if reference else None
        if case is not None:  # a bounce of our own mail: the case must show the referrer's address failed
            record(session, actor=SYSTEM, action=AuditAction.BOUNCE_RECEIVED, case_pk=case.id,
                   message_pk=context.message_pk)
            if screening.bounced_ids:
                outbox.record_bounce(session, case=case, message_pk=context.message_pk,
                                     quoted_ids=screening.bounced_ids)
        return self._commit(session, context.message_pk, context.parsed, Disposition.IGNORED, screening.reason,
                            None, case.reference if case else None, context.notes)

    def _commit(self, session: Session, message_pk: int, parsed: ParsedEmail, disposition: Disposition,
                reason: str, case_pk: int | None = None, reference: str | None = None,
                filing: ledger.Filing | None = None) -> MessageOutcome | None:
        if not ledger.finish(session, message_pk, worker=self.worker, disposition=disposition, reason=reason,
                             case_pk=case_pk, sender=parsed.sender, subject=parsed.subject, filing=filing):
            session.rollback()  # our claim was taken over: the other worker files it, not us
            return None
        session.commit()
        return MessageOutcome(message_pk, disposition, reason, reference)


def _staged(stage: Stage, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one stage; any exception becomes a StageError naming the stage, with the original as its cause."""
    try:
        return func(*args, **kwargs)
    except StageError:
        raise
    except Exception as exc:
        raise StageError(stage, str(exc)) from exc


def _any_form(attachments: Sequence[Attachment], is_form: Callable[[Attachment], bool]) -> bool:
    """Whether any attachment looks like a form: enough for screening, without opening one."""
    return any(is_form(a) for a in attachments)


def _received_at(taken_in: datetime, parsed: ParsedEmail) -> datetime:
    """The date received: the Date header when earlier than take-in (backfill, a backlog), else take-in.

    The earlier of the two is the cautious reading: statutory deadlines run from the date received.
    """
    if parsed.date is not None and parsed.date < taken_in:
        return parsed.date
    return taken_in


def _one_line(exc: BaseException, code: str | None) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, StageError) and not code:
        return text[:500]
    prefix = f"{code}: " if code else f"{type(exc).__name__}: "
    return (prefix + text)[:500]


def _strip_html(html: str) -> str:
    return html_to_text(html)

"""The path of one ledger message: parse, screen, extract, classify, file — or quarantine.

Every stage's values are frozen and come from the pure packages; this module only sequences them and
owns the single transaction that files the result. The readers and the classifier are passed in
(`Stages`), so the composition root decides which extractor and rule set run.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from intake.outgoing import outbox
from intake.outgoing.acknowledgement import Acknowledger
from intake.store import cases, duplicates, ledger
from intake.store.models import AuditEvent, Disposition, Message
from parsers.values import Attachment, ExtractedForm, Field, FormType, ParsedEmail
from rules.screen import Screening, Verdict, screen
from rules.values import Triage

log = logging.getLogger(__name__)


class StageError(Exception):
    """A stage failed for a reason we can name in one line (the quarantine reason)."""

    def __init__(self, stage: str, reason: str, code: str = "") -> None:
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


@dataclass(frozen=True)
class MessageOutcome:
    """What processing one message ended in."""

    message_pk: int
    disposition: Disposition
    reason: str
    case_reference: str | None = None


class _DbThread:
    """screen()'s view of the queue, over one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def case_for_message_ids(self, message_ids: tuple[str, ...]) -> str | None:
        return cases.case_for_message_ids(self._session, message_ids)

    def case_exists(self, reference: str) -> bool:
        return cases.find_case(self._session, reference) is not None


class Pipeline:
    """Processes ledger messages one at a time; never raises for a bad message."""

    def __init__(self, engine: Engine, stages: Stages, *, own_address: str, max_message_bytes: int,
                 worker: str | None = None, acknowledger: Acknowledger | None = None,
                 duplicate_window_days: int = 90) -> None:
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
            stage = "load"
            try:
                raw = ledger.load_raw(session, message_pk)
                session.commit()  # end the read: no transaction (and, on SQLite, no lock) while parsing
                outcome = self._run(session, message_pk, raw)
            except Exception as exc:  # the one broad catch: one bad message never stops the worker
                stage = exc.stage if isinstance(exc, StageError) else getattr(exc, "pipeline_stage", stage)
                reason = _one_line(exc, self._stages.error_code(exc))
                ledger.quarantine(session, message_pk, worker=self.worker, stage=stage, reason=reason,
                                  trace=traceback.format_exc())
                log.warning("message %s quarantined at stage %s: %s", message_pk, stage, reason)
                return MessageOutcome(message_pk, Disposition.QUARANTINED, reason)
        if outcome is not None:
            log.info("message %s -> %s %s", message_pk, outcome.disposition, outcome.case_reference or "")
        return outcome

    def _run(self, session: Session, message_pk: int, raw: bytes) -> MessageOutcome | None:
        if len(raw) > self._max_bytes:
            raise StageError("load", f"message of {len(raw)} bytes exceeds the limit of {self._max_bytes}",
                             "too_large")
        parsed = _staged("parse", self._stages.parse, raw)
        copy = duplicates.earlier_copy(session, message_pk=message_pk, sender=parsed.sender,
                                       message_id=session.get(Message, message_pk).message_id)
        if copy is not None:  # the same email delivered twice (CC to two of our addresses): filed once
            return self._commit(session, message_pk, parsed, Disposition.IGNORED, f"copy of message {copy.id}",
                                None, None)
        session.commit()  # reading forms takes seconds: hold no transaction meanwhile
        items = _staged("extract", self._read_attachments, parsed)
        has_form = any(form is not None for _, form in items)
        screening = _staged("screen", screen, parsed, own_address=self._own_address,
                            thread=_DbThread(session), has_form=has_form)
        if screening.verdict is Verdict.IGNORE:
            return self._file_ignored(session, message_pk, parsed, screening)
        forms = [form for _, form in items if form is not None]
        merged = _staged("extract", self._merge, forms, parsed)
        received_at = _received_at(session, message_pk, parsed)
        session.commit()  # the filing below is the one write transaction, and it is short
        if screening.verdict is Verdict.FOLLOW_UP and screening.case_reference:
            return self._file_follow_up(session, message_pk, parsed, screening, items, merged if forms else None)
        triage = _staged("classify", self._stages.classify, merged.fields, merged.form_type, received_at)
        return self._file_case(session, message_pk, parsed, screening, items, merged, triage, received_at)

    def _read_attachments(self, parsed: ParsedEmail) -> list[tuple[Attachment, ExtractedForm | None]]:
        return [(a, self._stages.read_form(a) if self._stages.is_form(a) else None) for a in parsed.attachments]

    def _merge(self, forms: list[ExtractedForm], parsed: ParsedEmail) -> ExtractedForm:
        if forms:
            return self._stages.merge(forms)
        return self._stages.read_body(parsed.text_body or _strip_html(parsed.html_body))

    def _file_case(self, session: Session, message_pk: int, parsed: ParsedEmail, screening: Screening,
                   items: list[tuple[Attachment, ExtractedForm | None]], form: ExtractedForm, triage: Triage,
                   received_at: datetime) -> MessageOutcome | None:
        case = cases.file_new_case(session, message_pk=message_pk, received_at=received_at,
                                   sender=parsed.sender, form=form, triage=triage)
        cases.save_attachments(session, message_pk=message_pk, items=items)
        match = duplicates.find_duplicate(session, case=case, items=items, form=form,
                                          window_days=self._duplicate_window_days)
        if match is not None:
            duplicates.flag_duplicate(session, case=case, message_pk=message_pk, match=match)
        if self._acknowledger is not None:  # queued in this transaction: filed and queued, or neither
            self._acknowledger.for_new_case(session, case=case, message_pk=message_pk, parsed=parsed,
                                            no_reply_reason=screening.no_reply_reason, items=items, form=form)
        reason = "new referral" + (f" ({', '.join(sorted(case.flags))})" if case.flags else "")
        return self._commit(session, message_pk, parsed, Disposition.CASE, reason, case.id, case.reference)

    def _file_follow_up(self, session: Session, message_pk: int, parsed: ParsedEmail, screening: Screening,
                        items: list[tuple[Attachment, ExtractedForm | None]],
                        form: ExtractedForm | None) -> MessageOutcome | None:
        case = cases.find_case(session, screening.case_reference or "")
        if case is None:
            raise StageError("file", f"follow-up names case {screening.case_reference}, which does not exist")
        cases.file_follow_up(session, case=case, message_pk=message_pk, form=form)
        cases.save_attachments(session, message_pk=message_pk, items=items)
        if self._acknowledger is not None:
            self._acknowledger.for_follow_up(session, case=case, message_pk=message_pk, parsed=parsed,
                                             no_reply_reason=screening.no_reply_reason)
        return self._commit(session, message_pk, parsed, Disposition.FOLLOW_UP, screening.reason, case.id,
                            case.reference)

    def _file_ignored(self, session: Session, message_pk: int, parsed: ParsedEmail,
                      screening: Screening) -> MessageOutcome | None:
        case = cases.find_case(session, screening.case_reference) if screening.case_reference else None
        if case is not None:  # a bounce of our own mail: the case must show the referrer's address failed
            session.add(AuditEvent(actor=cases.SYSTEM, action="bounce_received", case_pk=case.id,
                                   message_pk=message_pk))
            if screening.bounced_ids:
                outbox.record_bounce(session, case=case, message_pk=message_pk, quoted_ids=screening.bounced_ids)
        return self._commit(session, message_pk, parsed, Disposition.IGNORED, screening.reason, None,
                            case.reference if case else None)

    def _commit(self, session: Session, message_pk: int, parsed: ParsedEmail, disposition: Disposition,
                reason: str, case_id: int | None, reference: str | None) -> MessageOutcome | None:
        if not ledger.finish(session, message_pk, worker=self.worker, disposition=disposition, reason=reason,
                             case_id=case_id, sender=parsed.sender, subject=parsed.subject):
            session.rollback()  # our claim was taken over: the other worker files it, not us
            return None
        session.commit()
        return MessageOutcome(message_pk, disposition, reason, reference)


def _staged(stage: str, func: Callable, *args: object, **kwargs: object):
    """Run one stage, labelling any exception with the stage's name for the quarantine row."""
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        if not hasattr(exc, "pipeline_stage"):
            try:
                exc.pipeline_stage = stage  # type: ignore[attr-defined]
            except AttributeError:  # exceptions with __slots__ cannot take it: wrap them
                raise StageError(stage, _one_line(exc, None)) from exc
        raise


def _received_at(session: Session, message_pk: int, parsed: ParsedEmail) -> datetime:
    """The date received: the Date header when earlier than take-in (backfill, a backlog), else take-in.

    The earlier of the two is the cautious reading: statutory deadlines run from the date received.
    """
    taken_in = session.get(Message, message_pk).received_at
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
    return re.sub(r"<[^>]+>", " ", html)


"""The purge: deletes what the retention policy says is due, in short transactions, and leaves a tombstone.

What goes, for a case: its fields, other answers and notes, the text of its decisions and steps, the personal
detail of its audit entries and outgoing mail, and for each of its messages the subject, sender, errors and
wrapping, the attachments, their previews and every raw byte no longer used by anything that stays (blobs are
shared by content). What stays: the case row with its reference, dates, status and the codes of its
recommendation; each message's ledger row (Message-ID, dates, disposition, reason, case) so `messages` still
proves nothing was lost; and a row in the deletion log per case and per message (reference, dates, decision,
when, by whom, why). A message never filed under a case goes the same way on its own.

Idempotent and safe with several processes: the deletion log's unique keys and a fresh look at each case inside
its transaction decide; on PostgreSQL an advisory lock lets one process purge at a time (the others skip) and the
case rows are locked (SKIP LOCKED), so a legal hold placed meanwhile waits for the purge or stops it.
"""

from __future__ import annotations

import contextlib
import logging
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import Session, col, select

from intake.config.labels import code_label
from intake.store.audit import SYSTEM, AuditAction, record
from intake.store.database import outside_transaction
from intake.store.learning import CaseOtherAnswer
from intake.store.models import (
    AuditEvent,
    Blob,
    Case,
    CaseField,
    CaseNote,
    Decision,
    DeletionRecord,
    Disposition,
    DocumentPreview,
    LegalHold,
    Message,
    OidcPending,
    Outbox,
    PurgeKind,
    StoredAttachment,
    WebSession,
    utcnow,
)
from intake.store.retention import (
    CaseFacts,
    MessageFacts,
    Policy,
    Verdict,
    audit_cutoff,
    case_cutoffs,
    case_verdict,
    message_cutoff,
    message_verdict,
)
from intake.store.steps import CaseStep
from rules.review import ClockStage

log = logging.getLogger(__name__)

PURGE_LOCK = zlib.crc32(b"purge")  # the PostgreSQL advisory lock: one purging process at a time
OIDC_PENDING_MAX_AGE = timedelta(hours=1)  # sign-in refuses a state after 10 minutes (intake/web/oidc.py)
AUDIT_BATCH = 1000
# What a purged message keeps is everything but these (its personal data), set to these values.
MESSAGE_PERSONAL: dict[str, Any] = {"sender": "", "subject": "", "error": "", "traceback": "", "envelope": None,
                                    "body_text": ""}
OUTBOX_PERSONAL: dict[str, Any] = {"recipient": "", "recipient_key": "", "subject": "", "body_text": "",
                                   "body_html": "", "last_error": "", "thread_references": ""}
# Audit detail keys that never hold personal data (codes, references, names of fields, ids, staff names).
SAFE_AUDIT_KEYS = frozenset({"reference", "from", "to", "step", "on", "id", "cspr", "sar", "outbox", "attachment",
                             "field", "fields", "inline", "print"})


@dataclass(frozen=True)
class DueCase:
    """A case the policy says is due (or held), in words without personal data."""

    case_pk: int
    reference: str
    status: str
    ended_at: datetime
    verdict: Verdict


@dataclass(frozen=True)
class DueMessage:
    """An unfiled ledger message the policy says is due."""

    message_pk: int
    disposition: str
    received_at: datetime
    resolved_at: datetime
    verdict: Verdict


@dataclass(frozen=True)
class PurgePlan:
    """What a purge would do now: the `--dry-run` listing."""

    cases: list[DueCase]
    held: list[DueCase]  # due but for a legal hold
    messages: list[DueMessage]
    audit_events: int
    sessions: int
    oidc_pending: int
    orphan_blobs: int


@dataclass
class PurgeReport:
    """What a purge did."""

    skipped: bool = False  # another process was purging
    cases: list[str] = field(default_factory=list)
    messages: int = 0
    blobs: int = 0
    audit_events: int = 0
    sessions: int = 0
    oidc_pending: int = 0

    def summary(self) -> str:
        """One line for the log and the command line (references only, no personal data)."""
        if self.skipped:
            return "purge: another process is purging; nothing done"
        return (f"purged {len(self.cases)} case(s), {self.messages} message(s) and {self.blobs} stored file(s); "
                f"removed {self.audit_events} audit entrie(s), {self.sessions} expired session(s) and "
                f"{self.oidc_pending} stale sign-in state(s)")


# --- what is due --------------------------------------------------------------------------------------------


def _purged_case() -> sa.ColumnElement[bool]:
    return sa.exists().where(col(DeletionRecord.case_pk) == col(Case.id))


def _purged_message() -> sa.ColumnElement[bool]:
    return sa.exists().where(col(DeletionRecord.message_pk) == col(Message.id))


def not_purged() -> sa.ColumnElement[bool]:
    """For queries over cases: only cases whose data is still held (the queue, the export)."""
    return ~_purged_case()


def due_cases(session: Session, policy: Policy, now: datetime) -> tuple[list[DueCase], list[DueCase]]:
    """(cases due now, cases that would be due but for a legal hold), oldest first."""
    bounds = case_cutoffs(policy, now)
    if not bounds:
        return [], []
    loose = sa.or_(*(sa.and_(col(Case.status) == status.value, col(Case.updated_at) <= cutoff)
                     for status, cutoff in bounds.items()))
    rows = session.exec(select(Case.id, Case.reference, Case.status, Case.updated_at)
                        .where(loose, ~_purged_case()).order_by(col(Case.id))).all()
    held = set(session.exec(select(LegalHold.case_pk)).all())
    due, kept = [], []
    for case_pk, reference, status, ended_at in rows:
        if case_pk is None:
            continue
        verdict = case_verdict(CaseFacts(status, ended_at, held=case_pk in held), policy, now)
        item = DueCase(case_pk, reference, status, ended_at, verdict)
        if verdict.due:
            due.append(item)
        elif verdict.rule == "legal hold" and verdict.due_on is not None and now >= verdict.due_on:
            kept.append(item)
    return due, kept


def due_messages(session: Session, policy: Policy, now: datetime) -> list[DueMessage]:
    """Unfiled messages due now, oldest first."""
    cutoff = message_cutoff(policy, now)
    if cutoff is None:
        return []
    resolved = sa.func.coalesce(col(Message.processed_at), col(Message.received_at))
    rows = session.execute(sa.select(col(Message.id), col(Message.disposition), col(Message.stage),
                                     col(Message.received_at), col(Message.processed_at))
                           .where(col(Message.case_pk).is_(None), col(Message.disposition) == Disposition.IGNORED,
                                  resolved <= cutoff, ~_purged_message())
                           .order_by(col(Message.id))).all()
    requeued = _went_through_quarantine(session, [r[0] for r in rows])
    due = []
    for message_pk, disposition, stage, received_at, processed_at in rows:
        facts = MessageFacts(disposition, filed=False, was_quarantined=bool(stage) or message_pk in requeued,
                             resolved_at=processed_at or received_at)
        verdict = message_verdict(facts, policy, now)
        if verdict.due:
            due.append(DueMessage(message_pk, disposition, received_at, facts.resolved_at, verdict))
    return due


def _went_through_quarantine(session: Session, message_pks: Sequence[int]) -> set[int]:
    """Of these messages, those staff requeued or dismissed from quarantine (the audit trail says so)."""
    found: set[int] = set()
    actions = [AuditAction.MESSAGE_REQUEUED, AuditAction.MESSAGE_NOT_REFERRAL]
    for start in range(0, len(message_pks), 500):
        chunk = list(message_pks[start:start + 500])
        found.update(pk for pk in session.exec(select(AuditEvent.message_pk).where(
            col(AuditEvent.message_pk).in_(chunk), col(AuditEvent.action).in_(actions))) if pk is not None)
    return found


def plan(session: Session, policy: Policy, *, now: datetime | None = None) -> PurgePlan:
    """What a purge would delete now (nothing is changed)."""
    now = now or utcnow()
    cases, held = due_cases(session, policy, now)
    return PurgePlan(cases, held, due_messages(session, policy, now),
                     session.exec(select(sa.func.count()).select_from(AuditEvent).where(_audit_due(policy, now)))
                     .one(),
                     session.exec(select(sa.func.count()).select_from(WebSession)
                                  .where(col(WebSession.expires_at) <= now)).one(),
                     session.exec(select(sa.func.count()).select_from(OidcPending)
                                  .where(col(OidcPending.created_at) < now - OIDC_PENDING_MAX_AGE)).one(),
                     session.exec(select(sa.func.count()).select_from(Blob).where(_unreferenced())).one())


def _audit_due(policy: Policy, now: datetime) -> sa.ColumnElement[bool]:
    cutoff = audit_cutoff(policy, now)
    if cutoff is None:
        return sa.false()
    held = select(LegalHold.case_pk)
    return sa.and_(col(AuditEvent.at) < cutoff,
                   sa.or_(col(AuditEvent.case_pk).is_(None), col(AuditEvent.case_pk).not_in(held)))


# --- the purge ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def single_purger(engine: Engine) -> Iterator[bool]:
    """On PostgreSQL, an advisory lock so that one process purges at a time (others skip). On SQLite every
    transaction takes the write lock (BEGIN IMMEDIATE), which serialises two purgers well enough."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        got = bool(connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({PURGE_LOCK})").scalar())
        connection.commit()
        try:
            yield got
        finally:
            if got:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({PURGE_LOCK})")
                connection.commit()


def run_purge(engine: Engine, policy: Policy, *, actor: str = SYSTEM, now: datetime | None = None,
              batch_size: int = 20, session_idle: timedelta | None = None) -> PurgeReport:
    """Purge everything due now, in transactions of `batch_size` cases or messages; returns what was done.
    `session_idle`: the web's idle timeout, past which an unused sign-in is removed before its absolute end."""
    now = now or utcnow()
    report = PurgeReport()
    with single_purger(engine) as mine:
        if not mine:
            report.skipped = True
            return report
        with Session(engine) as session:
            cases, _held = due_cases(session, policy, now)
            messages = due_messages(session, policy, now)
            session.rollback()
        for start in range(0, len(cases), batch_size):
            with Session(engine) as session:
                done = _purge_cases(session, [c.case_pk for c in cases[start:start + batch_size]], policy, now,
                                    actor)
                report.blobs += _delete_unreferenced(session, done.blob_candidates)
                session.commit()
            report.cases += done.references
            report.messages += done.messages
        for start in range(0, len(messages), batch_size):
            with Session(engine) as session:
                done = _purge_messages(session, [m.message_pk for m in messages[start:start + batch_size]],
                                       policy, now, actor)
                report.blobs += _delete_unreferenced(session, done.blob_candidates)
                session.commit()
            report.messages += done.messages
        with Session(engine) as session:
            report.blobs += _sweep_orphans(session)
            session.commit()
        report.audit_events = _purge_audit(engine, policy, now)
        with Session(engine) as session:
            report.sessions, report.oidc_pending = remove_expired_sign_ins(session, now, idle=session_idle)
            if report.cases or report.messages or report.blobs or report.audit_events:
                record(session, actor=actor, action=AuditAction.DATA_PURGED,
                       detail={"cases": len(report.cases), "messages": report.messages, "blobs": report.blobs,
                               "audit_events": report.audit_events})
            session.commit()
    _release_space(engine)
    log.info("%s", report.summary())
    return report


def remove_expired_sign_ins(session: Session, now: datetime, *, idle: timedelta | None = None) -> tuple[int, int]:
    """Delete expired web sessions (past their absolute end, or unused for `idle`) and stale OpenID Connect
    states (caller commits); (sessions, states)."""
    expired = col(WebSession.expires_at) <= now
    if idle is not None:
        last = sa.func.coalesce(col(WebSession.last_seen_at), col(WebSession.created_at))
        expired = sa.or_(expired, last <= now - idle)
    sessions = _delete(session, WebSession, expired)
    states = _delete(session, OidcPending, col(OidcPending.created_at) < now - OIDC_PENDING_MAX_AGE)
    return sessions, states


@dataclass
class _Done:
    references: list[str] = field(default_factory=list)
    messages: int = 0
    blob_candidates: set[str] = field(default_factory=set)


def _purge_cases(session: Session, case_pks: list[int], policy: Policy, now: datetime, actor: str) -> _Done:
    """Empty these cases of personal data, each only if it is still due when looked at inside this transaction."""
    done = _Done()
    # Locked (PostgreSQL; SQLite holds the write lock already), so a hold placed meanwhile waits for this commit.
    rows = session.exec(select(Case).where(col(Case.id).in_(case_pks), ~_purged_case())
                        .order_by(col(Case.id)).with_for_update(skip_locked=True)).all()
    held = set(session.exec(select(LegalHold.case_pk).where(col(LegalHold.case_pk).in_(case_pks))).all())
    for case in rows:
        verdict = case_verdict(CaseFacts(case.status, case.updated_at, held=case.id in held), policy, now)
        if not verdict.due:
            continue
        _empty_case(session, case, verdict, actor, now, done)
        done.references.append(case.reference)
    return done


def _empty_case(session: Session, case: Case, verdict: Verdict, actor: str, now: datetime, done: _Done) -> None:
    case_pk, reference, ended_at = case.id, case.reference, case.updated_at
    message_pks = [m for m in session.exec(select(Message.id).where(Message.case_pk == case_pk)) if m is not None]
    removed = {
        "fields": _delete(session, CaseField, col(CaseField.case_pk) == case_pk),
        "other_answers": _delete(session, CaseOtherAnswer, col(CaseOtherAnswer.case_pk) == case_pk),
        "notes": _delete(session, CaseNote, col(CaseNote.case_pk) == case_pk),
    }
    decision = _decision_words(session, case)
    session.execute(sa.update(Decision).where(col(Decision.case_pk) == case_pk).values(rationale=""))
    session.execute(sa.update(CaseStep).where(col(CaseStep.case_pk) == case_pk).values(note="", detail={}))
    _scrub_audit(session, sa.or_(col(AuditEvent.case_pk) == case_pk, col(AuditEvent.message_pk).in_(message_pks)))
    session.execute(sa.update(Outbox).where(sa.or_(col(Outbox.case_pk) == case_pk,
                                                   col(Outbox.message_pk).in_(message_pks)))
                    .values(**OUTBOX_PERSONAL))
    removed |= _empty_messages(session, message_pks, done)
    # The recommendation's codes stay (reports count them); its reasons and rule hits quote the form, so go.
    # A purged case has no clock left to run (the digest lists running clocks).
    session.execute(sa.update(Case).where(col(Case.id) == case_pk)
                    .values(sender="", reasons=[], triage={}, clock=ClockStage.NONE))
    session.add(DeletionRecord(kind=PurgeKind.CASE, case_pk=case_pk, reference=reference,
                               received_at=case.received_at, ended_at=ended_at, status=str(case.status),
                               track=str(case.track), decision=decision, purged_at=now, purged_by=actor,
                               why=verdict.rule[:300], removed=removed))
    for message_pk in message_pks:
        _tombstone_message(session, message_pk, reference=reference, why=verdict.rule, actor=actor, now=now)
    done.messages += len(message_pks)
    session.flush()


def _decision_words(session: Session, case: Case) -> str:
    """'recommended: CSPR met; staff: CSPR notify' (codes in words, no rationale)."""
    parts = []
    if case.track != "adult":
        parts.append(f"CSPR {code_label(case.cspr)}")
    if case.track != "child":
        parts.append(f"SAR {code_label(case.sar)}")
    text = "recommended: " + ", ".join(parts)
    latest = session.exec(select(Decision).where(Decision.case_pk == case.id)
                          .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())).first()
    if latest is not None:
        staff = [f"CSPR {code_label(latest.cspr)}" if latest.cspr else "", f"SAR {code_label(latest.sar)}"
                 if latest.sar else ""]
        text += "; staff: " + ", ".join(s for s in staff if s)
    return text[:200]


def _purge_messages(session: Session, message_pks: list[int], policy: Policy, now: datetime, actor: str) -> _Done:
    """Empty these unfiled messages, each only if it is still due when looked at inside this transaction."""
    done = _Done()
    rows = session.exec(select(Message).where(col(Message.id).in_(message_pks), ~_purged_message())
                        .order_by(col(Message.id)).with_for_update(skip_locked=True)).all()
    requeued = _went_through_quarantine(session, [m.id for m in rows if m.id is not None])
    for message in rows:
        if message.id is None:
            continue
        facts = MessageFacts(message.disposition, filed=message.case_pk is not None,
                             was_quarantined=bool(message.stage) or message.id in requeued,
                             resolved_at=message.processed_at or message.received_at)
        verdict = message_verdict(facts, policy, now)
        if not verdict.due:
            continue
        _scrub_audit(session, col(AuditEvent.message_pk) == message.id)
        session.execute(sa.update(Outbox).where(col(Outbox.message_pk) == message.id).values(**OUTBOX_PERSONAL))
        removed = _empty_messages(session, [message.id], done)
        _tombstone_message(session, message.id, reference="", why=verdict.rule, actor=actor, now=now,
                           removed=removed)
        done.messages += 1
    session.flush()
    return done


def _empty_messages(session: Session, message_pks: list[int], done: _Done) -> dict[str, int]:
    """Blank the messages' personal columns and delete their attachments and those attachments' previews; the
    bytes they used become candidates for deletion (once the tombstones are written)."""
    if not message_pks:
        return {"attachments": 0, "previews": 0}
    done.blob_candidates.update(session.exec(select(Message.sha256).where(col(Message.id).in_(message_pks))))
    session.execute(sa.update(Message).where(col(Message.id).in_(message_pks)).values(**MESSAGE_PERSONAL))
    shas = set(session.exec(select(StoredAttachment.sha256).where(col(StoredAttachment.message_pk).in_(message_pks))))
    attachments = _delete(session, StoredAttachment, col(StoredAttachment.message_pk).in_(message_pks))
    done.blob_candidates |= shas
    # A preview is cached per content: it goes once no remaining attachment has that content.
    still_used = set(session.exec(select(StoredAttachment.sha256).where(col(StoredAttachment.sha256).in_(shas))))
    gone = sorted(shas - still_used)
    done.blob_candidates.update(p for p in session.exec(select(DocumentPreview.pdf_sha256).where(
        col(DocumentPreview.source_sha256).in_(gone))) if p)
    previews = _delete(session, DocumentPreview, col(DocumentPreview.source_sha256).in_(gone))
    return {"attachments": attachments, "previews": previews}


def _tombstone_message(session: Session, message_pk: int, *, reference: str, why: str, actor: str, now: datetime,
                       removed: dict[str, int] | None = None) -> None:
    message = session.get(Message, message_pk)
    if message is None:
        return
    session.add(DeletionRecord(kind=PurgeKind.MESSAGE, message_pk=message_pk, reference=reference,
                               received_at=message.received_at, ended_at=message.processed_at,
                               status=str(message.disposition), purged_at=now, purged_by=actor, why=why[:300],
                               removed=removed or {}))


def _scrub_audit(session: Session, where: sa.ColumnElement[bool]) -> None:
    """Keep who did what and when; drop detail that may quote the person (old and new values, typed reasons)."""
    for event in session.exec(select(AuditEvent).where(where)):
        detail = event.detail or {}
        kept = {k: v for k, v in detail.items() if k in SAFE_AUDIT_KEYS}
        if kept != detail:
            event.detail = kept
            session.add(event)


def _delete(session: Session, model: type, where: sa.ColumnElement[bool]) -> int:
    return _rows(session, sa.delete(model).where(where))


def _rows(session: Session, statement: sa.Delete) -> int:
    """Run a DELETE; how many rows it removed."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount or 0


def _unreferenced() -> sa.ColumnElement[bool]:
    """Blobs nothing that stays refers to: no attachment, no preview, no message that is not purged."""
    kept_message = select(Message.id).where(col(Message.sha256) == col(Blob.sha256), ~_purged_message())
    return sa.and_(~sa.exists().where(col(StoredAttachment.sha256) == col(Blob.sha256)),
                   ~sa.exists().where(col(DocumentPreview.pdf_sha256) == col(Blob.sha256)),
                   ~kept_message.exists())


def _delete_unreferenced(session: Session, candidates: set[str]) -> int:
    """Delete those of these blobs nothing that stays refers to (a file shared with a kept message survives)."""
    session.flush()
    count = 0
    ordered = sorted(candidates)
    for start in range(0, len(ordered), 500):
        count += _delete(session, Blob, sa.and_(col(Blob.sha256).in_(ordered[start:start + 500]), _unreferenced()))
    return count


def _sweep_orphans(session: Session) -> int:
    """Previews whose content no attachment has any more, and blobs nothing refers to (a purged message delivered
    again stores its bytes once more; a preview cached while its attachment was purged)."""
    used = select(StoredAttachment.sha256).where(col(StoredAttachment.sha256) == col(DocumentPreview.source_sha256))
    _delete(session, DocumentPreview, ~used.exists())
    return _delete(session, Blob, _unreferenced())


def _purge_audit(engine: Engine, policy: Policy, now: datetime) -> int:
    """Delete audit entries older than the audit period (but not those of a case on legal hold), in batches."""
    total = 0
    while True:
        with Session(engine) as session:
            ids = list(session.exec(select(AuditEvent.id).where(_audit_due(policy, now))
                                    .order_by(col(AuditEvent.id)).limit(AUDIT_BATCH)))
            if not ids:
                return total
            total += _delete(session, AuditEvent, col(AuditEvent.id).in_(ids))
            session.commit()


def _release_space(engine: Engine) -> None:
    """SQLite: deleted content is overwritten (secure_delete, set per connection) and the write-ahead log, which
    still holds old pages, is emptied. PostgreSQL reclaims dead rows with (auto)vacuum."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        busy = outside_transaction(connection, "PRAGMA wal_checkpoint(TRUNCATE)")
        if busy and busy[0][0]:
            log.info("purge: the write-ahead log is in use; it is emptied at a later checkpoint")


def deletion_log(session: Session, *, kind: PurgeKind | None = None) -> list[DeletionRecord]:
    """The tombstones, oldest first (optionally of one kind)."""
    statement = select(DeletionRecord).order_by(col(DeletionRecord.id))
    if kind is not None:
        statement = statement.where(DeletionRecord.kind == kind)
    return list(session.exec(statement))


def tombstone_of(session: Session, case_pk: int) -> DeletionRecord | None:
    """The tombstone of a purged case, or None while its data is held."""
    return session.exec(select(DeletionRecord).where(DeletionRecord.case_pk == case_pk)).first()


def is_purged_message(session: Session, message_pk: int) -> bool:
    """Whether a ledger message's content was purged."""
    return session.exec(select(DeletionRecord.id).where(DeletionRecord.message_pk == message_pk)).first() is not None


def tombstone_to_dict(row: DeletionRecord) -> dict[str, Any]:
    """One deletion-log row for `purge --log` (no personal data is ever in one)."""
    return {"kind": str(row.kind), "reference": row.reference or None, "case_pk": row.case_pk,
            "message_pk": row.message_pk, "received_at": row.received_at.isoformat(),
            "ended_at": row.ended_at.isoformat() if row.ended_at else None, "status": row.status,
            "track": row.track or None, "decision": row.decision or None, "purged_at": row.purged_at.isoformat(),
            "purged_by": row.purged_by, "why": row.why, "removed": dict(row.removed or {})}

"""Fields proposed by a follow-up "from a different sender", and a person's decision on them.

A follow-up whose sender the case does not trust (rules/senders.py) keeps its fields as proposals: never
current, so they change neither the case page's values nor the recommendation. Accepting one makes it current
as a correction does (the old value kept as history, the rules and the duplicates check run again); rejecting
one keeps it, marked rejected. When nothing is left to decide the case's `different_sender` flag goes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from intake.store.audit import AuditAction, record
from intake.store.cases import Classifier, reclassify
from intake.store.duplicates import recheck_person
from intake.store.models import Case, CaseField, Message, Proposal, utcnow
from intake.store.rows import pk
from parsers.values import Flag


@dataclass(frozen=True)
class Decided:
    """What a decision on proposed fields did."""

    accepted: tuple[str, ...] = ()  # field names now current
    rejected: tuple[str, ...] = ()
    flag_cleared: bool = False
    duplicate_of: str | None = None


def proposed_fields(session: Session, case_pk: int) -> list[CaseField]:
    """The fields waiting for a decision, oldest first."""
    statement = select(CaseField).where(CaseField.case_pk == case_pk, CaseField.proposal == Proposal.PROPOSED)
    return list(session.exec(statement.order_by(col(CaseField.id))))


def different_sender_messages(session: Session, case_pk: int) -> list[Message]:
    """The case's emails that came from a different sender (flags are read in Python: a JSON list)."""
    messages = session.exec(select(Message).where(Message.case_pk == case_pk).order_by(col(Message.id)))
    return [m for m in messages if Flag.DIFFERENT_SENDER in (m.flags or [])]


def accept(session: Session, *, case: Case, field_ids: Collection[int] | None, actor: str, classify: Classifier,
           window_days: int) -> Decided:
    """Make proposed fields current (all when `field_ids` is None); the caller commits."""
    chosen = _chosen(session, case, field_ids)
    for row in chosen:  # oldest first: of two proposals for one field, the later one stands
        old = session.exec(select(CaseField).where(CaseField.case_pk == case.id, CaseField.name == row.name,
                                                   col(CaseField.current).is_(True))).first()
        if old is not None:
            old.current = False
            session.add(old)
        row.current, row.proposal = True, Proposal.ACCEPTED
        session.add(row)
        session.flush()
        record(session, actor=actor, action=AuditAction.PROPOSED_FIELD_ACCEPTED, case_pk=pk(case),
               message_pk=row.message_pk, detail={"field": row.name, "old": _value(old), "new": row.value})
    match = None
    if chosen:
        reclassify(session, case, classify)  # the recommendation follows the fields as they now stand
        match = recheck_person(session, case=case, window_days=window_days)
    cleared = _clear_flag_when_done(session, case)
    return Decided(accepted=tuple(r.name for r in chosen), flag_cleared=cleared,
                   duplicate_of=match.reference if match else None)


def reject(session: Session, *, case: Case, field_ids: Collection[int] | None, actor: str) -> Decided:
    """Mark proposed fields rejected (all when `field_ids` is None); they stay, never current. Caller commits."""
    chosen = _chosen(session, case, field_ids)
    for row in chosen:
        row.proposal = Proposal.REJECTED
        session.add(row)
        record(session, actor=actor, action=AuditAction.PROPOSED_FIELD_REJECTED, case_pk=pk(case),
               message_pk=row.message_pk, detail={"field": row.name})
    session.flush()
    return Decided(rejected=tuple(r.name for r in chosen), flag_cleared=_clear_flag_when_done(session, case))


def mark_reviewed(session: Session, *, case: Case, actor: str) -> bool:
    """Clear the flag of a follow-up from a different sender that proposed nothing (text only); False when
    fields still wait for a decision. The caller commits."""
    if proposed_fields(session, pk(case)):
        return False
    record(session, actor=actor, action=AuditAction.DIFFERENT_SENDER_REVIEWED, case_pk=pk(case))
    _clear_flag_when_done(session, case)
    return True


def _chosen(session: Session, case: Case, field_ids: Collection[int] | None) -> list[CaseField]:
    pending = proposed_fields(session, pk(case))
    return pending if field_ids is None else [row for row in pending if row.id in set(field_ids)]


def _clear_flag_when_done(session: Session, case: Case) -> bool:
    if proposed_fields(session, pk(case)) or Flag.DIFFERENT_SENDER not in case.flags:
        return False
    case.flags = [f for f in case.flags if f != Flag.DIFFERENT_SENDER]
    case.updated_at = utcnow()
    session.add(case)
    return True


def _value(row: CaseField | None) -> Any:
    return row.value if row is not None else None

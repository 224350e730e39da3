"""Legal holds: a case on hold is never purged, whatever its age. Placing and releasing one is audited with why."""

from __future__ import annotations

from sqlmodel import Session

from intake.store.audit import AuditAction, record
from intake.store.models import Case, LegalHold, utcnow
from intake.store.rows import pk

REASON_MAX = 1000


class HoldError(ValueError):
    """The hold cannot be placed or released as asked (the message says why)."""


def hold_of(session: Session, case: Case) -> LegalHold | None:
    """The case's legal hold, if it has one."""
    return session.get(LegalHold, pk(case))


def place_hold(session: Session, *, case: Case, reason: str, actor: str) -> LegalHold:
    """Put the case on legal hold, in the caller's transaction; the reason is required and audited."""
    why = " ".join(reason.split())[:REASON_MAX]
    if not why:
        raise HoldError("say why the case is on hold (e.g. an inquest, a claim, a review still running)")
    if hold_of(session, case) is not None:
        raise HoldError("the case is already on legal hold")
    hold = LegalHold(case_pk=pk(case), reason=why, placed_by=actor, placed_at=utcnow())
    session.add(hold)
    record(session, actor=actor, action=AuditAction.LEGAL_HOLD_PLACED, case_pk=pk(case), detail={"reason": why})
    return hold


def release_hold(session: Session, *, case: Case, reason: str, actor: str) -> None:
    """Take the case off legal hold, in the caller's transaction; the reason is required and audited."""
    why = " ".join(reason.split())[:REASON_MAX]
    if not why:
        raise HoldError("say why the hold is released")
    hold = hold_of(session, case)
    if hold is None:
        raise HoldError("the case is not on legal hold")
    session.delete(hold)
    record(session, actor=actor, action=AuditAction.LEGAL_HOLD_RELEASED, case_pk=pk(case),
           detail={"reason": why, "placed_by": hold.placed_by, "placed_at": hold.placed_at.isoformat()})

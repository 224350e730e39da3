"""The audit trail of the web UI: every view and every change of a case or message, by whom and when."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from intake.store.models import SYSTEM, AuditAction, AuditEvent, Case

__all__ = ["SYSTEM", "AuditAction", "case_history", "record", "search_events"]


def record(session: Session, *, actor: str, action: AuditAction, case_pk: int | None = None,
           message_pk: int | None = None, detail: dict[str, Any] | None = None) -> None:
    """Add an audit entry to the caller's transaction (the caller commits it with the change it describes)."""
    session.add(AuditEvent(actor=actor, action=action, case_pk=case_pk, message_pk=message_pk,
                           detail=detail or {}))


def case_history(session: Session, case_pk: int, *, limit: int = 200) -> Sequence[AuditEvent]:
    """A case's audit entries, newest first."""
    statement = (select(AuditEvent).where(AuditEvent.case_pk == case_pk)
                 .order_by(col(AuditEvent.id).desc()).limit(limit))
    return list(session.exec(statement))


def search_events(session: Session, *, actor: str = "", reference: str = "", before_id: int | None = None,
                  limit: int = 100) -> list[tuple[AuditEvent, str | None]]:
    """Audit entries newest first, optionally by actor or case reference, paged by id (keyset)."""
    statement = (select(AuditEvent, Case.reference).join(Case, col(Case.id) == AuditEvent.case_pk, isouter=True)
                 .order_by(col(AuditEvent.id).desc()).limit(limit))
    if actor:
        statement = statement.where(AuditEvent.actor == actor)
    if reference:
        statement = statement.where(Case.reference == reference)
    if before_id is not None:
        statement = statement.where(col(AuditEvent.id) < before_id)
    return [(event, ref) for event, ref in session.exec(statement)]

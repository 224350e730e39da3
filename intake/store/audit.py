"""The audit trail of the web UI: every view and every change of a case or message, by whom and when."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from intake.store.models import AuditEvent, Case

SYSTEM = "system"  # the actor of everything the service does by itself (filing, sending, flagging)


class AuditAction(StrEnum):
    """What a person did, or what the service did by itself (recorded with the actor `SYSTEM`)."""

    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    SIGN_IN_REFUSED = "sign_in_refused"
    CASE_VIEWED = "case_viewed"
    EMAIL_DOWNLOADED = "email_downloaded"
    ATTACHMENT_DOWNLOADED = "attachment_downloaded"
    FIELD_CORRECTED = "field_corrected"
    DECISION_RECORDED = "decision_recorded"
    CASE_ASSIGNED = "case_assigned"
    STATUS_CHANGED = "status_changed"
    NOTE_ADDED = "note_added"
    DUPLICATE_LINKED = "duplicate_linked"
    DUPLICATE_UNLINKED = "duplicate_unlinked"
    MESSAGE_REQUEUED = "message_requeued"
    MESSAGE_NOT_REFERRAL = "message_not_referral"
    MAIL_RETRIED = "mail_retried"
    QUEUE_EXPORTED = "queue_exported"
    ATTACHMENT_UNLOCKED = "attachment_unlocked"
    ATTACHMENT_UNLOCK_REFUSED = "attachment_unlock_refused"
    # The service's own actions.
    CASE_CREATED = "case_created"
    FOLLOW_UP_RECEIVED = "follow_up_received"
    BOUNCE_RECEIVED = "bounce_received"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    ACKNOWLEDGEMENT_SENT = "acknowledgement_sent"
    ACKNOWLEDGEMENT_SUPPRESSED = "acknowledgement_suppressed"
    ACKNOWLEDGEMENT_FAILED = "acknowledgement_failed"
    ACKNOWLEDGEMENT_BOUNCED = "acknowledgement_bounced"


def record(session: Session, *, actor: str, action: AuditAction, case_pk: int | None = None,
           message_pk: int | None = None, detail: dict[str, Any] | None = None) -> None:
    """Add an audit entry to the caller's transaction (the caller commits it with the change it describes)."""
    session.add(AuditEvent(actor=actor, action=str(action), case_pk=case_pk, message_pk=message_pk,
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

"""Reading an encrypted attachment once staff have the password (given by phone, never by email).

The password is used for one extraction and forgotten: it is not stored, logged or audited. The form's
fields join the case (filling gaps; what the case already has stays current), the document flags are
updated, and the rules run again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, select

from intake.config.settings import Settings
from intake.store import audit
from intake.store.audit import AuditAction
from intake.store.cases import Classifier, reclassify
from intake.store.duplicates import recheck_person
from intake.store.models import Blob, Case, CaseField, Message, StoredAttachment, utcnow
from intake.worker.isolation import extract_isolated
from intake.worker.stages import extraction_limits
from parsers.values import Attachment, ExtractedForm, Flag, FormType


class UnlockOutcome(StrEnum):
    """What supplying a password achieved."""

    READ = "read"
    WRONG_PASSWORD = "wrong_password"
    NOT_ENCRYPTED = "not_encrypted"


@dataclass(frozen=True)
class UnlockResult:
    """The outcome, and how many fields the form gave."""

    outcome: UnlockOutcome
    fields: int = 0


def unlock_attachment(session: Session, *, case: Case, attachment_id: int, password: str, settings: Settings,
                      classify: Classifier, actor: str) -> UnlockResult:
    """Read an encrypted attachment of `case` with `password`; the caller commits."""
    row = session.get(StoredAttachment, attachment_id)
    message = session.get(Message, row.message_pk) if row is not None else None
    if row is None or message is None or message.case_pk != case.id:
        raise LookupError("no such attachment on this case")
    if Flag.ENCRYPTED_ATTACHMENT not in row.flags:
        return UnlockResult(UnlockOutcome.NOT_ENCRYPTED)
    data = session.exec(select(Blob.data).where(Blob.sha256 == row.sha256)).one()
    form = extract_isolated(Attachment(row.filename, row.content_type, data, row.origin),
                            vocabulary_path=settings.forms.vocabulary_file, limits=extraction_limits(settings),
                            password=password)
    if Flag.ENCRYPTED_ATTACHMENT in form.flags:
        audit.record(session, actor=actor, action=AuditAction.ATTACHMENT_UNLOCK_REFUSED, case_pk=case.id,
                     message_pk=message.id, detail={"attachment": attachment_id})
        return UnlockResult(UnlockOutcome.WRONG_PASSWORD)
    _record_form(session, case, row, form)
    reclassify(session, case, classify)
    # The form may name a person already referred: the duplicates check runs as it would have on arrival.
    recheck_person(session, case=case, window_days=settings.duplicates.window_days)
    session.add(case)
    audit.record(session, actor=actor, action=AuditAction.ATTACHMENT_UNLOCKED, case_pk=case.id,
                 message_pk=message.id, detail={"attachment": attachment_id, "fields": len(form.fields)})
    return UnlockResult(UnlockOutcome.READ, len(form.fields))


def _record_form(session: Session, case: Case, row: StoredAttachment, form: ExtractedForm) -> None:
    have = set(session.exec(select(CaseField.name).where(CaseField.case_pk == case.id, CaseField.current)))
    for field in form.fields.values():
        value = list(field.value) if isinstance(field.value, tuple) else field.value
        session.add(CaseField(case_pk=case.id, name=field.name, value=value, source=field.source,
                              confidence=field.confidence, label=field.label[:300], inferred=field.inferred,
                              current=field.name not in have))
    row.flags = sorted(str(f) for f in form.flags)
    row.warnings = list(form.warnings)
    row.form_type = form.form_type
    session.add(row)
    still_locked = any(Flag.ENCRYPTED_ATTACHMENT in other.flags for other in session.exec(
        select(StoredAttachment).join(Message, Message.id == StoredAttachment.message_pk)
        .where(Message.case_pk == case.id, StoredAttachment.id != row.id)))
    flags = set(case.flags) | {str(f) for f in form.flags}
    if not still_locked:
        flags.discard(str(Flag.ENCRYPTED_ATTACHMENT))
    case.flags = sorted(flags)
    if case.form_type == FormType.UNKNOWN:
        case.form_type = form.form_type
    case.updated_at = utcnow()

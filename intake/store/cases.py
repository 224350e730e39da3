"""Filing: cases, their fields and attachments, written inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from intake.store.audit import SYSTEM, AuditAction, record
from intake.store.dialect import insert_ignore
from intake.store.ledger import store_blob
from intake.store.models import (
    Case,
    CaseField,
    Message,
    Outbox,
    Proposal,
    ReferenceCounter,
    StoredAttachment,
    utcnow,
)
from intake.store.purge import not_purged
from intake.store.steps import refresh_clock
from parsers.forms.normalise import nhs_digits, nhs_number_valid
from parsers.values import Attachment, ExtractedForm, Field, Flag, FormType
from rules.review import live_clock
from rules.screen import ThreadFacts, ThreadQuery
from rules.values import Signpost, Track, Triage

LONDON = ZoneInfo("Europe/London")


def reference_prefix(track: str, form_type: str) -> str:
    """SAR for adults, CSPR for children; by form type when the age is unknown; REF when nothing says."""
    if track == Track.CHILD:
        return "CSPR"
    if track == Track.ADULT:
        return "SAR"
    return {FormType.SAR_REFERRAL: "SAR", FormType.CHILD_REFERRAL: "CSPR"}.get(FormType(form_type), "REF")


def allocate_reference(session: Session, *, prefix: str, received_at: datetime) -> str:
    """The next reference for a prefix in the year received (Europe/London), e.g. SAR-2026-0007."""
    year = received_at.astimezone(LONDON).year
    insert_ignore(session, ReferenceCounter.__table__, {"prefix": prefix, "year": year, "last": 0},
                  ["prefix", "year"])
    # The UPDATE takes the row lock, so concurrent filers queue here and never share a number.
    where = (col(ReferenceCounter.prefix) == prefix, col(ReferenceCounter.year) == year)
    session.execute(sa.update(ReferenceCounter).where(*where).values(last=ReferenceCounter.last + 1))
    number = session.exec(select(ReferenceCounter.last).where(*where)).one()
    return f"{prefix}-{year}-{number:04d}"


def save_attachments(session: Session, *, message_pk: int,
                     items: Sequence[tuple[Attachment, ExtractedForm | None]]) -> None:
    """Keep every attachment's bytes and what reading it gave (and what the parser found wrong with it)."""
    for attachment, form in items:
        digest = store_blob(session, attachment.data)
        session.add(StoredAttachment(
            message_pk=message_pk, filename=attachment.filename[:500], content_type=attachment.content_type[:200],
            origin=attachment.origin[:300], sha256=digest, size=attachment.size, is_form=form is not None,
            form_type=form.form_type if form else FormType.UNKNOWN,
            flags=sorted({*attachment.flags, *(form.flags if form else ())}),
            warnings=[*attachment.warnings, *(form.warnings if form else ())],
        ))


def _field_values(case_pk: int, form: ExtractedForm, *, current: bool, message_pk: int | None = None,
                  proposal: Proposal | None = None) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {"case_pk": case_pk, "name": f.name, "value": list(f.value) if isinstance(f.value, tuple) else f.value,
         "source": f.source, "confidence": f.confidence, "label": f.label[:300], "inferred": f.inferred,
         "current": current, "corrected_by": None, "created_at": now, "proposal": proposal, "message_pk": message_pk}
        for f in form.fields.values()
    ]


def _field_rows(case_pk: int, form: ExtractedForm, *, current: bool, message_pk: int | None = None,
                proposal: Proposal | None = None) -> list[CaseField]:
    return [CaseField(**values) for values in _field_values(case_pk, form, current=current, message_pk=message_pk,
                                                             proposal=proposal)]


def apply_triage(case: Case, triage: Triage, *, extra_flags: Sequence[str] = ()) -> None:
    """Copy a recommendation onto the case's columns (the export reads these)."""
    case.track = triage.track
    case.cspr = triage.cspr
    case.sar = triage.sar
    case.reasons = list(triage.reasons)
    case.signposts = [str(s) for s in triage.signposts]
    case.flags = sorted({*(str(f) for f in triage.flags), *extra_flags})
    case.panel_notification = triage.deadlines.panel_notification
    case.rapid_review = triage.deadlines.rapid_review
    case.live_concern = Signpost.LIVE_CONCERN in triage.signposts
    provisional = triage.provisional_deadlines
    case.triage = {
        "hits": [{"rule": h.rule, "description": h.description, "law": h.law, "matched": h.matched,
                  "reason": h.reason} for h in triage.hits],
        "suggestions": [{"field": s.field, "value": list(s.value) if isinstance(s.value, tuple) else s.value,
                         "sentence": s.sentence, "rule": s.rule} for s in triage.suggestions],
        "questions": list(triage.questions),
        "deadlines_estimated": triage.deadlines.estimated_from_receipt,
        "aware_on": triage.deadlines.aware_on.isoformat() if triage.deadlines.aware_on else None,
        "ranked_questions": [{"question": q.text, "rule": q.rule, "rank": q.rank, "kind": q.kind}
                             for q in triage.ranked_questions],
        "provisional_deadlines": {
            "panel_notification": provisional.panel_notification.isoformat(),
            "rapid_review": provisional.rapid_review.isoformat() if provisional.rapid_review else None,
        } if provisional is not None and provisional.panel_notification else None,
    }
    clock = live_clock(panel_due=case.panel_notification or (provisional and provisional.panel_notification),
                       review_due=case.rapid_review or (provisional and provisional.rapid_review), steps=())
    case.clock, case.nearest_deadline = clock.stage, clock.due
    case.updated_at = utcnow()


def file_new_case(session: Session, *, message_pk: int, received_at: datetime, sender: str,
                  form: ExtractedForm, triage: Triage) -> Case:
    """Create the case for a new referral, with its fields and an audit entry (caller commits)."""
    reference = allocate_reference(session, prefix=reference_prefix(triage.track, form.form_type),
                                   received_at=received_at)
    case = Case(reference=reference, received_at=received_at, sender=sender, form_type=form.form_type)
    apply_triage(case, triage, extra_flags=[str(f) for f in form.flags])
    session.add(case)
    session.flush()
    rows = _field_values(case.id, form, current=True, message_pk=message_pk)
    if rows:  # one multi-row INSERT: building and flushing a model object per field cost more than the insert
        session.execute(sa.insert(CaseField), rows)
    record(session, actor=SYSTEM, action=AuditAction.CASE_CREATED, case_pk=case.id, message_pk=message_pk,
           detail={"reference": reference})
    return case


def case_by_reference(session: Session, *, reference: str) -> Case | None:
    """The case with this reference, if any."""
    return session.exec(select(Case).where(Case.reference == reference)).one_or_none()


def existing_references(session: Session, *, references: Sequence[str]) -> frozenset[str]:
    """Those of these references that name a case."""
    if not references:
        return frozenset()
    return frozenset(session.exec(select(Case.reference).where(col(Case.reference).in_(list(references)),
                                                               not_purged())))


def thread_facts(session: Session, *, query: ThreadQuery) -> ThreadFacts:
    """What the queue knows about a message's thread, for screening (rules/screen.py stays pure)."""
    reply_case = case_for_message_ids(session, query.reply_ids)
    own_reply_case = sent_case_for_message_ids(session, query.reply_ids)
    existing = existing_references(session, references=query.subject_references)
    named = {r for r in (reply_case, own_reply_case, *existing) if r}
    return ThreadFacts(
        reply_case=reply_case,
        bounced_case=case_for_message_ids(session, query.bounced_ids),
        existing_references=existing,
        own_reply_case=own_reply_case,
        referrers={reference: referrer_addresses(session, reference) for reference in named},
    )


def referrer_addresses(session: Session, reference: str) -> frozenset[str]:
    """Who the case trusts as its referrer: the sender it was filed from, and the referrer's email on its form.

    Compared in Python, never in SQL: addresses are personal data (sealed at rest).
    """
    case = case_by_reference(session, reference=reference)
    if case is None:
        return frozenset()
    emails = session.exec(select(CaseField.value).where(CaseField.case_pk == case.id, CaseField.current,
                                                        CaseField.name == "referrer.email"))
    return frozenset(a.strip().lower() for a in (case.sender, *emails) if isinstance(a, str) and "@" in a)


def file_follow_up(session: Session, *, case: Case, message_pk: int, form: ExtractedForm | None,
                   trusted: bool = True, flags: Sequence[str] = ()) -> int:
    """Keep a follow-up with its case; returns how many of its fields were only proposed.

    From a trusted sender its fields fill gaps but never overwrite what the case has. From a different sender
    every field is proposed: kept, never current, until a person accepts it (intake/store/proposals.py).
    """
    proposed = 0
    if form is not None and trusted:
        have = set(session.exec(select(CaseField.name).where(CaseField.case_pk == case.id, CaseField.current)))
        rows = _field_rows(case.id, form, current=False, message_pk=message_pk)
        for row in rows:
            row.current = row.name not in have
        session.add_all(rows)
    elif form is not None:
        rows = _field_rows(case.id, form, current=False, message_pk=message_pk, proposal=Proposal.PROPOSED)
        session.add_all(rows)
        proposed = len(rows)
    case.flags = sorted({*case.flags, *flags, *([] if trusted else [str(Flag.DIFFERENT_SENDER)])})
    case.updated_at = utcnow()
    session.add(case)
    detail = {} if trusted else {"sender": "a different sender", "proposed_fields": proposed}
    record(session, actor=SYSTEM, action=AuditAction.FOLLOW_UP_RECEIVED, case_pk=case.id, message_pk=message_pk,
           detail=detail)
    return proposed


def message_ids_of(session: Session, case_pk: int) -> list[str]:
    """Message-IDs of every email filed under a case, oldest first."""
    statement = select(Message.message_id).where(Message.case_pk == case_pk).order_by(col(Message.id))
    return [m for m in session.exec(statement) if m]


def sent_case_for_message_ids(session: Session, message_ids: Sequence[str]) -> str | None:
    """The case one of these Message-IDs was SENT from (ours, recorded in the outbox), or None."""
    if not message_ids:
        return None
    sent = select(Case.reference).join(Outbox, col(Outbox.case_pk) == Case.id).where(
        col(Outbox.message_id).in_(list(message_ids)), not_purged())
    return session.exec(sent.limit(1)).first()


def case_for_message_ids(session: Session, message_ids: Sequence[str]) -> str | None:
    """The case a thread belongs to: any of these Message-IDs filed under a case (or sent from one). A purged case
    has no thread any more: a reply to it is a new referral, never data added to a case emptied for retention."""
    if not message_ids:
        return None
    filed = select(Case.reference).join(Message, col(Message.case_pk) == Case.id).where(
        col(Message.message_id).in_(list(message_ids)), not_purged())
    found = session.exec(filed.limit(1)).first()
    return found or sent_case_for_message_ids(session, message_ids)


def current_fields(session: Session, case_pk: int) -> list[CaseField]:
    """The fields as they stand (corrections applied)."""
    statement = select(CaseField).where(CaseField.case_pk == case_pk, CaseField.current).order_by(col(CaseField.name))
    return list(session.exec(statement))


# Flags the rules raise; they are recomputed, never carried over, when a case is classified again.
RULE_FLAGS = frozenset({Flag.TRACK_MISMATCH, Flag.TRANSITION_CASE, Flag.CARE_LEAVER, Flag.DEADLINE_ESTIMATED,
                        Flag.AGE_UNCERTAIN, Flag.CONTRADICTION, Flag.OUT_OF_AREA})

Classifier = Callable[[Mapping[str, Field], FormType, datetime], Triage]


def reclassify(session: Session, case: Case, classify: Classifier) -> None:
    """Run the rules again on the fields as they now stand (corrected, or read from an unlocked form).

    Flags from reading the documents stay; the rules' own flags are recomputed, and an NHS number a
    person corrected is checked again, so no flag outlives the fact it was raised for.
    """
    rows = current_fields(session, case.id)
    fields = {f.name: Field(f.name, tuple(f.value) if isinstance(f.value, list) else f.value, f.source,
                            float(f.confidence), f.label, f.inferred) for f in rows}
    form_type = FormType(case.form_type) if case.form_type in {t.value for t in FormType} else FormType.UNKNOWN
    triage = classify(fields, form_type, case.received_at)
    kept = {f for f in case.flags if f not in RULE_FLAGS and f != Flag.INVALID_NHS_NUMBER}
    nhs = fields.get("subject.nhs_number")
    if nhs is not None and isinstance(nhs.value, str):
        digits = nhs_digits(nhs.value)
        if digits is None or not nhs_number_valid(digits):
            kept.add(str(Flag.INVALID_NHS_NUMBER))
    apply_triage(case, triage, extra_flags=sorted(kept))
    refresh_clock(session, case=case)  # recorded steps keep their effect on the clock and the status

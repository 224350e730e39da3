"""The review after triage, recorded: one row per step (date, person, note, details), each audited.

The case's live clock (`clock`, `nearest_deadline`) and its status follow from these rows (rules/review.py):
the Panel clock runs until the notification is recorded, the rapid review clock until its report is sent, and
withdrawal, transfer or routing elsewhere stops both. A staff decision alone never stops a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from intake.store.audit import AuditAction
from intake.store.audit import record as audit_record
from intake.store.models import Case, CaseStatus, UtcDateTime, utcnow
from intake.store.sealing import SealedJSON, SealedText
from rules.review import StepKind, live_clock, review_state


class CaseStep(SQLModel, table=True):
    """One recorded step of the review after triage."""

    __tablename__ = "case_steps"

    id: int | None = Field(default=None, primary_key=True)
    case_pk: int = Field(foreign_key="cases.id", index=True)
    kind: StepKind = Field(sa_type=sa.String(40))
    happened_on: date  # the day the step happened (not the day it was typed in)
    actor: str = Field(max_length=100)
    note: str = Field(default="", sa_type=SealedText)
    # Per kind: panel_reference; outcome (RapidReviewOutcome); to_whom; decision (ChairSarDecision) and
    # rationale; partnership; route (Route).
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=SealedJSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


@dataclass(frozen=True)
class StepInput:
    """A step as a person records it."""

    kind: StepKind
    on: date
    note: str = ""
    detail: dict[str, str] = field(default_factory=dict)


# The details each kind of step must carry (a rapid review without its outcome says little).
REQUIRED_DETAIL: dict[StepKind, tuple[str, ...]] = {
    StepKind.PANEL_NOTIFIED: ("panel_reference",),
    StepKind.RAPID_REVIEW_HELD: ("outcome",),
    StepKind.LAC_DEATH_NOTIFIED: ("to_whom",),
    StepKind.CARE_LEAVER_DEATH_NOTIFIED: ("to_whom",),
    StepKind.SAR_DECIDED: ("decision", "rationale"),
    StepKind.TRANSFERRED: ("partnership",),
    StepKind.ROUTED_ELSEWHERE: ("route",),
}


def steps_of(session: Session, *, case_pk: int) -> list[CaseStep]:
    """A case's steps in the order they happened (then as recorded)."""
    statement = (select(CaseStep).where(CaseStep.case_pk == case_pk)
                 .order_by(col(CaseStep.happened_on), col(CaseStep.id)))
    return list(session.exec(statement))


def record_step(session: Session, *, case: Case, step: StepInput, actor: str) -> CaseStep:
    """Add a step, audit it and move the clock and status on, in the caller's transaction."""
    if case.id is None:
        raise ValueError("the case is not filed yet")
    missing = [name for name in REQUIRED_DETAIL.get(step.kind, ()) if not step.detail.get(name, "").strip()]
    if missing:
        raise ValueError(f"{step.kind.label}: {', '.join(missing)} is needed")
    row = CaseStep(case_pk=case.id, kind=step.kind, happened_on=step.on, actor=actor, note=step.note[:5000],
                   detail={k: v[:500] for k, v in step.detail.items() if v})
    session.add(row)
    session.flush()
    audit_record(session, actor=actor, action=AuditAction.STEP_RECORDED, case_pk=case.id,
                 detail={"step": str(step.kind), "on": step.on.isoformat(), "id": row.id})
    refresh_clock(session, case=case)
    return row


def refresh_clock(session: Session, *, case: Case) -> None:
    """Set the case's live clock, due date and status from its deadlines and recorded steps."""
    kinds = {StepKind(s.kind) for s in steps_of(session, case_pk=case.id)} if case.id is not None else set()
    provisional = (case.triage or {}).get("provisional_deadlines") or {}
    clock = live_clock(
        panel_due=case.panel_notification or _day(provisional.get("panel_notification")),
        review_due=case.rapid_review or _day(provisional.get("rapid_review")),
        steps=kinds, provisional=bool(provisional) and case.panel_notification is None)
    case.clock = clock.stage
    case.nearest_deadline = clock.due
    state = review_state(kinds)
    if state is not None:
        case.status = CaseStatus(state.value)
    case.updated_at = utcnow()
    session.add(case)


def _day(text: object) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) and text else None


def step_to_dict(step: CaseStep) -> dict[str, Any]:
    """One step for the export."""
    return {"kind": step.kind, "on": step.happened_on.isoformat(), "actor": step.actor, "note": step.note,
            "detail": dict(step.detail), "recorded_at": step.created_at.isoformat()}

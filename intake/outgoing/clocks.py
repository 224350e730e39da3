"""Live concerns and running statutory clocks, as the digest lists them (references, dates and labels only).

A clock runs until the step that stops it is recorded (intake/store/steps.py), whatever the case's status: a
staff decision does not hide a rapid review date. A live concern is listed while the case is not closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from intake.store.models import Case, CaseStatus
from rules.review import ClockStage

LIST_LIMIT = 15
ENDED = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.TRANSFERRED, CaseStatus.ROUTED_ELSEWHERE)


@dataclass(frozen=True)
class ClockItem:
    """One case in a listing: its reference, the live clock's due date and what the clock is for."""

    reference: str
    due: date | None
    label: str


@dataclass(frozen=True)
class ClockListing:
    """Up to LIST_LIMIT items and how many there are in all."""

    items: list[ClockItem]
    total: int


def clock_running() -> sa.ColumnElement[bool]:
    """Cases whose statutory clock is running."""
    return sa.and_(col(Case.clock) != "", col(Case.nearest_deadline).is_not(None))


def _label(case_clock: str, provisional: bool) -> str:
    stage = ClockStage(case_clock) if case_clock in {s.value for s in ClockStage} else ClockStage.NONE
    return stage.label + (" (if a child)" if provisional else "")


def _items(session: Session, where: list[sa.ColumnElement[bool]]) -> ClockListing:
    statement = select(Case).where(*where).order_by(col(Case.nearest_deadline).nulls_last(), col(Case.id))
    rows = list(session.exec(statement.limit(LIST_LIMIT)))
    total = session.exec(select(func.count()).select_from(Case).where(*where)).one()
    return ClockListing([ClockItem(c.reference, c.nearest_deadline,
                                   _label(c.clock, c.panel_notification is None and bool(c.clock)))
                         for c in rows], total)


def live_concerns(session: Session) -> ClockListing:
    """Cases with a live concern that are not closed, soonest clock first."""
    return _items(session, [col(Case.live_concern).is_(True), col(Case.status).not_in([s.value for s in ENDED])])


def running_clocks(session: Session) -> ClockListing:
    """Every case whose statutory clock is running, soonest first, with the clock's name."""
    return _items(session, [clock_running()])

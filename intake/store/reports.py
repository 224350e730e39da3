"""Monthly figures for managers and the board's annual report: counts and times only, never personal data.

A case counts in the month (London time) it was received. Source organisation is the referrer's
organisation as the form states it, else the sender's mail domain: organisations, never people.
Deadlines are the statutory ones a child's case carries (Working Together 2023): the Panel notification, met when
the step "Panel notified" is recorded as happening on or before its day, and the rapid review, met by "rapid review
held". Each is missed when its step came later or the day passed without it, pending otherwise, and not counted
once the case was withdrawn, transferred or routed elsewhere. A case with neither (an adult's) counts its own
nearest deadline, met by the first staff decision.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from intake.store.models import Case, CaseField, Decision, MailKind, Outbox
from intake.store.rows import pk
from intake.store.steps import CaseStep
from rules.review import StepKind

LONDON = ZoneInfo("Europe/London")
BOM = "\ufeff"
TRACKS = ("child", "adult", "unknown")


class DeadlineState(StrEnum):
    """How a deadline went."""

    MET = "met"
    MISSED = "missed"
    PENDING = "pending"


@dataclass
class MonthFigures:
    """One month's figures."""

    month: date  # the first of the month
    referrals: int = 0
    by_track: Counter[str] = field(default_factory=Counter)
    by_organisation: Counter[str] = field(default_factory=Counter)
    hours_to_acknowledge: list[float] = field(default_factory=list)
    days_to_decision: list[float] = field(default_factory=list)
    deadlines: Counter[DeadlineState] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def label(self) -> str:
        """'03/2026'."""
        return self.month.strftime("%m/%Y")

    def median_hours_to_acknowledge(self) -> float | None:
        """Median hours from receipt to the acknowledgement being sent."""
        return round(statistics.median(self.hours_to_acknowledge), 1) if self.hours_to_acknowledge else None

    def median_days_to_decision(self) -> float | None:
        """Median days from receipt to the first staff decision."""
        return round(statistics.median(self.days_to_decision), 1) if self.days_to_decision else None


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from `first`'s to `last`'s, inclusive."""
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def monthly_figures(session: Session, *, first: date, last: date, today: date) -> list[MonthFigures]:
    """The figures for every month from `first` to `last` (months of London time), oldest first."""
    figures = {m: MonthFigures(m) for m in months_between(first, last)}
    start = datetime.combine(first.replace(day=1), datetime.min.time(), LONDON)
    end_month = months_between(last, last)[0]
    end = datetime.combine(date(end_month.year + end_month.month // 12, end_month.month % 12 + 1, 1),
                           datetime.min.time(), LONDON)
    cases = session.exec(select(Case).where(col(Case.received_at) >= start, col(Case.received_at) < end)).all()
    ids = [pk(c) for c in cases]
    facts = _Facts(_organisations(session, ids), _decisions(session, ids), _acknowledged(session, ids),
                   _steps(session, ids), today)
    for case in cases:
        facts.count(figures[case.received_at.astimezone(LONDON).date().replace(day=1)], case)
    return list(figures.values())


def _acknowledged(session: Session, ids: list[int]) -> dict[int, datetime]:
    """Per case: when its first acknowledgement was sent."""
    if not ids:
        return {}
    rows = session.exec(select(Outbox.case_pk, func.min(Outbox.sent_at))
                        .where(Outbox.kind == MailKind.ACKNOWLEDGEMENT, col(Outbox.sent_at).is_not(None),
                               col(Outbox.case_pk).in_(ids))
                        .group_by(col(Outbox.case_pk))).all()
    return {case_pk: sent for case_pk, sent in rows if case_pk is not None and sent is not None}


@dataclass(frozen=True)
class _Facts:
    """What the cases of a period need beyond their own columns, read once for them all."""

    organisations: dict[int, str]
    decisions: dict[int, tuple[datetime, str]]
    acknowledged: dict[int, datetime]
    steps: dict[int, dict[StepKind, date]]  # per case: the first day each kind of step happened
    today: date

    def count(self, month: MonthFigures, case: Case) -> None:
        """Add one case to its month's figures."""
        case_pk, received = pk(case), case.received_at
        month.referrals += 1
        month.by_track[case.track if case.track in TRACKS else "unknown"] += 1
        month.by_organisation[self.organisations.get(case_pk) or _domain(case.sender)] += 1
        if case_pk in self.acknowledged:
            month.hours_to_acknowledge.append((self.acknowledged[case_pk] - received).total_seconds() / 3600)
        first_decision, outcome = self.decisions.get(case_pk, (None, "undecided"))
        month.outcomes[outcome] += 1
        if first_decision is not None:
            month.days_to_decision.append((first_decision - received).total_seconds() / 86400)
        for state in _deadline_states(case, first_decision, self.steps.get(case_pk, {}), self.today):
            month.deadlines[state] += 1


# Each statutory deadline and the step that meets it; steps after which no deadline of the case applies.
_MET_BY = ((lambda c: c.panel_notification, StepKind.PANEL_NOTIFIED),
           (lambda c: c.rapid_review, StepKind.RAPID_REVIEW_HELD))
_ENDS = (StepKind.WITHDRAWN, StepKind.TRANSFERRED, StepKind.ROUTED_ELSEWHERE)


def _deadline_states(case: Case, decided: datetime | None, steps: dict[StepKind, date],
                     today: date) -> list[DeadlineState]:
    ended = min((steps[k] for k in _ENDS if k in steps), default=None)
    states = []
    for due_of, kind in _MET_BY:
        due = due_of(case)
        if due is None or (ended is not None and ended <= due and kind not in steps):
            continue
        done = steps.get(kind)
        if done is not None:
            states.append(DeadlineState.MET if done <= due else DeadlineState.MISSED)
        else:
            states.append(DeadlineState.MISSED if due < today else DeadlineState.PENDING)
    if states or case.panel_notification or case.rapid_review:
        return states
    return [_deadline_state(case.nearest_deadline, decided, today)] if case.nearest_deadline else []


def _steps(session: Session, ids: list[int]) -> dict[int, dict[StepKind, date]]:
    """Per case: the first day each kind of step happened."""
    found: dict[int, dict[StepKind, date]] = defaultdict(dict)
    if ids:
        rows = session.exec(select(CaseStep.case_pk, CaseStep.kind, func.min(CaseStep.happened_on))
                            .where(col(CaseStep.case_pk).in_(ids)).group_by(col(CaseStep.case_pk), col(CaseStep.kind)))
        for case_pk, kind, day in rows:
            found[case_pk][StepKind(kind)] = day
    return found


def _deadline_state(deadline: date, decided: datetime | None, today: date) -> DeadlineState:
    if decided is not None:
        return DeadlineState.MET if decided.astimezone(LONDON).date() <= deadline else DeadlineState.MISSED
    return DeadlineState.MISSED if deadline < today else DeadlineState.PENDING


def _organisations(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(CaseField.case_pk, CaseField.value)
                        .where(CaseField.name == "referrer.organisation", col(CaseField.current).is_(True),
                               col(CaseField.case_pk).in_(ids))).all()
    return {pk: " ".join(str(value).split())[:80] for pk, value in rows if value}


def _decisions(session: Session, ids: list[int]) -> dict[int, tuple[datetime, str]]:
    """Per case: when the first staff decision was recorded, and the outcome of the latest."""
    found: dict[int, list[Decision]] = defaultdict(list)
    if ids:
        for row in session.exec(select(Decision).where(col(Decision.case_pk).in_(ids))
                                .order_by(col(Decision.decided_at), col(Decision.id))):
            found[row.case_pk].append(row)
    return {pk: (rows[0].decided_at, _outcome(rows[-1])) for pk, rows in found.items()}


def _outcome(decision: Decision) -> str:
    if decision.cspr:
        return f"CSPR: {decision.cspr.replace('_', ' ')}"
    if decision.sar:
        return f"SAR: {decision.sar.replace('_', ' ')}"
    return "undecided"


def _domain(sender: str) -> str:
    return sender.rpartition("@")[2].lower() or "unknown"


def figures_csv(figures: list[MonthFigures]) -> str:
    """The figures as CSV (one row per month; organisations and outcomes as columns), UTF-8 with a BOM."""
    organisations = sorted({o for f in figures for o in f.by_organisation})
    outcomes = sorted({o for f in figures for o in f.outcomes})
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(["Month", "Referrals", *(f"Track: {t}" for t in TRACKS),
                     "Median hours to acknowledge", "Median days to first decision",
                     *(f"Deadlines {s}" for s in DeadlineState), *(f"Outcome: {o}" for o in outcomes),
                     *(f"From: {o}" for o in organisations)])
    for f in figures:
        row = [f.label, f.referrals, *(f.by_track[t] for t in TRACKS),
               _blank(f.median_hours_to_acknowledge()), _blank(f.median_days_to_decision()),
               *(f.deadlines[s] for s in DeadlineState), *(f.outcomes[o] for o in outcomes),
               *(f.by_organisation[o] for o in organisations)]
        writer.writerow([_safe(str(cell)) for cell in row])
    return out.getvalue()


def _blank(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _safe(cell: str) -> str:
    """Organisation names come from forms: a cell starting with = + - @ is read as text, not a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell

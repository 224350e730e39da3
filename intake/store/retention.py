"""What the retention policy says is due for purging: pure functions of statuses, dates and the configured periods.

No database and no clock: "now" is passed in, so the same answer serves `purge --dry-run`, the purge itself (which
asks again inside its transaction) and the tests. A case is due a number of years after it ended, by how it ended;
an open case never is. A message filed under a case goes with its case; one never filed is due some days after it
was screened out (ignored) or, if it went through quarantine, after staff resolved it. A legal hold stops it all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from intake.config.settings import RetentionSettings
from intake.store.models import CaseStatus, Disposition

# The statuses a case ends in (rules/review.py, and "closed" set by hand); every other status is open.
ENDED = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.TRANSFERRED, CaseStatus.ROUTED_ELSEWHERE)


@dataclass(frozen=True)
class Policy:
    """The configured periods: years per ended case status, days for unfiled messages, years of audit trail.

    None is "never": kept for ever.
    """

    case_years: Mapping[CaseStatus, int | None]
    ignored_days: int | None
    quarantined_days: int | None
    audit_years: int | None

    @classmethod
    def from_settings(cls, settings: RetentionSettings) -> Policy:
        """The policy of `retention:` in config.yaml."""
        cases = settings.cases
        return cls({CaseStatus.CLOSED: cases.closed, CaseStatus.WITHDRAWN: cases.withdrawn,
                    CaseStatus.TRANSFERRED: cases.transferred, CaseStatus.ROUTED_ELSEWHERE: cases.routed_elsewhere},
                   settings.messages.ignored, settings.messages.quarantined, settings.audit_events_years)


@dataclass(frozen=True)
class CaseFacts:
    """What the policy reads of a case. `ended_at` is its last change (the closing, or anything done after it)."""

    status: str
    ended_at: datetime
    held: bool = False


@dataclass(frozen=True)
class MessageFacts:
    """What the policy reads of a ledger message."""

    disposition: str
    filed: bool  # under a case: it goes with its case
    was_quarantined: bool  # it went through quarantine (dismissed, or requeued and then screened out)
    resolved_at: datetime  # when its disposition was recorded (processed_at, else received_at)


@dataclass(frozen=True)
class Verdict:
    """Whether something is due now, from when, and the rule that says so (words for the deletion log)."""

    due: bool
    rule: str
    due_on: datetime | None = None


NOT_DUE = Verdict(False, "")


def add_years(moment: datetime, years: int) -> datetime:
    """The same day and time `years` later (29 February becomes 28 February in a common year)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def case_verdict(facts: CaseFacts, policy: Policy, now: datetime) -> Verdict:
    """Whether a case's data is due for purging at `now`."""
    if facts.status not in {s.value for s in ENDED}:
        return NOT_DUE
    status = CaseStatus(facts.status)
    years = policy.case_years.get(status)
    if years is None:
        return Verdict(False, f"retention.cases.{status.value}: never")
    due_on = add_years(facts.ended_at, years)
    rule = f"retention.cases.{status.value}: {years} year{'s' if years != 1 else ''} after it ended"
    if facts.held:
        return Verdict(False, "legal hold", due_on)
    return Verdict(now >= due_on, rule, due_on)


def message_verdict(facts: MessageFacts, policy: Policy, now: datetime) -> Verdict:
    """Whether a message never filed under a case is due for purging at `now` (filed ones go with their case)."""
    if facts.filed or facts.disposition != Disposition.IGNORED:
        return NOT_DUE  # pending and unresolved quarantined messages wait for the worker or for staff
    key, days = (("quarantined", policy.quarantined_days) if facts.was_quarantined
                 else ("ignored", policy.ignored_days))
    if days is None:
        return Verdict(False, f"retention.messages.{key}: never")
    due_on = facts.resolved_at + timedelta(days=days)
    when = "after it was resolved" if facts.was_quarantined else "after it was screened out"
    return Verdict(now >= due_on, f"retention.messages.{key}: {days} day{'s' if days != 1 else ''} {when}", due_on)


def case_cutoffs(policy: Policy, now: datetime) -> dict[CaseStatus, datetime]:
    """Per ended status with a period: cases that ended on or before this may be due (a loose bound for SQL;
    `case_verdict` decides)."""
    return {status: add_years(now, -years) + timedelta(days=1)
            for status, years in policy.case_years.items() if years is not None}


def message_cutoff(policy: Policy, now: datetime) -> datetime | None:
    """Unfiled messages resolved on or before this may be due (a loose bound for SQL); None when none ever are."""
    periods = [d for d in (policy.ignored_days, policy.quarantined_days) if d is not None]
    return now - timedelta(days=min(periods)) if periods else None


def audit_cutoff(policy: Policy, now: datetime) -> datetime | None:
    """Audit entries older than this are due (None: the audit trail is kept for ever)."""
    return None if policy.audit_years is None else add_years(now, -policy.audit_years)

"""The review after triage: the statutory steps, and the clock that stays live until the step that stops it.

Triage starts a statutory process. For a serious child safeguarding case the local authority notifies the Panel
within 5 working days and the partners hold a rapid review and send its report within 15 (Working Together 2023
ch. 5); for an adult the board's chair decides on a SAR and the referrer is told (Care Act 2014 s44). A case can
also be withdrawn, transferred to another partnership or board, or routed to another review instead.

Pure: the recorded steps in, the clock and the status out. A staff decision ("decided") never stops a clock;
only the step that does so.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class StepKind(StrEnum):
    """A step of the review after triage, as staff record it."""

    PANEL_NOTIFIED = "panel_notified"  # child: the Panel notification submitted (date, Panel reference)
    RAPID_REVIEW_HELD = "rapid_review_held"  # child: the meeting held (date, outcome)
    RAPID_REVIEW_REPORT_SENT = "rapid_review_report_sent"  # child: the report sent to the Panel
    LAC_DEATH_NOTIFIED = "lac_death_notified"  # looked-after child's death: Secretary of State and Ofsted
    CARE_LEAVER_DEATH_NOTIFIED = "care_leaver_death_notified"  # care leaver's death: Secretary of State and Ofsted
    SAR_DECIDED = "sar_decided"  # adult: the SAR decision of the board's chair (decision, rationale)
    REFERRER_TOLD = "referrer_told"  # adult: the referrer told of the decision
    WITHDRAWN = "withdrawn"
    TRANSFERRED = "transferred"  # to another partnership or board (which, when)
    ROUTED_ELSEWHERE = "routed_elsewhere"  # DARDR, LeDeR or s42 instead

    @property
    def label(self) -> str:
        """How the step reads on the case page and in the audit."""
        return _LABELS[self]


_LABELS = {
    StepKind.PANEL_NOTIFIED: "Panel notification submitted",
    StepKind.RAPID_REVIEW_HELD: "Rapid review meeting held",
    StepKind.RAPID_REVIEW_REPORT_SENT: "Rapid review report sent to the Panel",
    StepKind.LAC_DEATH_NOTIFIED: "Looked-after child death notified (Secretary of State and Ofsted)",
    StepKind.CARE_LEAVER_DEATH_NOTIFIED: "Care leaver death notified (Secretary of State and Ofsted)",
    StepKind.SAR_DECIDED: "SAR decision by the board's chair",
    StepKind.REFERRER_TOLD: "Referrer told of the decision",
    StepKind.WITHDRAWN: "Withdrawn",
    StepKind.TRANSFERRED: "Transferred to another partnership or board",
    StepKind.ROUTED_ELSEWHERE: "Routed to another review instead",
}


class RapidReviewOutcome(StrEnum):
    """What the rapid review decided."""

    LOCAL_CSPR = "local_cspr"
    NO_CSPR = "no_cspr"
    OTHER_LEARNING_REVIEW = "other_learning_review"


class ChairSarDecision(StrEnum):
    """The board chair's SAR decision."""

    MANDATORY = "mandatory"
    DISCRETIONARY = "discretionary"
    NO_SAR = "no_sar"


class Route(StrEnum):
    """Where a case went instead of a CSPR or SAR."""

    DARDR = "dardr"
    LEDER = "leder"
    S42 = "s42"


class ClockStage(StrEnum):
    """Which statutory clock is running."""

    PANEL_NOTIFICATION = "panel_notification"  # "notify Panel" (5 working days)
    RAPID_REVIEW = "rapid_review"  # "rapid review" (15 working days)
    NONE = ""

    @property
    def label(self) -> str:
        """How the clock reads in the queue and the digest."""
        return {"panel_notification": "notify Panel", "rapid_review": "rapid review", "": "closed"}[self.value]


class ReviewState(StrEnum):
    """Where the review after triage stands (the case's status follows it once a step is recorded)."""

    IN_REVIEW = "in_review"
    DECIDED = "decided"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    TRANSFERRED = "transferred"
    ROUTED_ELSEWHERE = "routed_elsewhere"


@dataclass(frozen=True)
class Clock:
    """The clock that is live now (or none) and its due date; `provisional` when the age is not known."""

    stage: ClockStage
    due: date | None
    provisional: bool = False


_ENDED = {StepKind.WITHDRAWN: ReviewState.WITHDRAWN, StepKind.TRANSFERRED: ReviewState.TRANSFERRED,
          StepKind.ROUTED_ELSEWHERE: ReviewState.ROUTED_ELSEWHERE}


def live_clock(*, panel_due: date | None, review_due: date | None, steps: Collection[StepKind],
               provisional: bool = False) -> Clock:
    """The clock still running: "notify Panel" until it is notified, then "rapid review" until the report is sent."""
    if any(step in _ENDED for step in steps) or StepKind.RAPID_REVIEW_REPORT_SENT in steps:
        return Clock(ClockStage.NONE, None)
    if panel_due is not None and StepKind.PANEL_NOTIFIED not in steps:
        return Clock(ClockStage.PANEL_NOTIFICATION, panel_due, provisional)
    if review_due is not None:
        return Clock(ClockStage.RAPID_REVIEW, review_due, provisional)
    return Clock(ClockStage.NONE, None)


def review_state(steps: Collection[StepKind]) -> ReviewState | None:
    """The status the recorded steps give, or None when no step is recorded (triage statuses stand)."""
    for step, state in _ENDED.items():
        if step in steps:
            return state
    if StepKind.RAPID_REVIEW_REPORT_SENT in steps:
        return ReviewState.CLOSED
    if StepKind.SAR_DECIDED in steps:
        return ReviewState.CLOSED if StepKind.REFERRER_TOLD in steps else ReviewState.DECIDED
    return ReviewState.IN_REVIEW if steps else None

"""The review-after-triage part of the case page: the live clock, the recorded steps and the steps offered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from intake.store.models import Case
from intake.store.steps import REQUIRED_DETAIL, CaseStep, steps_of
from rules.review import ChairSarDecision, ClockStage, RapidReviewOutcome, Route, StepKind

_CHILD = (StepKind.PANEL_NOTIFIED, StepKind.RAPID_REVIEW_HELD, StepKind.RAPID_REVIEW_REPORT_SENT)
_ADULT = (StepKind.SAR_DECIDED, StepKind.REFERRER_TOLD)
_ANY = (StepKind.WITHDRAWN, StepKind.TRANSFERRED, StepKind.ROUTED_ELSEWHERE)


@dataclass(frozen=True)
class ReviewView:
    """What the steps partial shows."""

    steps: list[CaseStep]
    offered: list[StepKind]
    clock: str  # "notify Panel", "rapid review" or "closed"
    due: date | None
    panel_url: str


def offered_steps(case: Case) -> list[StepKind]:
    """The steps this case may need: by track, plus the death notifications its signposts call for."""
    kinds: list[StepKind] = []
    if case.track != "adult":
        kinds += _CHILD
    if case.track != "child":
        kinds += _ADULT
    if "lac_death_notification" in case.signposts:
        kinds.append(StepKind.LAC_DEATH_NOTIFIED)
    if "care_leaver_death_notification" in case.signposts:
        kinds.append(StepKind.CARE_LEAVER_DEATH_NOTIFIED)
    return kinds + list(_ANY)


def review_view(session: Session, case: Case, panel_url: str) -> ReviewView:
    """The recorded steps and the live clock of a case."""
    stage = ClockStage(case.clock) if case.clock in {s.value for s in ClockStage} else ClockStage.NONE
    provisional = " (if a child)" if stage is not ClockStage.NONE and case.panel_notification is None else ""
    steps = steps_of(session, case_pk=case.id) if case.id is not None else []
    return ReviewView(steps, offered_steps(case), stage.label + provisional,
                      case.nearest_deadline, panel_url)


TEMPLATE_GLOBALS = {
    "StepKind": StepKind, "RapidReviewOutcome": RapidReviewOutcome, "ChairSarDecision": ChairSarDecision,
    "Route": Route, "REQUIRED_DETAIL": REQUIRED_DETAIL,
}

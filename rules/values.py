"""The values the rules produce (interfaces.md codes), read by intake/ to file and show a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from parsers.values import FieldValue, Flag


class Track(StrEnum):
    """Which statutory route a case follows, by the person's age at the event."""

    CHILD = "child"
    ADULT = "adult"
    UNKNOWN = "unknown"


class CsprDecision(StrEnum):
    """Children Act 2004 s16C / Working Together 2023 ch. 5: is this a serious child safeguarding case?"""

    MET = "met"
    NOT_MET = "not_met"
    NEEDS_INFORMATION = "needs_information"
    NOT_APPLICABLE = "not_applicable"


class SarDecision(StrEnum):
    """Care Act 2014 s44: mandatory or discretionary Safeguarding Adults Review."""

    MANDATORY = "mandatory"
    DISCRETIONARY = "discretionary"
    NOT_MET = "not_met"
    NEEDS_INFORMATION = "needs_information"
    NOT_APPLICABLE = "not_applicable"


class Signpost(StrEnum):
    """Other reviews or routes that can run alongside."""

    CDR = "cdr"
    LAC_DEATH_NOTIFICATION = "lac_death_notification"
    DARDR = "dardr"
    LEDER = "leder"
    LIVE_CONCERN = "live_concern"
    CARE_LEAVER_DEATH_NOTIFICATION = "care_leaver_death_notification"


@dataclass(frozen=True)
class RuleHit:
    """One rule's verdict on one case: recorded whether it matched or not."""

    rule: str
    description: str
    law: str
    matched: bool
    reason: str


@dataclass(frozen=True)
class Suggestion:
    """An answer read between the lines of free text: shown to staff, never decisive until confirmed."""

    field: str
    value: FieldValue
    sentence: str
    rule: str


@dataclass(frozen=True)
class RankedQuestion:
    """A question that would change or confirm a decision: rank 0 matters most; `kind` is needed or confirm."""

    text: str
    rule: str
    rank: int
    kind: str


@dataclass(frozen=True)
class Deadlines:
    """Statutory deadlines in England and Wales working days, from the day the local authority became aware."""

    panel_notification: date | None = None
    rapid_review: date | None = None
    aware_on: date | None = None
    estimated_from_receipt: bool = False
    # For a person of unknown age whose case would be a serious child safeguarding case: "if a child" dates,
    # kept in the queue and the digest (not in the export's `deadlines`, which are for CSPR met only).
    provisional: bool = False


@dataclass(frozen=True)
class Triage:
    """The recommendation for one case. It recommends; people decide."""

    track: Track
    cspr: CsprDecision
    sar: SarDecision
    reasons: tuple[str, ...] = ()
    signposts: tuple[Signpost, ...] = ()
    deadlines: Deadlines = Deadlines()
    flags: frozenset[Flag] = frozenset()
    hits: tuple[RuleHit, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    questions: tuple[str, ...] = ()  # every question, most important first (the texts of ranked_questions)
    ranked_questions: tuple[RankedQuestion, ...] = ()
    # "If a child" dates for a person of unknown age (the export's `deadlines` stay null: CSPR is not met).
    provisional_deadlines: Deadlines | None = None

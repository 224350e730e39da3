"""Child Safeguarding Practice Review rules: is this a serious child safeguarding case?

Children Act 2004 s16C and Working Together to Safeguard Children 2023 ch. 5: abuse or neglect known or
suspected, and the child died or was seriously harmed. Exactly one of these rules matches any case.
"""

from __future__ import annotations

from rules.case import CaseFacts
from rules.rule import Outcome, miss
from rules.truth import Truth
from rules.values import CsprDecision, Track

LAW = "Children Act 2004 s16C; Working Together to Safeguard Children 2023, chapter 5"


def serious_case(case: CaseFacts) -> Truth:
    """Abuse or neglect known or suspected, and the child died or was seriously harmed (three-valued)."""
    return case.abuse & (case.died | case.child_harmed)


def is_met(case: CaseFacts) -> bool:
    """A child's case that meets the s16C test: the panel must be notified."""
    return case.track is Track.CHILD and serious_case(case).is_true


def _outcome_words(case: CaseFacts) -> str:
    return "the child has died" if case.died.is_true else "the child has been seriously harmed"


class CsprNotApplicable:
    """An adult at the event: the children's route does not apply."""

    name = "cspr_not_applicable"
    description = "The person was an adult at the event, so a CSPR does not apply"
    law = LAW

    def check(self, case: CaseFacts) -> Outcome:
        """Matched on the adult track."""
        if case.track is not Track.ADULT:
            return miss(f"the track is {case.track.value}, not adult")
        reason = "CSPR not applicable: the person was an adult at the event"
        return Outcome(True, reason, cspr=CsprDecision.NOT_APPLICABLE)


class CsprMet:
    """Serious child safeguarding case."""

    name = "cspr_met"
    description = "Abuse or neglect known or suspected, and the child died or was seriously harmed"
    law = LAW

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when the stated answers meet the s16C test for a child."""
        if not is_met(case):
            return miss("the stated answers do not (yet) show a serious child safeguarding case for a child")
        reason = (
            f"Serious child safeguarding case (Children Act 2004 s16C): {case.abuse_words()} and "
            f"{_outcome_words(case)}: notify the Panel and hold a rapid review (whether a local CSPR follows is the "
            "partners' decision after the rapid review)"
        )
        return Outcome(True, reason, cspr=CsprDecision.MET)


class CsprNotMet:
    """The form rules the s16C test out."""

    name = "cspr_not_met"
    description = "The form says abuse or neglect is not suspected, or the child neither died nor was seriously harmed"
    law = LAW

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when a stated answer rules the test out for a child."""
        if case.track is not Track.CHILD or not serious_case(case).is_false:
            return miss("no stated answer rules out a serious child safeguarding case for a child")
        if case.abuse.is_false:
            why = "the form says abuse or neglect is not suspected"
        else:
            why = "the form says the child has not died and was not seriously harmed"
        return Outcome(True, f"CSPR not met: {why}", cspr=CsprDecision.NOT_MET)


class CsprNeedsInformation:
    """An answer the test needs is missing or "not known", or the age is not known."""

    name = "cspr_needs_information"
    description = "An answer the CSPR decision needs is missing or not known"
    law = LAW

    def check(self, case: CaseFacts) -> Outcome:
        """Matched for an unknown track, or a child whose answers leave the test undecided."""
        truth = serious_case(case)
        if case.track is Track.UNKNOWN:
            return self._unknown_age(case, truth)
        if case.track is Track.ADULT or not truth.is_unknown:
            return miss("the CSPR decision can be made from the stated answers")
        reason = "CSPR needs information: " + "; ".join(truth.questions)
        return Outcome(True, reason, cspr=CsprDecision.NEEDS_INFORMATION, questions=truth.questions)

    def _unknown_age(self, case: CaseFacts, truth: Truth) -> Outcome:
        reason = "CSPR needs information: the person's age at the event is not known"
        if truth.is_true:
            days = case.ruleset.thresholds.panel_notification_working_days
            due = case.calendar.add_working_days(case.la_aware_on or case.received_on, days)
            reason += (f"; if a child, this is a serious child safeguarding case: notify the Panel by {due} "
                       "(provisional, kept in the queue until the age is known)")
        return Outcome(
            True,
            reason,
            cspr=CsprDecision.NEEDS_INFORMATION,
            questions=(case.age.question, *truth.questions),
        )

"""Safeguarding Adults Review rules: Care Act 2014 s44.

Mandatory (s44(1)-(3)): care and support needs, concern about how agencies worked together, and condition 1
(died; abuse or neglect, self-neglect included, known or suspected) or condition 2 (alive; serious abuse or
neglect known or suspected). Discretionary (s44(4)): any other adult with care and support needs. Exactly one of
these rules matches any case; a missing answer the decision needs gives needs_information, never not_met.
"""

from __future__ import annotations

from rules.case import CaseFacts
from rules.rule import Outcome, miss
from rules.truth import Truth
from rules.values import SarDecision, Track

LAW = "Care Act 2014 s44"


def condition_1(case: CaseFacts) -> Truth:
    """s44(2): the adult has died and abuse or neglect, known or suspected, caused it.

    When the form says the death did not result from the abuse or neglect, condition 1 is not met; when it is
    silent, the suspicion is read as covering the death and the referrer is asked to confirm (domain.md).
    """
    caused = Truth.of(False) if case.death_caused.is_false else Truth.of(True)
    return case.died & case.abuse & caused


def cause_silent(case: CaseFacts) -> bool:
    """The adult died with abuse or neglect suspected, and the form does not say whether it caused the death."""
    return case.died.is_true and not case.abuse.is_false and case.death_caused.is_unknown


def condition_2(case: CaseFacts) -> Truth:
    """s44(3): the adult is alive and has experienced serious abuse or neglect (known or suspected)."""
    return ~case.died & case.abuse & case.adult_serious


def mandatory(case: CaseFacts) -> Truth:
    """The s44(1)(b) joint-working concern and either condition (care needs are judged separately)."""
    return case.joint_working & (condition_1(case) | condition_2(case))


_NEEDS = "the adult has needs for care and support and there is concern about how agencies worked together"


class SarNotApplicable:
    """A child at the event: the adults' route does not apply."""

    name = "sar_not_applicable"
    description = "The person was a child at the event, so a SAR does not apply"
    law = LAW

    def check(self, case: CaseFacts) -> Outcome:
        """Matched on the child track."""
        if case.track is not Track.CHILD:
            return miss(f"the track is {case.track.value}, not child")
        return Outcome(True, "SAR not applicable: the person was a child at the event", sar=SarDecision.NOT_APPLICABLE)


class SarMandatoryCondition1:
    """s44(2): the adult died."""

    name = "sar_mandatory_condition_1"
    description = "Care needs, joint-working concern, and the adult died with abuse or neglect known or suspected"
    law = "Care Act 2014 s44(1)-(2)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when every s44(2) answer is stated and met."""
        if case.track is not Track.ADULT or not (case.care_needs & mandatory(case)).is_true:
            return miss("the stated answers do not meet s44(2) for an adult")
        if not condition_1(case).is_true:
            return miss("the adult is not known to have died with abuse or neglect known or suspected")
        reason = f"s44(2) condition 1: the adult has died and {case.abuse_words()}; {_NEEDS}"
        if cause_silent(case):
            reason += ("; the form does not say whether the abuse or neglect caused the death: read as covering it, "
                       "to be confirmed")
            return Outcome(True, reason, sar=SarDecision.MANDATORY, questions=case.death_caused.questions)
        return Outcome(True, reason, sar=SarDecision.MANDATORY)


class SarMandatoryCondition2:
    """s44(3): the adult is alive and experienced serious abuse or neglect."""

    name = "sar_mandatory_condition_2"
    description = "Care needs, joint-working concern, and the living adult experienced serious abuse or neglect"
    law = "Care Act 2014 s44(1), (3)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when every s44(3) answer is stated and met."""
        if case.track is not Track.ADULT or not (case.care_needs & mandatory(case)).is_true:
            return miss("the stated answers do not meet s44(3) for an adult")
        if not condition_2(case).is_true:
            return miss("the adult is not known to be alive with serious abuse or neglect")
        local = sorted(t.words for t in set(case.abuse_types) & case.ruleset.serious_abuse_types)
        serious = f" ({', '.join(local)}: serious by local policy)" if local else ""
        reason = f"s44(3) condition 2: the adult is alive and serious {case.abuse_words()}{serious}; {_NEEDS}"
        return Outcome(True, reason, sar=SarDecision.MANDATORY)


class SarDiscretionary:
    """s44(4): care needs, but the mandatory test is not met."""

    name = "sar_discretionary"
    description = "An adult with care and support needs whose case does not meet s44(2) or s44(3)"
    law = "Care Act 2014 s44(4)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when care needs are stated and a stated answer rules the mandatory test out."""
        if case.track is not Track.ADULT or not case.care_needs.is_true or not mandatory(case).is_false:
            return miss("not an adult with care needs whose answers rule out a mandatory SAR")
        if case.joint_working.is_false:
            why = "the form raises no concern about how agencies worked together"
        elif case.abuse.is_false:
            why = "the form says abuse or neglect is not suspected"
        elif case.died.is_true and case.death_caused.is_false:
            why = "the form says the death did not result from the abuse or neglect (s44(2) condition 1 not met)"
        else:
            why = "the adult is alive and the form says the abuse or neglect was not serious"
        return Outcome(True, f"s44(4) discretionary: the adult has care and support needs but {why}",
                       sar=SarDecision.DISCRETIONARY)


class SarNotMet:
    """No care and support needs: s44 does not apply."""

    name = "sar_not_met"
    description = "The form says the adult has no needs for care and support"
    law = "Care Act 2014 s44(1)(a), (4)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when the form says the adult has no care and support needs."""
        if case.track is not Track.ADULT or not case.care_needs.is_false:
            return miss("the form does not say that an adult has no care and support needs")
        return Outcome(True, "SAR not met: the form says the adult has no needs for care and support",
                       sar=SarDecision.NOT_MET)


class SarNeedsInformation:
    """An answer the decision needs is missing or "not known", or the age is not known."""

    name = "sar_needs_information"
    description = "An answer the SAR decision needs is missing or not known"
    law = LAW

    def check(self, case: CaseFacts) -> Outcome:
        """Matched for an unknown track, unknown care needs, or an undecided mandatory test."""
        if case.track is Track.CHILD:
            return miss("a child's case")
        rest = mandatory(case)
        questions = (*case.care_needs.questions, *rest.questions) if case.care_needs.is_unknown else ()
        if case.care_needs.is_true and rest.is_unknown:
            questions = rest.questions
        if case.track is Track.UNKNOWN:
            questions = (case.age.question, *questions)
        if not questions:
            return miss("the SAR decision can be made from the stated answers")
        questions = tuple(dict.fromkeys(questions))
        return Outcome(True, "SAR needs information: " + "; ".join(questions), sar=SarDecision.NEEDS_INFORMATION,
                       questions=questions)

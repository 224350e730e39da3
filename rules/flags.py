"""Rules that flag a case for a second look: the wrong form for the age, transition ages and care leavers."""

from __future__ import annotations

from parsers.values import Flag, FormType
from rules.age import ASK_EVENT_DATE
from rules.case import CaseFacts
from rules.rule import Outcome, miss
from rules.values import Track

_FORM_TRACK = {FormType.SAR_REFERRAL: Track.ADULT, FormType.CHILD_REFERRAL: Track.CHILD}
_FORM_WORDS = {FormType.SAR_REFERRAL: "SAR referral form", FormType.CHILD_REFERRAL: "Children's Case Referral"}
_PERSON = {Track.ADULT: "an adult", Track.CHILD: "a child"}


class TrackMismatch:
    """The form is for the other track: follow the age and flag it."""

    name = "track_mismatch"
    description = "The form type disagrees with the person's age at the event"
    law = "Children Act 2004 s16C / Care Act 2014 s44: the route follows the age at the event, not the form"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when a SAR form is about a child or a children's form about an adult."""
        expected = _FORM_TRACK.get(case.form_type)
        if expected is None or case.track is Track.UNKNOWN:
            return miss("the form type or the age is not known, so they cannot disagree")
        if expected is case.track:
            return miss(f"a {_FORM_WORDS[case.form_type]} for {_PERSON[case.track]}: they agree")
        reason = (
            f"Track mismatch: a {_FORM_WORDS[case.form_type]}, but the person was {_PERSON[case.track]} at the "
            f"event; the {case.track.value} route is followed"
        )
        return Outcome(True, reason, flags=frozenset({Flag.TRACK_MISMATCH}))


class TransitionCase:
    """16 and 17-year-olds, and a child at the harm who was an adult at death: both routes are shown."""

    name = "transition_case"
    description = "Of transition age at the event, or a child at the harm and an adult at death: look at both routes"
    law = (
        "Children Act 2004 s16C (engaged at the harm); Children Act 1989 s105 (a child is under 18); "
        "Care Act 2014 ss58-66 (transition to adult care)"
    )

    def check(self, case: CaseFacts) -> Outcome:
        """Matched at transition ages, across the age of majority, or when a stated age may have been 17."""
        low, high = case.ruleset.thresholds.transition_min_age, case.ruleset.thresholds.transition_max_age
        years, age = case.age.years, case.age
        flag = frozenset({Flag.TRANSITION_CASE})
        if age.crosses_majority:
            reason = (
                f"Transition case: aged {years} at the harm ({age.event_on}) and {age.later_years} at the "
                f"{age.later_basis}: the child route applies (s16C was engaged at the harm); the adult route "
                "(a SAR) is shown too"
            )
            return Outcome(True, reason, flags=flag)
        if years is not None and low <= years <= high:
            reason = f"Transition case: aged {years} at the event; consider the adult route (and services) too"
            return Outcome(True, reason, flags=flag)
        if age.uncertain_at_majority:
            reason = (
                f"Transition case: the form gives an age of {years} but no date of birth, and the event came long "
                "enough before the referral that the person may have been a child at the event"
            )
            return Outcome(True, reason, flags=flag, questions=(age.question,))
        return miss(f"not aged {low}-{high} at the event, and not a child at the harm who was an adult later")


class AgeUncertain:
    """The age at the event rests on a guess: no event date, or a bare age that may be the age at referral."""

    name = "age_uncertain"
    description = "The age at the event is uncertain (no date of incident or death, or an age without a birth date)"
    law = "Children Act 1989 s105; Children Act 2004 s16C; Care Act 2014 s44: the route follows the age at the event"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when a known age was measured at receipt, or a stated adult age may have been 17 at the event."""
        age, flag = case.age, frozenset({Flag.AGE_UNCERTAIN})
        if age.uncertain_at_majority:
            reason = (
                f"Age uncertain: an age of {age.years} with no date of birth, for an event on {age.event_on} before "
                f"the referral arrived on {case.received_on}: the person may then have been 17"
            )
            return Outcome(True, reason, flags=flag, questions=(age.question,))
        if age.no_event_date and (age.years is not None or age.unborn):
            reason = (
                f"Age uncertain: the form gives no date of incident or death, so the age is taken at the date the "
                f"referral arrived ({case.received_on})"
            )
            return Outcome(True, reason, flags=flag, questions=(ASK_EVENT_DATE,))
        return miss("the age at the event rests on a stated date")


class Contradictions:
    """Answers that disagree, or text against a ticked answer: a question, and the decision waits for a person."""

    name = "contradiction"
    description = "Two answers disagree, or the summary strongly says the opposite of a ticked answer"
    law = "domain.md: contradictions are questions; Children Act 2004 s16C and Care Act 2014 s44 need the answer"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched for each contradiction found; the questions name both answers."""
        if not case.contradictions:
            return miss("no answers disagree")
        questions = tuple(c.question for c in case.contradictions)
        reason = "Contradiction: " + " ".join(questions) + " The decision it touches waits for a person to look."
        return Outcome(True, reason, flags=frozenset({Flag.CONTRADICTION}), questions=questions)


class CareLeaver:
    """Care leavers stay of interest to children's services up to 25."""

    name = "care_leaver"
    description = "A care leaver up to the care leaver age limit: children's services stay involved"
    law = "Children Act 1989 s23C-24B; Children and Social Work Act 2017 s3 (support up to 25)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when the form says the person is a care leaver and they were not over the limit."""
        limit = case.ruleset.thresholds.care_leaver_max_age
        if not case.care_leaver.is_true:
            return miss("the form does not say the person is a care leaver")
        if case.age.years is not None and case.age.years > limit:
            return miss(f"a care leaver, but aged {case.age.years}: over {limit}")
        return Outcome(
            True,
            f"Care leaver (up to {limit}): tell children's services (leaving care) as well",
            flags=frozenset({Flag.CARE_LEAVER}),
        )

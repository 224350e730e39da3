"""Rules that flag a case for a second look: the wrong form for the age, transition ages and care leavers."""

from __future__ import annotations

from parsers.values import Flag, FormType
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
    """16 and 17-year-olds: children in law, but adult services may be involved too."""

    name = "transition_case"
    description = "The person was of transition age at the event, so staff look at both routes"
    law = "Children Act 1989 s105 (a child is under 18); Care Act 2014 ss58-66 (transition to adult care)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched at transition ages, or when a stated age of 18 may have been 17 at the event."""
        low, high = case.ruleset.thresholds.transition_min_age, case.ruleset.thresholds.transition_max_age
        years = case.age.years
        if years is not None and low <= years <= high:
            reason = f"Transition case: aged {years} at the event; consider the adult route (and services) too"
            return Outcome(True, reason, flags=frozenset({Flag.TRANSITION_CASE}))
        if case.age.uncertain_at_majority:
            reason = (
                f"Transition case: the form gives an age of {years} but no date of birth, and the event came before "
                "the referral, so the person may have been a child at the event"
            )
            return Outcome(True, reason, flags=frozenset({Flag.TRANSITION_CASE}), questions=(case.age.question,))
        return miss(f"not aged {low}-{high} at the event")


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

"""Whose duty is it? The place of the harm or death (children) and where the adult lives (adults).

Children Act 2004 s16C(1): the local authority notifies the Panel when a child dies or is seriously harmed in its
area, or outside England while normally resident in its area. Care Act 2014 s44(1): a SAB reviews the case of an
adult in its area. Elsewhere in England, the recommendation is to pass the referral on, and the service says so.
"""

from __future__ import annotations

from parsers.values import Flag
from rules.area import Placing
from rules.case import CaseFacts
from rules.cspr import serious_case
from rules.place import ASK_PLACE, ASK_RESIDENCE
from rules.rule import Outcome, miss
from rules.values import Track

_OUT = frozenset({Flag.OUT_OF_AREA})


def duty_elsewhere(case: CaseFacts) -> bool:
    """A child's harm or death elsewhere in England: the Panel notification is another authority's duty."""
    return case.track is not Track.ADULT and case.event_place.elsewhere


class ChildDutyHolder:
    """Which local authority must notify the Panel, from where the harm or death happened."""

    name = "duty_holder_child"
    description = "Where the child was harmed or died decides which local authority must notify the Panel"
    law = "Children Act 2004 s16C(1); Working Together to Safeguard Children 2023, chapter 5"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched for a child (or unknown age) whose case is or may be a serious child safeguarding case."""
        if case.track is Track.ADULT or serious_case(case).is_false:
            return miss("not a (possible) serious child safeguarding case")
        la, place = case.ruleset.local_authority.name, case.event_place
        if place.in_area:
            return Outcome(True, f"Duty holder: the harm or death happened in the area ({place.how}): {la} "
                                 "notifies the Panel")
        if place.elsewhere:
            reason = (
                f"Out of area: the harm or death happened at {place.words()} ({place.how}), elsewhere in England: "
                f"the duty to notify the Panel is that local authority's, not {la}'s; pass the referral to that "
                "area's safeguarding partnership today and tell the referrer"
            )
            return Outcome(True, reason, flags=_OUT)
        if place.placing is Placing.OUTSIDE_ENGLAND:
            return self._outside_england(case)
        return Outcome(True, f"Place not known ({place.how}): ask where it happened; {la} holds the duty only if it "
                             "was in its area", questions=(ASK_PLACE,))

    def _outside_england(self, case: CaseFacts) -> Outcome:
        la = case.ruleset.local_authority.name
        if case.residence.in_area:
            return Outcome(True, f"Duty holder: harmed or died outside England while normally resident in the area "
                                 f"({case.residence.how}): {la} notifies the Panel")
        if case.residence.elsewhere:
            return Outcome(True, "Out of area: harmed or died outside England and normally resident elsewhere in "
                                 "England: the duty is that area's local authority's; pass the referral on",
                           flags=_OUT)
        return Outcome(True, f"Harmed or died outside England: {la} holds the duty only if the child normally "
                             "lives in its area", questions=(ASK_RESIDENCE.replace("A SAR is for an adult in the "
                                                                                   "board's area", "The duty "
                                                                                   "follows residence"),))


class AdultArea:
    """A SAR is for an adult in the board's area: where the form places the adult elsewhere, pass it on."""

    name = "area_adult"
    description = "Whether the adult lived (or was staying) in the board's area; if not, pass to that area's SAB"
    law = "Care Act 2014 s44(1) (an adult in its area)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched for an adult's case: in area, elsewhere (pass on), or not known (ask)."""
        if case.track is not Track.ADULT:
            return miss("not an adult's case")
        home, place = case.residence, case.event_place
        if home.in_area or place.in_area:
            which = home if home.in_area else place
            return Outcome(True, f"In the area: the adult lived or was staying in the area ({which.how})")
        if home.elsewhere or (home.unknown and place.elsewhere):
            which = home if home.elsewhere else place
            reason = (
                f"Out of area: the form places the adult at {which.words()} ({which.how}): recommend passing the "
                "referral to that area's Safeguarding Adults Board (the SAR duty is theirs) and telling the referrer"
            )
            return Outcome(True, reason, flags=_OUT)
        return Outcome(True, "Area not known: ask where the adult lived or was staying", questions=(ASK_RESIDENCE,))

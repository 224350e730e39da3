"""The statutory clock for a serious child safeguarding case (Working Together 2023 ch. 5).

The local authority notifies the Child Safeguarding Practice Review Panel within 5 working days of becoming
aware, and partners complete a rapid review within 15. Day 0 is the day of becoming aware. Without a date on the
form, the clock runs from the date the email was received (Europe/London) and is marked as estimated, since
the local authority may have known earlier.
"""

from __future__ import annotations

from parsers.values import Flag
from rules.case import CaseFacts
from rules.cspr import is_met, serious_case
from rules.duty import duty_elsewhere
from rules.rule import Outcome, miss
from rules.values import Deadlines, Track


class PanelDeadlines:
    """Panel notification and rapid review dates for a case that meets the CSPR test."""

    name = "cspr_deadlines"
    description = "Panel notification (5 working days) and rapid review (15 working days) from the date aware"
    law = "Children Act 2004 s16C(1); Working Together to Safeguard Children 2023, chapter 5"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when the CSPR test is met (or would be, for a person of unknown age); gives both dates."""
        provisional = case.track is Track.UNKNOWN and serious_case(case).is_true
        if not (is_met(case) or provisional):
            return miss("no statutory deadline: the CSPR decision is not met")
        if duty_elsewhere(case):
            return miss("no deadline here: the Panel notification is another local authority's duty")
        thresholds = case.ruleset.thresholds
        estimated = case.la_aware_on is None
        aware_on = case.received_on if case.la_aware_on is None else case.la_aware_on
        deadlines = Deadlines(
            panel_notification=case.calendar.add_working_days(aware_on, thresholds.panel_notification_working_days),
            rapid_review=case.calendar.add_working_days(aware_on, thresholds.rapid_review_working_days),
            aware_on=aware_on,
            estimated_from_receipt=estimated,
            provisional=provisional,
        )
        la_name = case.ruleset.local_authority.name
        if estimated:
            basis = f"the date received (estimated: the form does not say when {la_name} became aware)"
        else:
            basis = f"the date {la_name} became aware, as the form states"
        reason = (
            f"Deadlines: notify the panel by {deadlines.panel_notification} and complete the rapid review by "
            f"{deadlines.rapid_review}, counted in working days from {aware_on}, {basis}"
        )
        if provisional:
            reason = "Provisional (if a child): " + reason[0].lower() + reason[1:]
        questions = (_ask_aware(la_name, case),) if estimated else ()
        flags = frozenset({Flag.DEADLINE_ESTIMATED}) if estimated else frozenset()
        return Outcome(True, reason, deadlines=deadlines, flags=flags, questions=questions)


def _ask_aware(la_name: str, case: CaseFacts) -> str:
    """When did the authority first know? Said more urgently when the harm came well before the email."""
    question = f"When did {la_name} first know of the incident? The deadlines run from that date"
    if case.age.event_basis != "date received" and (case.received_on - case.age.event_on).days > 7:
        question += (f" (the {case.age.event_basis} was {case.age.event_on}: the authority may have known earlier "
                     "and the deadline may already have passed)")
    return question

"""The statutory clock for a serious child safeguarding case (Working Together 2023 ch. 5).

The local authority notifies the Child Safeguarding Practice Review Panel within 5 working days of becoming
aware, and partners complete a rapid review within 15. Day 0 is the day of becoming aware. Without a date on the
form, the clock runs from the date the email was received (Europe/London) and is marked as estimated, since
the local authority may have known earlier.
"""

from __future__ import annotations

from parsers.values import Flag
from rules.case import CaseFacts
from rules.cspr import is_met
from rules.rule import Outcome, miss
from rules.values import Deadlines


class PanelDeadlines:
    """Panel notification and rapid review dates for a case that meets the CSPR test."""

    name = "cspr_deadlines"
    description = "Panel notification (5 working days) and rapid review (15 working days) from the date aware"
    law = "Children Act 2004 s16C(1); Working Together to Safeguard Children 2023, chapter 5"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when the CSPR test is met; gives both dates and whether they are estimated."""
        if not is_met(case):
            return miss("no statutory deadline: the CSPR decision is not met")
        thresholds = case.ruleset.thresholds
        estimated = case.la_aware_on is None
        aware_on = case.received_on if case.la_aware_on is None else case.la_aware_on
        deadlines = Deadlines(
            panel_notification=case.calendar.add_working_days(aware_on, thresholds.panel_notification_working_days),
            rapid_review=case.calendar.add_working_days(aware_on, thresholds.rapid_review_working_days),
            aware_on=aware_on,
            estimated_from_receipt=estimated,
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
        flags = frozenset({Flag.DEADLINE_ESTIMATED}) if estimated else frozenset()
        return Outcome(True, reason, deadlines=deadlines, flags=flags)

"""Other reviews and routes to signpost; they can run alongside a CSPR or SAR.

Signposts are not statutory decisions, so where the age is not known they lean towards signposting (a wasted
look costs less than a missed review); each reason says what is assumed.
"""

from __future__ import annotations

from parsers.values import FormType
from rules.case import CaseFacts
from rules.codes import DOMESTIC_RELATIONSHIPS, AbuseType, Perpetrator
from rules.phrases import ABUSE_FIELD, CURRENT_RISK_FIELD, OTHER_CHILDREN_FIELD
from rules.rule import Outcome, miss
from rules.values import Signpost, Track


def _maybe_child(case: CaseFacts) -> bool:
    """A child at the event, or of unknown age on a children's form."""
    return case.track is Track.CHILD or (case.track is Track.UNKNOWN and case.form_type is FormType.CHILD_REFERRAL)


class ChildDeathReview:
    """Every child death goes to the Child Death Review partners."""

    name = "signpost_cdr"
    description = "A child has died: notify the Child Death Review partners"
    law = "Children Act 2004 ss16M-16Q; Working Together 2023 ch. 6; Child Death Review Statutory Guidance"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when a child (or a person of unknown age on a children's form) has died."""
        if not case.died.is_true:
            return miss("the person is not known to have died")
        if not _maybe_child(case):
            return miss("the person was not a child at the event")
        if case.age.unborn and not case.age.born_alive:
            return miss("a death before birth (stillbirth or termination): outside the Child Death Review")
        if case.suggested("event.stillbirth") is not None and not case.age.born_alive:
            return miss("the summary speaks of a stillbirth: outside the Child Death Review (confirm)")
        assumed = "" if case.track is Track.CHILD else " (age not known; a children's form)"
        return Outcome(True, f"Child death: notify the Child Death Review partners{assumed}", signpost=Signpost.CDR)


class LookedAfterChildDeath:
    """A looked-after child's death is notified whether or not abuse or neglect is suspected."""

    name = "signpost_lac_death_notification"
    description = "A looked-after child has died: notify the Secretary of State and Ofsted"
    law = "Care Planning, Placement and Case Review (England) Regulations 2010 reg 40; Working Together 2023 ch. 5"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when a looked-after child has died, with or without suspected abuse."""
        if not (case.died.is_true and case.looked_after.is_true):
            return miss("not the death of a child stated to be looked after")
        if case.track is Track.ADULT:
            return miss("the person was an adult at the event")
        reason = "Death of a looked-after child: notify the Secretary of State and Ofsted (whatever the CSPR decision)"
        return Outcome(True, reason, signpost=Signpost.LAC_DEATH_NOTIFICATION)


class DomesticAbuseRelatedDeath:
    """A death aged 16+ at the hands of a relative, partner, ex-partner or household member."""

    name = "signpost_dardr"
    description = "A death aged 16+ from violence, abuse or neglect by a relative, partner or household member"
    law = "Domestic Violence, Crime and Victims Act 2004 s9 (Domestic Abuse Related Death Reviews)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when a person of the minimum age (or unknown age) died at the hands of someone close."""
        minimum = case.ruleset.thresholds.dardr_min_age
        if not case.died.is_true or case.abuse.is_false:
            return miss("not a death with abuse or neglect known, suspected or unanswered")
        if case.death_caused.is_false:
            return miss("the form says the death did not result from the abuse or neglect")
        close = case.perpetrator in DOMESTIC_RELATIONSHIPS or AbuseType.DOMESTIC in case.abuse_types
        family = case.suggested("event.perpetrator_relationship", "relative")
        family_carer = case.perpetrator is Perpetrator.CARER and family is not None
        if not (close or family_carer):
            return miss("no relative, partner, former partner or household member is named, and no domestic abuse")
        if case.age.unborn or (case.age.years is not None and case.age.years < minimum):
            return miss(f"the person was under {minimum} at the event")
        named = case.perpetrator in DOMESTIC_RELATIONSHIPS and case.perpetrator is not None
        who = case.perpetrator.value.replace("_", " ") if named and case.perpetrator else "domestic abuse"
        if family_carer and not close and family is not None:
            who = f"a relative who was also the carer, still a relative: \"{family.sentence}\""
        assumed = "" if case.age.years is not None else f" (age not known: confirm {minimum} or over)"
        reason = f"Domestic abuse related death ({who}): refer to the Community Safety Partnership for a DARDR{assumed}"
        return Outcome(True, reason, signpost=Signpost.DARDR)


class LearningDisabilityDeath:
    """LeDeR: the death of an adult with a learning disability and/or autism."""

    name = "signpost_leder"
    description = "An adult with a learning disability or autism has died: notify LeDeR (ICB)"
    law = "NHS England LeDeR policy 2021 (Learning from Lives and Deaths)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when an adult (or a person of unknown age) with a learning disability or autism died."""
        if not case.died.is_true:
            return miss("the person is not known to have died")
        if not (case.learning_disability.is_true or case.autistic.is_true):
            return miss("the form does not say the person had a learning disability or was autistic")
        if case.track is Track.CHILD:
            return miss("a child's death: the Child Death Review covers it")
        assumed = "" if case.track is Track.ADULT else " (age not known)"
        return Outcome(True, f"Learning disability or autism: notify LeDeR through the ICB{assumed}",
                       signpost=Signpost.LEDER)


class LiveConcern:
    """Current risk is a safeguarding concern for social care now, not only a review request: it comes first."""

    name = "signpost_live_concern"
    description = "The form or the summary describes current risk: route to Adult or Children's Social Care today"
    law = "Care Act 2014 s42; Children Act 1989 s47"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched on the first sign of current risk, in the form or the text (each reason quotes its source)."""
        service = "Children's Social Care (s47)" if _maybe_child(case) else "Adult Social Care (s42)"
        why = _current_risk(case)
        if why is None:
            return miss("no current risk is stated or described")
        return Outcome(True, f"Live concern: {why}; refer to {service} today", signpost=Signpost.LIVE_CONCERN)


def _current_risk(case: CaseFacts) -> str | None:
    """Why the risk is current, or None: stated risk, alive with abuse, other children, or the summary says so."""
    alive = not case.died.is_true
    if case.current_risk.is_true:
        return "the form states an ongoing risk"
    if alive and case.abuse.is_true:
        return f"the person is not known to have died and {case.abuse_words()}"
    risk = case.suggested(CURRENT_RISK_FIELD)
    if risk is not None:
        return f'the summary describes current risk ("{risk.sentence}"): confirm'
    if case.other_children.is_true and not case.abuse.is_false:
        return "the form says other children are in the same household or care"
    others = case.suggested(OTHER_CHILDREN_FIELD, "yes")
    if others is not None and not case.abuse.is_false and _maybe_child(case):
        return f'other children in the same household or care ("{others.sentence}"): confirm they are safe'
    text_abuse = case.suggested(ABUSE_FIELD, "suspected")
    if alive and case.abuse.is_unknown and text_abuse is not None:
        return f'the person is not known to have died and the summary suggests abuse ("{text_abuse.sentence}")'
    return None


class CareLeaverDeath:
    """A care leaver's death under 25 is notified to the Secretary of State and Ofsted, abuse or not."""

    name = "signpost_care_leaver_death_notification"
    description = "A care leaver under 25 has died: notify the Secretary of State and Ofsted"
    law = "Working Together to Safeguard Children 2023, chapter 5 (deaths of care leavers up to 25)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when a care leaver under 25 (or of unknown age) has died."""
        if not (case.died.is_true and case.care_leaver.is_true):
            return miss("not the death of a person stated to be a care leaver")
        limit = case.ruleset.thresholds.care_leaver_max_age
        if case.age.years is not None and case.age.years >= limit:
            return miss(f"a care leaver, but aged {case.age.years}: not under {limit}")
        assumed = "" if case.age.years is not None else f" (age not known: confirm under {limit})"
        reason = ("Death of a care leaver: notify the Secretary of State and Ofsted (whatever the review decision)"
                  + assumed)
        return Outcome(True, reason, signpost=Signpost.CARE_LEAVER_DEATH_NOTIFICATION)

"""The facts of one case as the rules read them: typed, three-valued, with the questions that settle them.

Built once per classification from the extracted fields; every rule reads this and nothing else, so rules are
independent of each other and of their order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from parsers.values import Field, FormType
from rules.age import AgeAtEvent, read_age
from rules.calendar import WorkingCalendar
from rules.codes import AbuseStatus, AbuseType, Answer, Perpetrator
from rules.contradictions import Contradiction, find_contradictions
from rules.evidence import inferred_suggestions, read_evidence
from rules.phrases import ABUSE_FIELD, ABUSE_TYPES_FIELD, CURRENT_RISK_FIELD, OTHER_CHILDREN_FIELD
from rules.place import PlaceFact, read_event_place, read_residence
from rules.policy import Ruleset
from rules.reader import FieldReader
from rules.truth import Truth
from rules.values import Suggestion, Track

ASK_DIED = "Has the person died?"
ASK_ABUSE = "Is abuse or neglect (including self-neglect) known or suspected?"
ASK_CHILD_HARM = (
    "Has the child been seriously harmed (including serious or long-term impairment of physical or mental health "
    "or development, even if the child recovers)?"
)
ASK_ADULT_HARM = (
    "Has the adult experienced serious abuse or neglect (for example, would likely have died but for an "
    "intervention, or suffered permanent harm or reduced capacity or quality of life)?"
)
ASK_CARE_NEEDS = (
    "Does the adult have needs for care and support (whether or not the local authority was meeting them)?"
)
ASK_JOINT_WORKING = (
    "Is there reasonable cause for concern about how the agencies worked together to safeguard the adult?"
)
ASK_CAUSATION = (
    "Did the abuse or neglect cause or contribute to the death? s44(2) needs it; the suspicion is read as covering "
    "the death until the referrer confirms"
)
ASK_OTHER_CHILDREN = "Are there other children in the same household or care (brothers, sisters, others)?"


@dataclass(frozen=True)
class CaseFacts:
    """What the referrer stated, read into typed facts, plus suggestions from the free text."""

    form_type: FormType
    received_on: date
    age: AgeAtEvent
    died: Truth
    abuse: Truth
    abuse_status: AbuseStatus | None
    abuse_types: tuple[AbuseType, ...]
    child_harmed: Truth
    adult_serious: Truth
    care_needs: Truth
    joint_working: Truth
    looked_after: Truth
    care_leaver: Truth
    learning_disability: Truth
    autistic: Truth
    perpetrator: Perpetrator | None
    la_aware_on: date | None
    death_caused: Truth  # s44(2): the death resulted from the abuse or neglect (unknown: read as yes, and ask)
    death_cause_stated: Answer | None
    event_place: PlaceFact
    residence: PlaceFact
    other_children: Truth
    current_risk: Truth  # an ongoing risk stated on the form (not the summary's suggestion)
    contradictions: tuple[Contradiction, ...]
    suggestions: tuple[Suggestion, ...]
    notes: tuple[str, ...]
    ruleset: Ruleset
    calendar: WorkingCalendar

    def suggested(self, field: str, value: object = None) -> Suggestion | None:
        """The first suggestion from the free text for `field` (and `value`, if given)."""
        return next((s for s in self.suggestions if s.field == field and value in (None, s.value)), None)

    @property
    def track(self) -> Track:
        """The track decided by the age at the event."""
        return self.age.track

    def abuse_words(self) -> str:
        """How the abuse reads in a reason: "neglect is suspected", "physical abuse and neglect are known"."""
        status = "known" if self.abuse_status is AbuseStatus.KNOWN else "suspected"
        if not self.abuse_types:
            return f"abuse or neglect is {status}"
        names = [t.words for t in self.abuse_types]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"{listed} {'is' if len(names) == 1 else 'are'} {status}"


def build_case(
    fields: Mapping[str, Field],
    *,
    form_type: FormType,
    received_at: datetime,
    ruleset: Ruleset,
    calendar: WorkingCalendar,
) -> CaseFacts:
    """Read the fields into a CaseFacts; `received_at` must be timezone-aware (the "date received" is local)."""
    received_on = _local_date(received_at, ruleset.timezone)
    suggestions = _suggestions(fields)
    read = FieldReader(fields, suggestions)
    age = read_age(read, received_on=received_on, age_of_majority=ruleset.thresholds.age_of_majority)
    abuse_status, abuse_types, abuse = _abuse(read)
    contradictions = find_contradictions(read, suggestions)
    unsure = {c.answer: Truth.unknown(c.question) for c in contradictions}
    cause = read.choice("event.death_resulted_from_abuse", Answer)
    return CaseFacts(
        form_type=form_type,
        received_on=received_on,
        age=age,
        died=unsure.get("died") or _died(read),
        abuse=unsure.get("abuse") or abuse,
        abuse_status=abuse_status,
        abuse_types=abuse_types,
        child_harmed=unsure.get("harmed") or read.answer("event.seriously_harmed", ASK_CHILD_HARM),
        adult_serious=unsure.get("harmed") or _adult_serious(read, abuse_types, ruleset),
        care_needs=unsure.get("care_needs") or read.answer("adult.care_and_support_needs", ASK_CARE_NEEDS),
        joint_working=read.answer("adult.joint_working_concern", ASK_JOINT_WORKING),
        looked_after=read.answer("child.looked_after", "Is the child looked after by a local authority?"),
        care_leaver=read.answer("child.care_leaver", "Is the person a care leaver?"),
        learning_disability=read.answer("adult.learning_disability", "Does the person have a learning disability?"),
        autistic=read.answer("adult.autistic", "Is the person autistic?"),
        perpetrator=_perpetrator(read),
        la_aware_on=read.date("event.date_la_aware"),
        death_caused=Truth.of(cause is Answer.YES) if cause in (Answer.YES, Answer.NO)
        else Truth.unknown(ASK_CAUSATION),
        death_cause_stated=cause,
        event_place=read_event_place(read, ruleset.area),
        residence=read_residence(read, ruleset.area),
        other_children=read.answer(OTHER_CHILDREN_FIELD, ASK_OTHER_CHILDREN),
        current_risk=read.answer(CURRENT_RISK_FIELD, "Is the person at risk now?"),
        contradictions=contradictions,
        suggestions=suggestions,
        notes=tuple(dict.fromkeys(read.notes)),
        ruleset=ruleset,
        calendar=calendar,
    )


def _perpetrator(read: FieldReader) -> Perpetrator | None:
    """The relationship ticked; where several are ticked (a son who was also the carer), the closest."""
    ticked = read.codes("event.perpetrator_relationship", Perpetrator)
    return min(ticked, key=list(Perpetrator).index) if ticked else None


def _local_date(received_at: datetime, zone: str) -> date:
    """The date received, in the partnership's zone (an email at 23:30 UTC in summer arrives the next day)."""
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware (UTC)")
    return received_at.astimezone(ZoneInfo(zone)).date()


def _suggestions(fields: Mapping[str, Field]) -> tuple[Suggestion, ...]:
    """What a parser inferred, then what the summary says between the lines."""
    summary = fields.get("event.summary")
    from_text = read_evidence(str(summary.value)) if summary is not None else ()
    return (*inferred_suggestions(fields), *from_text)


def _died(read: FieldReader) -> Truth:
    """Deceased if the form says so or gives a date of death; alive only if it says so."""
    stated = read.flag("event.is_deceased")
    if stated is True or read.date("event.date_of_death") is not None:
        return Truth.of(True)
    if stated is False:
        return Truth.of(False)
    return Truth.unknown(read.ask(ASK_DIED, "event.is_deceased"))


def _abuse(read: FieldReader) -> tuple[AbuseStatus | None, tuple[AbuseType, ...], Truth]:
    """Known or suspected abuse; types ticked with the question left blank count as suspected."""
    status = read.choice(ABUSE_FIELD, AbuseStatus)
    types = read.codes(ABUSE_TYPES_FIELD, AbuseType)
    if status is None and types:
        read.notes.append("event.abuse_or_neglect is not answered but types of abuse are ticked: read as suspected")
        return AbuseStatus.SUSPECTED, types, Truth.of(True)
    if status in (AbuseStatus.KNOWN, AbuseStatus.SUSPECTED):
        return status, types, Truth.of(True)
    if status is AbuseStatus.NOT_SUSPECTED:
        return status, types, Truth.of(False)
    return status, types, Truth.unknown(read.ask(ASK_ABUSE, ABUSE_FIELD, ABUSE_TYPES_FIELD))


def _adult_serious(read: FieldReader, types: tuple[AbuseType, ...], ruleset: Ruleset) -> Truth:
    """Serious abuse or neglect for s44(3): stated, or a type the partnership counts as serious in itself."""
    if set(types) & ruleset.serious_abuse_types:
        return Truth.of(True)
    return read.answer("event.seriously_harmed", ASK_ADULT_HARM)

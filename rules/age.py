"""The person's age at the event, and so the track (domain.md "Who is a child").

The event is the serious harm (date of incident) when it came first, and the death otherwise; with neither, the
date the email was received, and then the age at the event is uncertain. A child is anyone under the age of
majority at the event, unborn children included: a 17-year-old harmed who dies at 18 is a child's case, because
s16C was engaged at the harm. The age at the later point (death, else receipt) is kept to show both routes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from rules.reader import FieldReader
from rules.values import Track

_AGE_QUESTION = "What is the person's date of birth (or their age at the time of the event)?"
ASK_EVENT_DATE = (
    "When did the harm or death happen (date of incident or date of death)? The age at the event decides the route; "
    "it is now taken at the date the referral arrived"
)


@dataclass(frozen=True)
class AgeAtEvent:
    """How old the person was at the event, how we know, and the track that follows."""

    event_on: date
    event_basis: str  # "date of death", "date of incident" or "date received"
    years: int | None  # None when unborn at the event or not stated
    unborn: bool
    track: Track
    reason: str
    # A stated age with no date of birth, read at the event, whose event came long enough before the referral that
    # the person may then have been a child: the route is uncertain.
    uncertain_at_majority: bool = False
    question: str = _AGE_QUESTION
    # The age at the later point (death after the harm, else receipt) when it differs in track from the event.
    later_years: int | None = None
    later_basis: str = ""
    # No date of incident or death: the age was taken at receipt.
    no_event_date: bool = False
    # A date of birth on or before the date of death: born alive (a stillbirth is outside the Child Death Review).
    born_alive: bool | None = None

    @property
    def crosses_majority(self) -> bool:
        """A child at the harm and an adult at death (or at receipt): both routes are shown."""
        return self.track is Track.CHILD and self.later_years is not None


def full_years(born: date, on: date) -> int:
    """Completed years of age on `on` (someone born on 29 February turns a year older on 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 February for a 29 February in a non-leap year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def read_age(reader: FieldReader, *, received_on: date, age_of_majority: int) -> AgeAtEvent:
    """Work out the age at the event from the date of birth, else the expected delivery date, else the age."""
    event_on, basis, later_on, later_basis = _event(reader, received_on)
    when = f"the event ({basis} {event_on.isoformat()})"
    born = reader.date("subject.date_of_birth")
    due = reader.date("subject.expected_delivery_date")
    stated = reader.integer("subject.age")
    no_date = basis == "date received"
    died_on = reader.date("event.date_of_death")
    alive_birth = born is not None and died_on is not None and born <= died_on
    if born is not None and born <= event_on:
        years = full_years(born, event_on)
        later = full_years(born, later_on) if later_on is not None else None
        result = _by_years(event_on, basis, years, f"aged {years} at {when}, from the date of birth", age_of_majority)
        crosses = later is not None and years < age_of_majority <= later
        return _with(result, later if crosses else None, later_basis, no_date, alive_birth)
    if born is not None or due is not None:
        reason = f"an unborn child or a baby at {when}: an unborn child is a child"
        return AgeAtEvent(event_on, basis, None, True, Track.CHILD, f"Child track: {reason}", no_event_date=no_date,
                          born_alive=alive_birth if born is not None else None)
    if stated is not None:
        unsure = _may_have_been_child(stated, event_on, received_on, age_of_majority)
        how = f"aged {stated}, as stated on the form"
        result = _by_years(event_on, basis, stated, how, age_of_majority, unsure)
        return _with(result, None, "", no_date, None)
    reason = f"Track unknown: the form gives no date of birth, expected delivery date or age for {when}"
    return AgeAtEvent(event_on, basis, None, False, Track.UNKNOWN, reason, no_event_date=no_date)


def _may_have_been_child(stated: int, event_on: date, received_on: date, majority: int) -> bool:
    """An adult age with no date of birth may be the age at referral: could the person have been a child then?

    The youngest the person can be is to have turned `stated` on the day the referral arrived.
    """
    if stated < majority or event_on >= received_on:
        return False
    return full_years(_years_before(received_on, stated), event_on) < majority


def _event(reader: FieldReader, received_on: date) -> tuple[date, str, date | None, str]:
    """The date the age is measured at and which date it is, then the later point (death or receipt) if any."""
    incident = reader.date("event.date_of_incident")
    death = reader.date("event.date_of_death")
    if incident is not None and (death is None or incident <= death):
        later, later_basis = (death, "date of death") if death is not None else (received_on, "date received")
        return incident, "date of incident", later, later_basis
    if death is not None:
        return death, "date of death", received_on, "date received"
    return received_on, "date received", None, ""


def _with(age: AgeAtEvent, later: int | None, basis: str, no_date: bool, alive: bool | None) -> AgeAtEvent:
    return replace(age, later_years=later, later_basis=basis if later is not None else "", no_event_date=no_date,
                   born_alive=alive)


def _by_years(
    event_on: date, basis: str, years: int, how: str, majority: int, uncertain: bool = False
) -> AgeAtEvent:
    """Child under the age of majority, adult from it."""
    track = Track.CHILD if years < majority else Track.ADULT
    label = "Child" if track is Track.CHILD else "Adult"
    return AgeAtEvent(event_on, basis, years, False, track, f"{label} track: {how}", uncertain)

"""The person's age at the event, and so the track (domain.md "Who is a child").

The event is the date of death, else the date of incident, else the date the email was received. A child is
anyone under the age of majority at the event, unborn children included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rules.reader import FieldReader
from rules.values import Track

_AGE_QUESTION = "What is the person's date of birth (or their age at the time of the event)?"


@dataclass(frozen=True)
class AgeAtEvent:
    """How old the person was at the event, how we know, and the track that follows."""

    event_on: date
    event_basis: str  # "date of death", "date of incident" or "date received"
    years: int | None  # None when unborn at the event or not stated
    unborn: bool
    track: Track
    reason: str
    # Only an age was given, it equals the age of majority and the event came before the referral: the age may
    # be the age at referral, so the person may have been a child at the event.
    uncertain_at_majority: bool = False
    question: str = _AGE_QUESTION


def full_years(born: date, on: date) -> int:
    """Completed years of age on `on` (someone born on 29 February turns a year older on 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def read_age(reader: FieldReader, *, received_on: date, age_of_majority: int) -> AgeAtEvent:
    """Work out the age at the event from the date of birth, else the expected delivery date, else the age."""
    event_on, basis = _event(reader, received_on)
    when = f"the event ({basis} {event_on.isoformat()})"
    born = reader.date("subject.date_of_birth")
    due = reader.date("subject.expected_delivery_date")
    stated = reader.integer("subject.age")
    if born is not None and born <= event_on:
        years = full_years(born, event_on)
        return _by_years(event_on, basis, years, f"aged {years} at {when}, from the date of birth", age_of_majority)
    if born is not None or due is not None:
        reason = f"an unborn child or a baby at {when}: an unborn child is a child"
        return AgeAtEvent(event_on, basis, None, True, Track.CHILD, f"Child track: {reason}")
    if stated is not None:
        unsure = stated == age_of_majority and event_on < received_on
        return _by_years(event_on, basis, stated, f"aged {stated}, as stated on the form", age_of_majority, unsure)
    reason = f"Track unknown: the form gives no date of birth, expected delivery date or age for {when}"
    return AgeAtEvent(event_on, basis, None, False, Track.UNKNOWN, reason)


def _event(reader: FieldReader, received_on: date) -> tuple[date, str]:
    """The date the age is measured at, and which date it is."""
    for name, basis in (("event.date_of_death", "date of death"), ("event.date_of_incident", "date of incident")):
        found = reader.date(name)
        if found is not None:
            return found, basis
    return received_on, "date received"


def _by_years(
    event_on: date, basis: str, years: int, how: str, majority: int, uncertain: bool = False
) -> AgeAtEvent:
    """Child under the age of majority, adult from it."""
    track = Track.CHILD if years < majority else Track.ADULT
    label = "Child" if track is Track.CHILD else "Adult"
    return AgeAtEvent(event_on, basis, years, False, track, f"{label} track: {how}", uncertain)

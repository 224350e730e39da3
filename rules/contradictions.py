"""Contradictions: two answers that disagree, or free text that strongly says the opposite of a ticked answer.

domain.md "What a recommendation may rest on": a contradiction is a question, not a silent choice. The decision
it touches becomes `needs_information` (the answer reads as unknown) and the question names both answers; the
decision follows the ticked answer only after a person has looked and corrected one of them.

Each check is data: the answer it guards, the law the answer serves, how it is contradicted and the question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rules.codes import AbuseStatus
from rules.phrases import ABUSE_FIELD, ABUSE_TYPES_FIELD
from rules.reader import FieldReader
from rules.values import Suggestion


@dataclass(frozen=True)
class Contradiction:
    """One disagreement found on a case: which answer it touches, and the question naming both sides."""

    name: str
    answer: str  # the fact it makes unknown: "died", "abuse", "care_needs", "harmed"
    question: str


Detector = Callable[[FieldReader, tuple[Suggestion, ...]], str | None]


@dataclass(frozen=True)
class ContradictionCheck:
    """A kind of contradiction: `detect` returns the question (naming both answers) or None."""

    name: str
    answer: str
    law: str
    detect: Detector


def _lower(value: object) -> str:
    return str(value if value is not None else "").strip().lower()


def _said(suggestions: tuple[Suggestion, ...], field: str, value: object) -> Suggestion | None:
    return next((s for s in suggestions if s.field == field and s.value == value), None)


def _abuse_types_beside_not_suspected(read: FieldReader, _: tuple[Suggestion, ...]) -> str | None:
    types = read.peek(ABUSE_TYPES_FIELD)
    if _lower(read.peek(ABUSE_FIELD)) != AbuseStatus.NOT_SUSPECTED or not types:
        return None
    listed = ", ".join(types) if isinstance(types, list | tuple) else str(types)
    return (f'The form says abuse or neglect is "not suspected" but ticks types of abuse ({listed}): '
            "is abuse or neglect known or suspected?")


def _text_abuse_beside_not_suspected(read: FieldReader, found: tuple[Suggestion, ...]) -> str | None:
    if _lower(read.peek(ABUSE_FIELD)) != AbuseStatus.NOT_SUSPECTED or read.peek(ABUSE_TYPES_FIELD):
        return None
    text = next((s for s in found if s.field == ABUSE_TYPES_FIELD), None)
    if text is None:
        return None
    return (f'The form says abuse or neglect is "not suspected", but the summary says: "{text.sentence}". '
            "Is abuse or neglect known or suspected?")


def _alive_beside_date_of_death(read: FieldReader, _: tuple[Suggestion, ...]) -> str | None:
    died_on = read.peek("event.date_of_death")
    if read.peek_flag("event.is_deceased") is not False or not died_on:
        return None
    return f'The form says the person has not died but gives a date of death ({died_on}): has the person died?'


def _no_care_needs_beside_care_described(read: FieldReader, found: tuple[Suggestion, ...]) -> str | None:
    text = _said(found, "adult.care_and_support_needs", "yes")
    if _lower(read.peek("adult.care_and_support_needs")) != "no" or text is None:
        return None
    return (f'The form says the adult has no care and support needs, but the summary says: "{text.sentence}". '
            "Does the adult have needs for care and support?")


def _not_harmed_beside_serious_injury(read: FieldReader, found: tuple[Suggestion, ...]) -> str | None:
    text = _said(found, "event.seriously_harmed", "yes")
    if _lower(read.peek("event.seriously_harmed")) != "no" or text is None:
        return None
    return (f'The form says the person was not seriously harmed, but the summary says: "{text.sentence}". '
            "Was the person seriously harmed?")


CHECKS: tuple[ContradictionCheck, ...] = (
    ContradictionCheck("abuse_types_beside_not_suspected", "abuse",
                       "Children Act 2004 s16C(1)(a); Care Act 2014 s44(2)-(3)", _abuse_types_beside_not_suspected),
    ContradictionCheck("summary_abuse_beside_not_suspected", "abuse",
                       "Children Act 2004 s16C(1)(a); Care Act 2014 s44(2)-(3)", _text_abuse_beside_not_suspected),
    ContradictionCheck("alive_beside_date_of_death", "died",
                       "Children Act 2004 s16C(1)(b); Care Act 2014 s44(2)", _alive_beside_date_of_death),
    ContradictionCheck("no_care_needs_beside_care_described", "care_needs", "Care Act 2014 s44(1)(a)",
                       _no_care_needs_beside_care_described),
    ContradictionCheck("not_harmed_beside_serious_injury", "harmed",
                       "Children Act 2004 s16C(1)(b); Care Act 2014 s44(3)", _not_harmed_beside_serious_injury),
)


def find_contradictions(read: FieldReader, suggestions: tuple[Suggestion, ...]) -> tuple[Contradiction, ...]:
    """Every contradiction on the case, in the order of CHECKS."""
    found = []
    for check in CHECKS:
        question = check.detect(read, suggestions)
        if question is not None:
            found.append(Contradiction(check.name, check.answer, question))
    return tuple(found)

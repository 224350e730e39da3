"""What kind of answer each canonical field holds, and reading a person's typed correction into it.

A correction is read strictly: a date must be a whole UK date (14/06/2008, 14.6.08, 14 June 2008) and is
stored as ISO; a choice must be one of its codes; an NHS number ten digits. Anything else is refused with
a message shown beside the field, and nothing is saved (interfaces.md, "Canonical fields").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from parsers.forms.normalise import nhs_digits, parse_date, parse_email, parse_postcode


class Kind(StrEnum):
    """How a field is typed in and stored."""

    DATE = "date"
    YES_NO = "yes_no"  # true / false
    CHOICE = "choice"  # one code of a list
    MULTI = "multi"  # a list of codes
    AGE = "age"
    NHS_NUMBER = "nhs_number"
    POSTCODE = "postcode"
    EMAIL = "email"
    TEXT = "text"
    LONG_TEXT = "long_text"


YNU = ("yes", "no", "unknown")


@dataclass(frozen=True)
class FieldKind:
    """A field's kind and, for choices, its codes in the order offered."""

    kind: Kind
    choices: tuple[str, ...] = ()


KINDS: dict[str, FieldKind] = {
    "subject.forenames": FieldKind(Kind.TEXT),
    "subject.surname": FieldKind(Kind.TEXT),
    "subject.date_of_birth": FieldKind(Kind.DATE),
    "subject.age": FieldKind(Kind.AGE),
    "subject.expected_delivery_date": FieldKind(Kind.DATE),
    "subject.sex": FieldKind(Kind.CHOICE, ("male", "female", "other", "unknown")),
    "subject.nhs_number": FieldKind(Kind.NHS_NUMBER),
    "subject.address": FieldKind(Kind.LONG_TEXT),
    "subject.postcode": FieldKind(Kind.POSTCODE),
    "subject.resident_in_area": FieldKind(Kind.CHOICE, YNU),
    "referrer.name": FieldKind(Kind.TEXT),
    "referrer.role": FieldKind(Kind.TEXT),
    "referrer.organisation": FieldKind(Kind.TEXT),
    "referrer.email": FieldKind(Kind.EMAIL),
    "referrer.phone": FieldKind(Kind.TEXT),
    "event.is_deceased": FieldKind(Kind.YES_NO),
    "event.date_of_death": FieldKind(Kind.DATE),
    "event.date_of_incident": FieldKind(Kind.DATE),
    "event.date_la_aware": FieldKind(Kind.DATE),
    "event.date_referred": FieldKind(Kind.DATE),
    "event.death_resulted_from_abuse": FieldKind(Kind.CHOICE, YNU),
    "event.place": FieldKind(Kind.TEXT),
    "event.in_area": FieldKind(Kind.CHOICE, YNU),
    "event.abuse_or_neglect": FieldKind(Kind.CHOICE, ("known", "suspected", "not_suspected", "unknown")),
    "event.abuse_types": FieldKind(Kind.MULTI, (
        "physical", "sexual", "sexual_exploitation", "criminal_exploitation", "psychological",
        "financial_material", "neglect", "self_neglect", "domestic", "modern_slavery", "discriminatory",
        "organisational")),
    "event.seriously_harmed": FieldKind(Kind.CHOICE, YNU),
    "event.perpetrator_relationship": FieldKind(Kind.CHOICE, (
        "intimate_partner", "former_partner", "relative", "household_member", "carer", "staff", "other",
        "unknown")),
    "event.summary": FieldKind(Kind.LONG_TEXT),
    "adult.care_and_support_needs": FieldKind(Kind.CHOICE, YNU),
    "adult.joint_working_concern": FieldKind(Kind.CHOICE, YNU),
    "adult.learning_disability": FieldKind(Kind.CHOICE, YNU),
    "adult.autistic": FieldKind(Kind.CHOICE, YNU),
    "child.looked_after": FieldKind(Kind.CHOICE, YNU),
    "child.child_protection_plan": FieldKind(Kind.CHOICE, YNU),
    "child.care_leaver": FieldKind(Kind.CHOICE, YNU),
}
CANONICAL = tuple(KINDS)
_WHOLE_DATE = re.compile(r"^[\w ,./\-]{4,30}$")


class RefusedError(ValueError):
    """A typed value that cannot be read as the field's kind; the message is shown beside the field."""


def kind_of(name: str) -> FieldKind:
    """The kind of a canonical field (free text for names outside the table)."""
    return KINDS.get(name, FieldKind(Kind.TEXT))


def read_value(name: str, texts: Sequence[str]) -> Any:
    """The stored value for what was typed or chosen (several texts only for lists); RefusedError if unreadable."""
    kind = kind_of(name)
    text = " ".join(texts[0].split()) if texts else ""
    if kind.kind is Kind.MULTI:
        # Ticked boxes arrive one per text; typed in (adding a field) they are comma-separated words.
        chosen = [p.strip().lower().replace(" ", "_") for t in texts for p in t.split(",") if p.strip()]
        if not chosen or any(t not in kind.choices for t in chosen):
            raise RefusedError("choose one or more of the listed types")
        return [c for c in kind.choices if c in chosen]
    if not text:
        raise RefusedError("type a value (or leave the field as it is)")
    return _READERS[kind.kind](text, kind)


def _date(text: str, kind: FieldKind) -> str:
    # A whole date only: "June 2008" would be read as the 1st, which nobody typed.
    iso = parse_date(text) if _WHOLE_DATE.match(text) and text[0].isdigit() else None
    if iso is None:
        raise RefusedError(f"“{text[:40]}” is not a date: type it as 14/06/2008 or 14 June 2008")
    return iso


def _yes_no(text: str, kind: FieldKind) -> bool:
    answer = text.lower()
    if answer in {"yes", "y", "true"}:
        return True
    if answer in {"no", "n", "false"}:
        return False
    raise RefusedError("choose yes or no")


def _choice(text: str, kind: FieldKind) -> str:
    code = text.lower().replace(" ", "_")
    if code not in kind.choices:
        raise RefusedError("choose one of the listed answers")
    return code


def _age(text: str, kind: FieldKind) -> int:
    if not text.isdigit() or int(text) > 120:
        raise RefusedError("type the age in whole years (0 to 120)")
    return int(text)


def _nhs(text: str, kind: FieldKind) -> str:
    digits = nhs_digits(text)
    if digits is None:
        raise RefusedError("an NHS number has ten digits (spaces are fine)")
    return digits


def _postcode(text: str, kind: FieldKind) -> str:
    code = parse_postcode(text)
    if code is None or len(text.replace(" ", "")) > 8:
        raise RefusedError("type a UK postcode, such as SL6 8NJ")
    return code


def _email(text: str, kind: FieldKind) -> str:
    address = parse_email(text)
    if address is None or address != text:
        raise RefusedError("type one email address")
    return address


def _text(text: str, kind: FieldKind) -> str:
    return text[:2000]


_READERS = {Kind.DATE: _date, Kind.YES_NO: _yes_no, Kind.CHOICE: _choice, Kind.AGE: _age,
            Kind.NHS_NUMBER: _nhs, Kind.POSTCODE: _postcode, Kind.EMAIL: _email, Kind.TEXT: _text,
            Kind.LONG_TEXT: _text}


def shown(value: Any) -> str:
    """A stored value as the form's input shows it (dates dd/mm/yyyy, yes/no, lists comma-separated)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    return "" if value is None else str(value)

"""Finding a case from the one search box: a reference, a name (full or partial, "Margaret Whitfield"), an
NHS number with or without spaces, a date of birth as UK staff write it, or a postcode with or without its
space. Each reading of the text that fits is tried; a case matching any of them is found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from intake.store.models import Case, CaseField
from parsers.forms.normalise import parse_date

NAME_FIELDS = ("subject.surname", "subject.forenames")
PERSON_FIELDS = (*NAME_FIELDS, "subject.date_of_birth")
_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", re.I)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _value_text() -> sa.ColumnElement[str]:
    # JSON values compared as text, lower case and without spaces ("SL6 8NJ" and "sl68nj" meet).
    return sa.func.replace(sa.func.lower(sa.cast(CaseField.value, sa.Text)), " ", "")


def _cases_with(names: Sequence[str], pattern: str) -> sa.Select:
    return select(CaseField.case_pk).where(col(CaseField.name).in_(list(names)), col(CaseField.current).is_(True),
                                           _value_text().like(pattern, escape="\\"))


def search_condition(text: str) -> sa.ColumnElement[bool]:
    """Cases the search text finds, by every reading of it that fits."""
    text = " ".join(text.split())[:100]
    compact = text.replace(" ", "")
    found: list[sa.ColumnElement[bool]] = [col(Case.reference).like(_like(compact.upper()), escape="\\")]
    if re.fullmatch(r"\d{10}", compact):
        found.append(col(Case.id).in_(_cases_with(["subject.nhs_number"], _like(compact))))
    if re.fullmatch(r"[\d\s/.\-]{6,10}|\d{1,2} [A-Za-z]{3,9} \d{2,4}", text) and (iso := parse_date(text)):
        found.append(col(Case.id).in_(_cases_with(["subject.date_of_birth"], _like(iso))))
    if _POSTCODE.match(text):
        found.append(col(Case.id).in_(_cases_with(["subject.postcode"], _like(compact.lower()))))
    words = [w.lower() for w in re.split(r"[\s,]+", text) if w][:4]
    if any(c.isalpha() for c in text):
        # Every word must be in the forenames or the surname: "Margaret Whitfield", "marg whit".
        per_word = [col(Case.id).in_(_cases_with(NAME_FIELDS, _like(w))) for w in words]
        found.append(sa.and_(*per_word))
    return sa.or_(*found)


def person_columns(session: Session, case_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """For each case shown: its person's name and date of birth (dd/mm/yyyy), for the roles that may see them."""
    if not case_ids:
        return {}
    rows = session.exec(select(CaseField.case_pk, CaseField.name, CaseField.value).where(
        col(CaseField.case_pk).in_(list(case_ids)), col(CaseField.current).is_(True),
        col(CaseField.name).in_(PERSON_FIELDS)))
    people: dict[int, dict[str, str]] = {}
    for case_pk, name, value in rows:
        people.setdefault(case_pk, {})[name] = str(value or "")
    for person in people.values():
        person["name"] = " ".join(p for p in (person.get("subject.forenames", ""),
                                              person.get("subject.surname", "")) if p)
        dob = person.get("subject.date_of_birth", "")
        person["dob"] = f"{dob[8:10]}/{dob[5:7]}/{dob[:4]}" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", dob) else dob
    return people

"""Finding a case from the one search box: a reference, a name (full or partial, "Margaret Whitfield"), an
NHS number with or without spaces, a date of birth as UK staff write it, or a postcode with or without its
space. Each reading of the text that fits is tried; a case matching any of them is found.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from intake.store.models import Case, CaseField
from intake.store.sealing import open_json
from parsers.forms.normalise import parse_date

NAME_FIELDS = ("subject.surname", "subject.forenames")
PERSON_FIELDS = (*NAME_FIELDS, "subject.date_of_birth")
SEARCHED_FIELDS = (*PERSON_FIELDS, "subject.nhs_number", "subject.postcode")
_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", re.I)
# Field values are sealed (intake/store/sealing.py): SQL cannot search them, so the current values of the searched
# fields are loaded as stored and opened here, each sealed value once per process (a partnership has thousands
# of cases, not millions: a few megabytes). The cache is keyed by the stored bytes, so a corrected, purged or
# re-wrapped value is simply a new entry; it is emptied when it grows past MAX_CACHED.
MAX_CACHED = 200_000
_opened: dict[Any, str] = {}
_lock = threading.Lock()


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _normal(value: Any) -> str:
    # Lower case and without spaces ("SL6 8NJ" and "sl68nj" meet); a list or a number as its JSON text.
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.lower().replace(" ", "")


def _opened_value(raw: Any) -> str:
    key = raw if isinstance(raw, str) else bytes(raw)
    found = _opened.get(key)
    if found is None:
        value = open_json(key)
        found = "" if value is None else _normal(value)  # JSON null finds nothing
        with _lock:
            if len(_opened) >= MAX_CACHED:
                _opened.clear()
            _opened[key] = found
    return found


def searched_values(session: Session) -> dict[str, list[tuple[int, str]]]:
    """Per searched field: (case id, its current value normalised) for every case."""
    raw = sa.type_coerce(CaseField.value, sa.types.NullType())  # as stored: opened (and cached) below
    rows = session.exec(select(CaseField.case_pk, CaseField.name, raw).where(
        col(CaseField.name).in_(SEARCHED_FIELDS), col(CaseField.current).is_(True), col(CaseField.value).is_not(None)))
    values: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for case_pk, name, stored in rows:
        values[name].append((case_pk, _opened_value(stored)))
    return values


def _cases_with(values: dict[str, list[tuple[int, str]]], names: Sequence[str], part: str) -> set[int]:
    return {case_pk for name in names for case_pk, value in values.get(name, ()) if part in value}


def matching_cases(session: Session, text: str) -> set[int]:
    """The ids of the cases whose person the search text finds (by name, NHS number, date of birth, postcode)."""
    text = " ".join(text.split())[:100]
    compact = text.replace(" ", "")
    readings: list[tuple[Sequence[str], list[str]]] = []
    if re.fullmatch(r"\d{10}", compact):
        readings.append((["subject.nhs_number"], [compact]))
    if re.fullmatch(r"[\d\s/.\-]{6,10}|\d{1,2} [A-Za-z]{3,9} \d{2,4}", text) and (iso := parse_date(text)):
        readings.append((["subject.date_of_birth"], [iso]))
    if _POSTCODE.match(text):
        readings.append((["subject.postcode"], [compact.lower()]))
    if any(c.isalpha() for c in text):
        # Every word must be in the forenames or the surname: "Margaret Whitfield", "marg whit".
        readings.append((NAME_FIELDS, [w.lower() for w in re.split(r"[\s,]+", text) if w][:4]))
    if not readings:
        return set()
    values = searched_values(session)
    found: set[int] = set()
    for names, words in readings:
        per_word = [_cases_with(values, names, word) for word in words]
        found |= set.intersection(*per_word) if per_word else set()
    return found


def search_condition(session: Session, text: str) -> sa.ColumnElement[bool]:
    """Cases the search text finds, by every reading of it that fits: the reference in SQL, the person's
    details matched in Python (they are sealed). Worked out once per transaction and text (a queue page asks
    up to four times: live concerns, two parts of the page, the count)."""
    memo = session.info.setdefault("queue_search", {})
    session.connection()  # the transaction begins now, so that the key below names it
    key = (id(session.get_transaction()), text)
    if key not in memo:
        memo.clear()
        compact = " ".join(text.split())[:100].replace(" ", "")
        ids = sorted(matching_cases(session, text))
        reference = col(Case.reference).like(_like(compact.upper()), escape="\\")
        # Ids inline (literal_execute): a common name may match thousands of cases, past a driver's parameters.
        memo[key] = sa.or_(reference, col(Case.id).in_(sa.bindparam("found_ids", ids, expanding=True,
                                                                       literal_execute=True))) if ids else reference
    return memo[key]


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

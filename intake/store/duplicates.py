"""Duplicates: copies of one email taken in twice, and the same referral sent again.

Two different things. A copy of the same email (one Message-ID, from the same sender, delivered twice
because it was sent to two of our addresses, with slightly different bytes) is kept in the ledger but
filed once. The same referral sent again (the same form file, or a form about the same person) is a
new case, flagged `possible_duplicate` for staff to merge or close: it may carry something new.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from intake.store.audit import SYSTEM, AuditAction, record
from intake.store.models import Case, CaseField, Disposition, Message, StoredAttachment
from parsers.values import Attachment, ExtractedForm, Flag

_FILED = (Disposition.CASE, Disposition.FOLLOW_UP, Disposition.IGNORED)
_PERSON_FIELDS = ("subject.forenames", "subject.surname", "subject.date_of_birth", "subject.nhs_number")


@dataclass(frozen=True)
class Match:
    """An earlier case this one may duplicate, and the rule that matched."""

    reference: str
    rule: str


def earlier_copy(session: Session, *, message_pk: int, message_id: str, sender: str) -> Message | None:
    """An earlier ledger message with the same Message-ID and sender, already filed (so this one is a copy)."""
    if not message_id or not sender:
        return None
    statement = (select(Message).where(Message.message_id == message_id, Message.sender == sender,
                                       col(Message.id) < message_pk, col(Message.disposition).in_(_FILED))
                 .order_by(col(Message.id)).limit(1))
    return session.exec(statement).first()


def find_duplicate(session: Session, *, case: Case, items: Sequence[tuple[Attachment, ExtractedForm | None]],
                   form: ExtractedForm, window_days: int) -> Match | None:
    """The earliest case within the window with the same form file or the same person, if any."""
    earlier = select(col(Case.id)).where(col(Case.id) < case.id,
                                    Case.received_at >= case.received_at - timedelta(days=window_days))
    digests = sorted({a.sha256 for a, f in items if f is not None})
    matches: list[tuple[int, Match]] = []
    if digests:
        statement = (select(Case.id, Case.reference).join(Message, col(Message.case_pk) == Case.id)
                     .join(StoredAttachment, col(StoredAttachment.message_pk) == Message.id)
                     .where(col(StoredAttachment.sha256).in_(digests), col(Case.id).in_(earlier))
                     .order_by(col(Case.id)).limit(1))
        found = session.exec(statement).first()
        if found and found[0] is not None:
            matches.append((found[0], Match(found[1], "the same form file")))
    person = _person(form.fields)
    if person:
        matches.extend(_same_person(session, person, earlier))
    return min(matches, key=lambda m: m[0])[1] if matches else None


def flag_duplicate(session: Session, *, case: Case, message_pk: int | None, match: Match) -> None:
    """Mark a case as a possible duplicate of an earlier one, with an audit entry saying which rule matched."""
    case.flags = sorted({*case.flags, str(Flag.POSSIBLE_DUPLICATE)})
    case.duplicate_of = match.reference
    session.add(case)
    record(session, actor=SYSTEM, action=AuditAction.POSSIBLE_DUPLICATE, case_pk=case.id, message_pk=message_pk,
           detail={"duplicate_of": match.reference, "rule": match.rule})


def _normal(value: object) -> str:
    return " ".join(re.sub(r"[^\w\s-]", " ", str(value)).lower().split())


def _person(fields: Mapping[str, _Valued]) -> dict[str, str]:
    """The identifying fields of a form, normalised (NHS number as digits only)."""
    values = {name: _normal(fields[name].value) for name in _PERSON_FIELDS if name in fields}
    if "subject.nhs_number" in values:
        values["subject.nhs_number"] = re.sub(r"\D", "", values["subject.nhs_number"])
    return {k: v for k, v in values.items() if v}


def _same_person(session: Session, person: dict[str, str], earlier: SelectOfScalar[int | None]
                 ) -> list[tuple[int, Match]]:
    """The earliest earlier case about the same person (a list of at most one)."""
    # Saved rows' ids are never None (SQLModel types them `int | None` for rows not yet saved).
    rows = cast(Sequence[tuple[int, int, str]], session.exec(
        select(CaseField.id, CaseField.case_pk, CaseField.name)
        .where(col(CaseField.name).in_(_PERSON_FIELDS), CaseField.current, col(CaseField.case_pk).in_(earlier))
    ).all())
    database = _database(session)
    _open_values(session, database, [row[0] for row in rows if (database, row[0]) not in _OPENED])
    by_case: dict[int, dict[str, _Valued]] = defaultdict(dict)
    for field_pk, case_pk, name in rows:
        by_case[case_pk][name] = _Value(_OPENED.get((database, field_pk)))
    for case_pk, fields in sorted(by_case.items()):
        rule = _person_rule(person, _person(fields))
        if rule:
            reference = session.exec(select(Case.reference).where(Case.id == case_pk)).one()
            return [(case_pk, Match(reference, rule))]
    return []


# Opened person values by (database, CaseField id), kept for the life of the process: a field row never changes (a
# correction adds a row), and values are sealed at rest, so each would otherwise be decrypted again for every new
# referral.
_OPENED: dict[tuple[str, int], object] = {}
_OPENED_LIMIT = 200_000


def _database(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def _open_values(session: Session, database: str, field_pks: list[int]) -> None:
    if len(_OPENED) + len(field_pks) > _OPENED_LIMIT:
        _OPENED.clear()
    for start in range(0, len(field_pks), 500):
        chunk = field_pks[start:start + 500]
        opened = session.exec(select(CaseField.id, CaseField.value).where(col(CaseField.id).in_(chunk))).all()
        _OPENED.update(((database, pk), value) for pk, value in cast(Sequence[tuple[int, object]], opened))


def _person_rule(one: dict[str, str], other: dict[str, str]) -> str:
    nhs = one.get("subject.nhs_number")
    if nhs and len(nhs) == 10 and nhs == other.get("subject.nhs_number"):
        return "the same NHS number"
    keys = ("subject.forenames", "subject.surname", "subject.date_of_birth")
    if all(one.get(k) for k in keys) and all(one.get(k) == other.get(k) for k in keys):
        return "the same name and date of birth"
    return ""


class _Valued(Protocol):
    """What `_person` reads of a field: a parsed Field, or a stored value wrapped in `_Value`."""

    @property
    def value(self) -> object: ...


@dataclass(frozen=True)
class _Value:
    """A stored field value in the shape `_person` reads (it looks at `.value`)."""

    value: object


def recheck_person(session: Session, *, case: Case, window_days: int) -> Match | None:
    """After a correction or an unlocked form, look again for another case about the same person.

    Either side of the window counts: a form read late may be about a person already referred since. A
    case already linked as a duplicate is left as staff set it; a match is flagged with its rule.
    """
    rows = session.exec(select(CaseField.name, CaseField.value).where(
        CaseField.case_pk == case.id, CaseField.current, col(CaseField.name).in_(_PERSON_FIELDS)))
    person = _person({name: _Value(value) for name, value in rows})
    if not person or case.duplicate_of:
        return None
    window = timedelta(days=window_days)
    # A case already linked to this one is its duplicate, not its original: it is never offered back.
    others = select(col(Case.id)).where(col(Case.id) != case.id, Case.received_at >= case.received_at - window,
                                   Case.received_at <= case.received_at + window,
                                   sa.or_(col(Case.duplicate_of).is_(None), col(Case.duplicate_of) != case.reference))
    matches = _same_person(session, person, others)
    if not matches:
        return None
    match = min(matches, key=lambda m: m[0])[1]
    flag_duplicate(session, case=case, message_pk=None, match=match)
    return match

"""Answers on a form that map to no field, and the question-to-field mappings staff teach the service.

A mapping is per deployment (this database): made once on a case page, it reads that question into its field on
every later form. Undoing one keeps the row (who made it, who undid it) for the record.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from intake.store.models import UtcDateTime, utcnow
from intake.store.sealing import SealedText
from parsers.values import ExtractedForm


class CaseOtherAnswer(SQLModel, table=True):
    """An answered question on a case's form that gave no canonical field (shown as "Other answers")."""

    __tablename__ = "case_other_answers"

    id: int | None = Field(default=None, primary_key=True)
    case_pk: int = Field(foreign_key="cases.id", index=True)
    question: str = Field(sa_type=sa.Text)
    answer: str = Field(sa_type=SealedText)
    source: str = Field(default="", sa_type=SealedText)
    section: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=300)
    mapped_to: str | None = Field(default=None, max_length=80)  # the field staff read it into
    # About someone other than the subject or the referrer (a parent, the alleged perpetrator): shown, never mapped.
    other_person: bool = False
    created_at: datetime = Field(sa_type=UtcDateTime, default_factory=utcnow)


class LearnedMapping(SQLModel, table=True):
    """A question staff mapped to a canonical field; active until an admin undoes it."""

    __tablename__ = "learned_mappings"

    id: int | None = Field(default=None, primary_key=True)
    question_key: str = Field(max_length=500, index=True)
    question: str = Field(sa_type=sa.Text)  # as first printed, for the admin page
    field_name: str = Field(max_length=80)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_type=UtcDateTime, default_factory=utcnow)
    undone_by: str | None = Field(default=None, max_length=100)
    undone_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


def save_other_answers(session: Session, case_pk: int | None, form: ExtractedForm) -> None:
    """Keep every answer of the form that gave no field, and every answer about another person (the caller
    commits)."""
    if case_pk is None:
        raise ValueError("the case must be flushed before its answers are kept")
    rows = [(a, False) for a in form.other_answers] + [(a, True) for p in form.people for a in p.answers]
    session.add_all(CaseOtherAnswer(case_pk=case_pk, question=a.question, answer=a.answer, source=a.source,
                                    section=a.section[:300], note=a.note[:300], other_person=person)
                    for a, person in rows)


def other_answers_of(session: Session, case_pk: int | None) -> list[CaseOtherAnswer]:
    """A case's other answers, in form order."""
    statement = select(CaseOtherAnswer).where(CaseOtherAnswer.case_pk == case_pk).order_by(col(CaseOtherAnswer.id))
    return list(session.exec(statement))


def active_mappings(session: Session) -> dict[str, str]:
    """Question key -> field name, for every mapping not undone (the newest wins)."""
    rows = session.exec(select(LearnedMapping).where(col(LearnedMapping.undone_at).is_(None))
                        .order_by(col(LearnedMapping.id)))
    return {row.question_key: row.field_name for row in rows}


def all_mappings(session: Session) -> list[LearnedMapping]:
    """Every mapping, newest first, undone ones included."""
    return list(session.exec(select(LearnedMapping).order_by(col(LearnedMapping.id).desc())))


def learn(session: Session, *, question_key: str, question: str, field_name: str, user: str) -> LearnedMapping:
    """Record a mapping, replacing an active one for the same question (the caller commits)."""
    for old in session.exec(select(LearnedMapping).where(LearnedMapping.question_key == question_key,
                                                         col(LearnedMapping.undone_at).is_(None))):
        old.undone_by, old.undone_at = user, utcnow()
        session.add(old)
    mapping = LearnedMapping(question_key=question_key, question=question, field_name=field_name, created_by=user)
    session.add(mapping)
    session.flush()
    return mapping

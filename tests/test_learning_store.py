"""The learned mappings and other answers, on SQLite and PostgreSQL: the pipeline keeps a form's other answers
with its case, reads a learned question into its field on the next form, and stops once it is undone."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from intake.runtime import build_runtime
from intake.store import learning
from intake.store.learning import CaseOtherAnswer
from intake.store.models import Case, CaseField, utcnow
from parsers.forms import question_key
from tests.conftest import make_settings
from tests.support.browser import take_in
from tests.support.mailfactory import make_email


def _referral(n: int) -> bytes:
    body = (f"SAR referral.\n\nName of adult: Ivy Example{n}\nDate of birth: 01/02/1950\n"
            "Where was she living at the time?: Brookfield Lodge, Reading\n")
    return make_email(subject="SAR referral", body=body, message_id=f"<learn-{n}@example.org>")


def _fields(session: Session, reference: str) -> dict[str, object]:
    case = session.exec(select(Case).where(Case.reference == reference)).one()
    rows = session.exec(select(CaseField).where(CaseField.case_pk == case.id, CaseField.current))
    return {row.name: row.value for row in rows}


def test_other_answers_are_kept_and_a_learned_question_is_read_until_undone(db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url))
    first = take_in(runtime, _referral(1)).case_reference
    with Session(runtime.engine) as session:
        kept = session.exec(select(CaseOtherAnswer)).all()
        assert [(a.question, a.answer) for a in kept] == [("Where was she living at the time?",
                                                           "Brookfield Lodge, Reading")]
        assert "event.place" not in _fields(session, first)
        learning.learn(session, question_key=question_key(kept[0].question), question=kept[0].question,
                       field_name="event.place", user="tina")
        session.commit()
    second = take_in(runtime, _referral(2)).case_reference
    with Session(runtime.engine) as session:
        assert _fields(session, second)["event.place"] == "Brookfield Lodge, Reading"
        mapping = learning.all_mappings(session)[0]
        mapping.undone_by, mapping.undone_at = "ada", utcnow()
        session.add(mapping)
        session.commit()
    third = take_in(runtime, _referral(3)).case_reference
    with Session(runtime.engine) as session:
        assert "event.place" not in _fields(session, third)
        assert learning.active_mappings(session) == {}

"""The case page's "Other answers on the form" panel: what it shows (the routes are in otheranswers.py)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlmodel import Session

from intake.store import learning
from intake.store.learning import CaseOtherAnswer
from intake.store.models import Case
from parsers.forms import load_vocabulary, mappable_fields
from parsers.forms.vocabulary import Vocabulary


@cache
def vocabulary_of(path: Path | None) -> Vocabulary:
    """The deployment's vocabulary, loaded once."""
    return load_vocabulary(path)


@dataclass
class OtherAnswersPanel:
    """What the case page's "Other answers on the form" shows."""

    answers: list[CaseOtherAnswer]
    fields: list[str]  # the canonical fields an answer may be mapped to


def other_answers_panel(session: Session, case: Case, vocabulary_file: Path | None) -> OtherAnswersPanel:
    """The case's other answers, and the fields staff may map them to."""
    return OtherAnswersPanel(learning.other_answers_of(session, case.id),
                             mappable_fields(vocabulary_of(vocabulary_file)))

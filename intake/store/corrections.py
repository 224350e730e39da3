"""A person's correction of a case field (or an answer the form left out), and what it does to the case.

The old row is kept, no longer current; the rules run again on the fields as they now stand, and the
duplicates check runs again, since a corrected name or date of birth may match another case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from intake.store.cases import Classifier, reclassify
from intake.store.duplicates import recheck_person
from intake.store.models import Case, CaseField
from intake.store.rows import pk


@dataclass(frozen=True)
class Outcome:
    """The parts of a recommendation a correction can change."""

    track: str
    cspr: str
    sar: str
    panel_notification: date | None
    rapid_review: date | None
    questions: int

    @staticmethod
    def of(case: Case) -> Outcome:
        """The case's recommendation as it stands."""
        questions = case.triage.get("questions", []) if isinstance(case.triage, dict) else []
        return Outcome(str(case.track), str(case.cspr), str(case.sar), case.panel_notification,
                       case.rapid_review, len(questions))


@dataclass(frozen=True)
class Correction:
    """One field set by a person, and the recommendation before and after it."""

    name: str
    old: Any
    new: Any
    before: Outcome
    after: Outcome
    duplicate_of: str | None = None


def apply_correction(session: Session, *, case: Case, name: str, value: Any, actor: str, classify: Classifier,
                     window_days: int) -> Correction:
    """Supersede (or add) a field, run the rules and the duplicates check again; the caller commits or rolls back."""
    before = Outcome.of(case)
    old = session.exec(select(CaseField).where(CaseField.case_pk == case.id, CaseField.name == name,
                                               col(CaseField.current).is_(True))).first()
    old_value = old.value if old is not None else None
    if old is not None:
        old.current = False
        session.add(old)
    session.add(CaseField(case_pk=pk(case), name=name[:80], value=value, source=f"corrected by {actor}",
                          confidence=1.0, label=old.label if old else "", current=True, corrected_by=actor))
    session.flush()
    reclassify(session, case, classify)
    match = recheck_person(session, case=case, window_days=window_days)
    session.add(case)
    return Correction(name, old_value, value, before, Outcome.of(case), match.reference if match else None)

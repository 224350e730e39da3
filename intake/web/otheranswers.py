"""Other answers on the form: questions that mapped to no field, shown on the case page; staff map one to a
field in one step, and the mapping is learned for every later form. Admins see and undo learned mappings."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from intake.store import audit, learning
from intake.store.audit import AuditAction
from intake.store.duplicates import recheck_person
from intake.store.learning import CaseOtherAnswer, LearnedMapping
from intake.store.models import Case, CaseField, utcnow
from intake.store.rows import pk
from intake.web.caseactions import reclassify
from intake.web.casepage import case_or_404
from intake.web.context import POST_CASE_WORK, SessionDep, allowed, posted, web_of
from intake.web.notices import Notice, notice_of, redirect
from intake.web.otherpanel import vocabulary_of
from intake.web.security import Permission, WebUser
from parsers.forms import mappable_fields, question_key, read_as

router = APIRouter()
CAN_MANAGE = Depends(allowed(Permission.MANAGE_MAPPINGS))
POST_MANAGE = Depends(posted(Permission.MANAGE_MAPPINGS))


@router.post("/cases/{reference}/other-answers/{answer_id}/map")
def map_answer(reference: str, answer_id: int, request: Request, session: SessionDep, field_name: str = Form(...),
               user: WebUser = POST_CASE_WORK) -> Response:
    """Read an answer into a field on this case now, and learn its question for every later form."""
    web = web_of(request)
    vocabulary = vocabulary_of(web.runtime.settings.forms.vocabulary_file)
    if field_name not in mappable_fields(vocabulary):
        raise HTTPException(status_code=422, detail="no such field")
    case = case_or_404(session, reference)
    answer = session.get(CaseOtherAnswer, answer_id)
    if answer is None or answer.case_pk != case.id:
        raise HTTPException(status_code=404, detail="no such answer on this case")
    if answer.other_person:  # a parent's "Name" must never teach the service the subject's name
        raise HTTPException(status_code=422, detail="an answer about another person is not mapped")
    values = read_as(vocabulary, field_name, answer.answer)
    if not values:
        raise HTTPException(status_code=422, detail=f"the answer cannot be read as {field_name}")
    learning.learn(session, question_key=question_key(answer.question), question=answer.question,
                   field_name=field_name, user=user.username)
    for name, value in values.items():
        _supersede(session, case, name, list(value) if isinstance(value, tuple) else value, answer, user)
    answer.mapped_to = field_name
    session.add(answer)
    session.flush()
    reclassify(session, case, request)
    # A name or date of birth read into the case now may show another case about the same person.
    recheck_person(session, case=case, window_days=web.runtime.settings.duplicates.window_days)
    session.add(case)
    audit.record(session, actor=user.username, action=AuditAction.ANSWER_MAPPED, case_pk=case.id,
                 detail={"question": answer.question[:300], "field": field_name})
    session.commit()
    return redirect(f"/cases/{quote(reference)}", Notice.ANSWER_MAPPED)


def _supersede(session: Session, case: Case, name: str, value: object, answer: CaseOtherAnswer,
               user: WebUser) -> None:
    for old in session.exec(select(CaseField).where(CaseField.case_pk == case.id, CaseField.name == name,
                                                    col(CaseField.current).is_(True))):
        old.current = False
        session.add(old)
    session.add(CaseField(case_pk=pk(case), name=name, value=value, source=answer.source, confidence=1.0,
                          label=answer.question[:300], current=True, corrected_by=user.username))


@router.get("/admin/mappings")
def mappings_page(request: Request, session: SessionDep, user: WebUser = CAN_MANAGE) -> Response:
    """Every question staff have mapped, who mapped it, and whether it is still in use."""
    return web_of(request).render(user, "learned_mappings.html", mappings=learning.all_mappings(session),
                                  notice=notice_of(request))


@router.post("/admin/mappings/{mapping_id}/undo")
def undo_mapping(mapping_id: int, session: SessionDep, user: WebUser = POST_MANAGE) -> Response:
    """Stop using a mapping for later forms (cases already read keep their fields; staff can correct them)."""
    mapping = session.get(LearnedMapping, mapping_id)
    if mapping is None:
        raise HTTPException(status_code=404, detail="no such mapping")
    if mapping.undone_at is None:
        mapping.undone_by, mapping.undone_at = user.username, utcnow()
        session.add(mapping)
        audit.record(session, actor=user.username, action=AuditAction.MAPPING_UNDONE,
                     detail={"question": mapping.question[:300], "field": mapping.field_name})
    session.commit()
    return redirect("/admin/mappings", Notice.MAPPING_UNDONE)

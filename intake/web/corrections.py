"""Correcting a field, or adding one the form left out: typed by the field's kind, previewed, then saved.

The first POST (`/fields/preview`) reads the value strictly (fieldkinds), works out what it would do to the
recommendation in a transaction that is rolled back, and shows that beside a button that saves it. An
unreadable value is refused beside the field, with nothing saved.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from intake.store import audit
from intake.store.audit import AuditAction
from intake.store.corrections import Correction, apply_correction
from intake.web.casepage import case_or_404, case_page_values
from intake.web.caseview import load_case_view
from intake.web.context import POST_CASE_WORK, SessionDep, web_of
from intake.web.fieldkinds import KINDS, RefusedError, read_value
from intake.web.notices import Notice, redirect
from intake.web.security import WebUser

router = APIRouter()


def _refused(request: Request, session: Session, user: WebUser, reference: str, name: str, message: str) -> Response:
    session.rollback()
    case = case_or_404(session, reference)
    return web_of(request).render(user, "case.html", status_code=422, view=load_case_view(session, case),
                                  field_error=(name, message), **case_page_values(request, session, case))


def _apply(request: Request, session: Session, user: WebUser, reference: str, name: str, texts: list[str],
           *, save: bool) -> Correction | Response:
    if name not in KINDS:
        return _refused(request, session, user, reference, name, "choose a field from the list")
    try:
        value = read_value(name, texts)
    except RefusedError as exc:
        return _refused(request, session, user, reference, name, str(exc))
    runtime = web_of(request).runtime
    case = case_or_404(session, reference)
    change = apply_correction(session, case=case, name=name, value=value, actor=user.username,
                              classify=runtime.classify, window_days=runtime.settings.duplicates.window_days)
    if not save:
        session.rollback()  # a preview: nothing is kept
        return change
    action = AuditAction.FIELD_CORRECTED if change.old is not None else AuditAction.FIELD_ADDED
    audit.record(session, actor=user.username, action=action, case_pk=case.id,
                 detail={"field": name, "old": change.old, "new": value})
    session.commit()
    return change


@router.post("/cases/{reference}/fields/preview")
def preview_correction(reference: str, request: Request, session: SessionDep, name: str = Form(""),
                       value: Annotated[list[str] | None, Form()] = None, user: WebUser = POST_CASE_WORK) -> Response:
    """What the correction would do to the recommendation, with a button that saves it."""
    result = _apply(request, session, user, reference, name[:80], value or [], save=False)
    if isinstance(result, Response):
        return result
    return web_of(request).render(user, "correction_preview.html", reference=reference, change=result,
                                  texts=value or [])


@router.post("/cases/{reference}/fields")
def correct_field(reference: str, request: Request, session: SessionDep, name: str = Form(""),
                  value: Annotated[list[str] | None, Form()] = None, user: WebUser = POST_CASE_WORK) -> Response:
    """Save a correction (or an added field): the old row is kept, no longer current."""
    result = _apply(request, session, user, reference, name[:80], value or [], save=True)
    if isinstance(result, Response):
        return result
    corrected = result.old is not None
    if result.duplicate_of:
        done = Notice.FIELD_CORRECTED_SAME_PERSON if corrected else Notice.FIELD_ADDED_SAME_PERSON
        return redirect(f"/cases/{quote(reference)}", done, "fields", ref=result.duplicate_of)
    return redirect(f"/cases/{quote(reference)}", Notice.FIELD_CORRECTED if corrected else Notice.FIELD_ADDED,
                    "fields")

"""What staff do to a case: decide, assign, change status, note, link duplicates, unlock an attachment.

Each action is one transaction with its audit entry, then a redirect back to the case page.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from intake.outgoing.alerts import build_alerter
from intake.store import audit, cases, users
from intake.store.audit import AuditAction
from intake.store.models import Case, CaseNote, CaseStatus, Decision, StaffCspr, StaffSar, utcnow
from intake.web.casepage import case_or_404
from intake.web.context import POST_CASE_WORK, SessionDep, web_of
from intake.web.notices import Notice, redirect
from intake.web.security import WebUser
from intake.worker.unlock import UnlockOutcome, unlock_attachment

router = APIRouter()
WORK = POST_CASE_WORK


def _back(reference: str, done: Notice, **parameters: str | int) -> RedirectResponse:
    return redirect(f"/cases/{quote(reference)}", done, **parameters)


def reclassify(session: Session, case: Case, request: Request) -> None:
    """Run the rules again on the fields as corrected, so the recommendation follows what staff confirmed."""
    cases.reclassify(session, case, web_of(request).runtime.classify)
    # A correction that shows a live concern alerts too (once per case, whoever files or corrects it).
    build_alerter(web_of(request).runtime.settings).for_case(session, case=case)


@router.post("/cases/{reference}/decision")
def record_decision(reference: str, session: SessionDep, cspr: str = Form(""), sar: str = Form(""),
                    rationale: str = Form(...), user: WebUser = WORK) -> Response:
    """Record a person's decision with its rationale; the case becomes decided."""
    staff_cspr = StaffCspr(cspr) if cspr in {c.value for c in StaffCspr} else None
    staff_sar = StaffSar(sar) if sar in {s.value for s in StaffSar} else None
    if not rationale.strip() or (staff_cspr is None and staff_sar is None):
        raise HTTPException(status_code=422, detail="a decision needs a CSPR or SAR choice and a rationale")
    case = case_or_404(session, reference)
    session.add(Decision(case_pk=case.id, cspr=staff_cspr, sar=staff_sar, rationale=rationale.strip(),
                         decided_by=user.username))
    _set_status(session, case, CaseStatus.DECIDED)
    audit.record(session, actor=user.username, action=AuditAction.DECISION_RECORDED, case_pk=case.id,
                 detail={"cspr": staff_cspr, "sar": staff_sar})
    session.commit()
    return _back(reference, Notice.DECISION_RECORDED)


def _set_status(session: Session, case: Case, status: CaseStatus) -> None:
    case.status = status
    case.updated_at = utcnow()
    session.add(case)


@router.post("/cases/{reference}/assign")
def assign(reference: str, session: SessionDep, assignee: str = Form(""), back: str = Form(""),
           user: WebUser = WORK) -> Response:
    """Assign the case to a user, to oneself ("me", from the queue) or to nobody."""
    case = case_or_404(session, reference)
    name = user.username if assignee == "me" else (assignee.strip() or None)
    if name and users.find_user(session, name) is None:
        raise HTTPException(status_code=422, detail="no such user")
    before, case.assignee, case.updated_at = case.assignee, name, utcnow()
    session.add(case)
    audit.record(session, actor=user.username, action=AuditAction.CASE_ASSIGNED, case_pk=case.id,
                 detail={"from": before, "to": name})
    session.commit()
    if back == "queue":  # "assign to me" on the queue stays on the queue
        return redirect(f"/?assignee={quote(user.username)}", Notice.ASSIGNED_TO_YOU, ref=reference)
    return _back(reference, Notice.ASSIGNED)


@router.post("/cases/{reference}/status")
def change_status(reference: str, session: SessionDep, status: str = Form(...), user: WebUser = WORK) -> Response:
    """Move the case to another status."""
    if status not in {s.value for s in CaseStatus}:
        raise HTTPException(status_code=422, detail="no such status")
    case = case_or_404(session, reference)
    before = str(case.status)
    _set_status(session, case, CaseStatus(status))
    audit.record(session, actor=user.username, action=AuditAction.STATUS_CHANGED, case_pk=case.id,
                 detail={"from": before, "to": status})
    session.commit()
    return _back(reference, Notice.STATUS_CHANGED)


@router.post("/cases/{reference}/notes")
def add_note(reference: str, session: SessionDep, text: str = Form(...), user: WebUser = WORK) -> Response:
    """Add a note to the case."""
    if not text.strip():
        raise HTTPException(status_code=422, detail="an empty note")
    case = case_or_404(session, reference)
    session.add(CaseNote(case_pk=case.id, author=user.username, text=text.strip()[:20000]))
    audit.record(session, actor=user.username, action=AuditAction.NOTE_ADDED, case_pk=case.id)
    session.commit()
    return _back(reference, Notice.NOTE_ADDED)


@router.post("/cases/{reference}/duplicate")
def link_duplicate(reference: str, session: SessionDep, original: str = Form(""), user: WebUser = WORK) -> Response:
    """Mark the case a duplicate of another (or, with no reference given, unlink it)."""
    case = case_or_404(session, reference)
    target = original.strip().upper() or None
    if target is not None and (target == case.reference
                               or cases.case_by_reference(session, reference=target) is None):
        raise HTTPException(status_code=422, detail="no such other case")
    before, case.duplicate_of, case.updated_at = case.duplicate_of, target, utcnow()
    session.add(case)
    action = AuditAction.DUPLICATE_LINKED if target else AuditAction.DUPLICATE_UNLINKED
    audit.record(session, actor=user.username, action=action, case_pk=case.id,
                 detail={"from": before, "to": target})
    session.commit()
    return _back(reference, Notice.DUPLICATE_LINKED if target else Notice.DUPLICATE_UNLINKED)


@router.post("/cases/{reference}/attachments/{attachment_id}/unlock")
def unlock(reference: str, attachment_id: int, request: Request, session: SessionDep, password: str = Form(...),
           user: WebUser = WORK) -> Response:
    """Read an encrypted attachment with the password the referrer gave by phone (never stored)."""
    web = web_of(request)
    case = case_or_404(session, reference)
    try:
        result = unlock_attachment(session, case=case, attachment_id=attachment_id, password=password,
                                   settings=web.runtime.settings, classify=web.runtime.classify,
                                   actor=user.username)
    except LookupError:
        raise HTTPException(status_code=404, detail="no such attachment on this case") from None
    session.commit()
    if result.outcome is UnlockOutcome.READ:
        return _back(reference, Notice.ATTACHMENT_READ, count=result.fields)
    return _back(reference, {UnlockOutcome.WRONG_PASSWORD: Notice.UNLOCK_WRONG_PASSWORD,
                             UnlockOutcome.NOT_ENCRYPTED: Notice.UNLOCK_NOT_ENCRYPTED}[result.outcome])

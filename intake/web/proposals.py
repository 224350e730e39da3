"""Staff decide on fields a follow-up "from a different sender" proposed: accept (all, or one), reject, or mark a
follow-up that proposed nothing as reviewed. Each is one audited transaction, then back to the case page.

Accepting runs the rules and the duplicates check again, as a correction does, and alerts a live concern the
accepted fields show (once per case).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from intake.outgoing.alerts import build_alerter
from intake.store import proposals
from intake.web.casepage import case_or_404
from intake.web.context import POST_CASE_WORK, SessionDep, web_of
from intake.web.security import WebUser

router = APIRouter()


def _back(reference: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/cases/{quote(reference)}?done={quote(done)}#proposed", status_code=303)


def _chosen(field_id: str) -> list[int] | None:
    """One field (its id), or None for every proposed field; anything else is refused."""
    if not field_id:
        return None
    if not field_id.isdigit():
        raise HTTPException(status_code=422, detail="choose a proposed field")
    return [int(field_id)]


@router.post("/cases/{reference}/proposed/accept")
def accept_proposed(reference: str, request: Request, session: SessionDep, field_id: str = Form(""),
                    user: WebUser = POST_CASE_WORK) -> Response:
    """Make proposed fields the case's values (all, or the one named), and run the recommendation again."""
    runtime = web_of(request).runtime
    case = case_or_404(session, reference)
    done = proposals.accept(session, case=case, field_ids=_chosen(field_id), actor=user.username,
                            classify=runtime.classify, window_days=runtime.settings.duplicates.window_days)
    if not done.accepted:
        raise HTTPException(status_code=409, detail="nothing proposed to accept: it may have been decided already")
    build_alerter(runtime.settings).for_case(session, case=case)
    session.commit()
    note = f"{len(done.accepted)} proposed field{'s' if len(done.accepted) != 1 else ''} accepted"
    if done.duplicate_of:
        note += f"; possibly the same person as {done.duplicate_of}"
    return _back(reference, note)


@router.post("/cases/{reference}/proposed/reject")
def reject_proposed(reference: str, session: SessionDep, field_id: str = Form(""),
                    user: WebUser = POST_CASE_WORK) -> Response:
    """Keep the case's values: the proposed fields (all, or the one named) are marked rejected."""
    case = case_or_404(session, reference)
    done = proposals.reject(session, case=case, field_ids=_chosen(field_id), actor=user.username)
    if not done.rejected:
        raise HTTPException(status_code=409, detail="nothing proposed to reject: it may have been decided already")
    session.commit()
    return _back(reference, f"{len(done.rejected)} proposed field{'s' if len(done.rejected) != 1 else ''} rejected")


@router.post("/cases/{reference}/proposed/reviewed")
def mark_reviewed(reference: str, session: SessionDep, user: WebUser = POST_CASE_WORK) -> Response:
    """A follow-up from a different sender that proposed no fields has been read: its flag goes."""
    case = case_or_404(session, reference)
    if not proposals.mark_reviewed(session, case=case, actor=user.username):
        raise HTTPException(status_code=409, detail="accept or reject the proposed fields first")
    session.commit()
    return _back(reference, "mail from a different sender reviewed")

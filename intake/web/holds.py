"""Legal hold on the case page: managers and admins place or release it, with a reason; both are audited.

A case on hold is never purged (intake/store/purge.py). Each action is one POST (role MANAGE_LEGAL_HOLDS,
CSRF-checked), one transaction with its audit entry, then a redirect back to the case page.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from intake.store.holds import HoldError, place_hold, release_hold
from intake.store.models import Case
from intake.web.casepage import case_or_404
from intake.web.context import POST_LEGAL_HOLDS, SessionDep
from intake.web.notices import Notice, redirect
from intake.web.security import WebUser

router = APIRouter()


class HoldChange(Protocol):
    """place_hold or release_hold."""

    def __call__(self, session: Session, *, case: Case, reason: str, actor: str) -> object: ...


def _change(session: Session, reference: str, user: WebUser, reason: str, change: HoldChange,
            done: Notice) -> RedirectResponse:
    """Place or release: one transaction with its audit entry, then back to the case page with the notice."""
    case = case_or_404(session, reference)
    try:
        change(session, case=case, reason=reason, actor=user.username)
    except HoldError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    session.commit()
    return redirect(f"/cases/{quote(reference)}", done)


@router.post("/cases/{reference}/legal-hold")
def place(reference: str, session: SessionDep, reason: str = Form(""), user: WebUser = POST_LEGAL_HOLDS) -> Response:
    """Put the case on legal hold: it is kept, whatever the retention policy says, until the hold is released."""
    return _change(session, reference, user, reason, place_hold, Notice.LEGAL_HOLD_PLACED)


@router.post("/cases/{reference}/legal-hold/release")
def release(reference: str, session: SessionDep, reason: str = Form(""),
            user: WebUser = POST_LEGAL_HOLDS) -> Response:
    """Release the case's legal hold: the retention policy applies to it again."""
    return _change(session, reference, user, reason, release_hold, Notice.LEGAL_HOLD_RELEASED)

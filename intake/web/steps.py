"""The review after triage on the case page: the steps a case needs, the ones recorded, and recording one.

Each step is one POST (role WORK_CASE, CSRF-checked), one transaction with its audit entry, then a redirect
back to the case page. The clock and the status move on from the recorded steps (intake/store/steps.py).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import Response

from intake.store.steps import StepInput, record_step
from intake.web.casepage import case_or_404
from intake.web.context import POST_CASE_WORK, SessionDep
from intake.web.notices import Notice, redirect
from intake.web.security import WebUser
from rules.review import StepKind

router = APIRouter()

@router.post("/cases/{reference}/steps")
def record(reference: str, session: SessionDep, kind: str = Form(...), on: str = Form(...), note: str = Form(""),
           panel_reference: str = Form(""), outcome: str = Form(""), to_whom: str = Form(""),
           decision: str = Form(""), rationale: str = Form(""), partnership: str = Form(""), route: str = Form(""),
           user: WebUser = POST_CASE_WORK) -> Response:
    """Record one step of the review after triage."""
    details = {"panel_reference": panel_reference, "outcome": outcome, "to_whom": to_whom, "decision": decision,
               "rationale": rationale, "partnership": partnership, "route": route}
    try:
        step = StepInput(kind=StepKind(kind), on=date.fromisoformat(on.strip()), note=note.strip(),
                         detail={name: value.strip() for name, value in details.items()})
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=f"not a step or not a date: {exc}") from None
    case = case_or_404(session, reference)
    try:
        record_step(session, case=case, step=step, actor=user.username)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    session.commit()
    return redirect(f"/cases/{quote(reference)}", Notice.STEP_RECORDED, step=step.kind.value)

"""The audit trail page (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from intake.store.audit import search_events
from intake.store.users import list_users
from intake.web.context import CAN_READ_AUDIT, SessionDep, web_of
from intake.web.security import WebUser

router = APIRouter()
PAGE = 100


@router.get("/audit")
def audit_page(request: Request, session: SessionDep, user: WebUser = CAN_READ_AUDIT) -> Response:
    """Who did what and when, newest first, by actor or case reference, paged by id."""
    web = web_of(request)
    params = request.query_params
    actor = params.get("actor", "").strip()[:100]
    reference = params.get("reference", "").strip().upper()[:40]
    before = params.get("before", "")
    events = search_events(session, actor=actor, reference=reference,
                           before_id=int(before) if before.isdigit() else None, limit=PAGE)
    users = list_users(session)
    return web.render(user, "audit.html", events=events, actor=actor, reference=reference, users=users,
                      next_before=events[-1][0].id if len(events) == PAGE else None)

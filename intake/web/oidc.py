"""Sign-in with the council's OpenID Connect provider (authorisation-code flow with PKCE).

`/signin/oidc` records a pending sign-in (state, nonce, PKCE verifier; the state stored hashed) bound to
this browser by a cookie, and sends the browser to the provider. `/signin/oidc/callback` takes the pending
row away (so a state works once), checks the browser, exchanges the code and checks the ID token
(`intake.web.identity`), maps the role from the claims and starts a session. Every refusal is audited with
the reason and, when known, the name tried.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col

from intake.store import audit
from intake.store.accounts import provision_oidc
from intake.store.audit import AuditAction
from intake.store.models import OidcPending, utcnow
from intake.store.users import UserError
from intake.web.context import SessionDep, web_of
from intake.web.identity import IdentityError, OidcClient
from intake.web.security import SESSION_COOKIE

log = logging.getLogger(__name__)
router = APIRouter()

BINDING_COOKIE = "intake_oidc"
PENDING_MINUTES = 10
CALLBACK = "/signin/oidc/callback"


class RefusedError(Exception):
    """A sign-in through the provider is refused: the reason, and the name tried when known."""

    def __init__(self, reason: str, name: str = "") -> None:
        super().__init__(reason)
        self.name = name


def _client(request: Request) -> OidcClient:
    web = web_of(request)
    settings = web.runtime.settings.web
    if settings.oidc is None:
        raise RefusedError("sign-in with an identity provider is not configured")
    client = getattr(request.app.state, "oidc_client", None)
    if client is None:
        client = OidcClient(settings.oidc, settings.public_url + CALLBACK)
        request.app.state.oidc_client = client
    return client


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@router.get("/signin/oidc")
def start(request: Request, session: SessionDep) -> Response:
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge."""
    web = web_of(request)
    try:
        auth = _client(request).start()
    except (RefusedError, IdentityError) as exc:
        return _refuse(request, session, RefusedError(str(exc)))
    binding = secrets.token_urlsafe(32)
    session.execute(sa.delete(OidcPending).where(
        col(OidcPending.created_at) < utcnow() - timedelta(minutes=PENDING_MINUTES)))
    session.add(OidcPending(state_hash=_hash(auth.state), browser_hash=_hash(binding), nonce=auth.nonce,
                            code_verifier=auth.code_verifier))
    session.commit()
    response = RedirectResponse(auth.url, status_code=303)
    # Lax, not strict: the provider's redirect back is a cross-site navigation that must carry it.
    response.set_cookie(BINDING_COOKIE, binding, httponly=True, samesite="lax", path="/signin/oidc",
                        secure=web.guard.secure(request), max_age=PENDING_MINUTES * 60)
    return response


@router.get(CALLBACK)
def callback(request: Request, session: SessionDep) -> Response:
    """Finish a sign-in: the state once, the same browser, the code exchanged, the ID token checked."""
    web = web_of(request)
    params = request.query_params
    try:
        if params.get("error"):
            raise RefusedError(f"the identity provider refused: {params['error'][:80]}")
        pending = _take_pending(session, params.get("state", ""), request.cookies.get(BINDING_COOKIE, ""))
        identity = _client(request).finish(params.get("code", ""), nonce=pending.nonce,
                                           code_verifier=pending.code_verifier)
        if identity.role is None:
            raise RefusedError("the account has no role in this service (no mapped group or app role)",
                          identity.username)
        try:
            user = provision_oidc(session, username=identity.username, role=identity.role)
        except UserError as exc:
            raise RefusedError(str(exc), identity.username) from None
        username = user.username
        audit.record(session, actor=username, action=AuditAction.SIGNED_IN,
                     detail={"outcome": "ok", "method": "oidc", "role": str(user.role)})
        session.commit()
    except (RefusedError, IdentityError) as exc:
        session.rollback()
        return _refuse(request, session, exc if isinstance(exc, RefusedError) else RefusedError(str(exc)))
    response = RedirectResponse("/", status_code=303)
    web.guard.set_cookie(request, response, SESSION_COOKIE, web.guard.start_session(username))
    response.delete_cookie(BINDING_COOKIE, path="/signin/oidc")
    return response


def _take_pending(session: Session, state: str, binding: str) -> OidcPending:
    """Remove and return the pending sign-in of `state`; refused when unknown, used, stale or another browser's."""
    row = session.get(OidcPending, _hash(state)) if state else None
    if row is None:
        raise RefusedError("the sign-in state is unknown or was already used (a replayed or forged response)")
    session.expunge(row)  # keep its values once the row is gone
    result = session.execute(sa.delete(OidcPending).where(col(OidcPending.state_hash) == row.state_hash))
    taken = result.rowcount if isinstance(result, sa.CursorResult) else 0
    session.commit()
    if taken != 1:
        raise RefusedError("the sign-in state was already used (a replayed response)")
    if not binding or not secrets.compare_digest(row.browser_hash, _hash(binding)):
        raise RefusedError("the sign-in was started in another browser")
    if row.created_at < utcnow() - timedelta(minutes=PENDING_MINUTES):
        raise RefusedError("the sign-in took too long; start again")
    return row


def _refuse(request: Request, session: Session, refusal: RefusedError) -> Response:
    web = web_of(request)
    audit.record(session, actor="anonymous", action=AuditAction.SIGN_IN_REFUSED,
                 detail={"method": "oidc", "name_tried": refusal.name, "reason": str(refusal)})
    session.commit()
    log.warning("OIDC sign-in refused: %s", refusal)
    response = web.render(None, "signin_refused.html", status_code=401, reason=str(refusal))
    response.delete_cookie(BINDING_COOKIE, path="/signin/oidc")
    return response

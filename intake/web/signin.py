"""Sign-in and sign-out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from intake.store import audit
from intake.store.audit import AuditAction
from intake.store.users import Lockout, SignIn, authenticate
from intake.web.context import POST_SIGNED_IN, SessionDep, web_of
from intake.web.security import LOGIN_COOKIE, SESSION_COOKIE, NotSignedInError, WebUser

router = APIRouter()

REFUSED = "The user name or password is wrong, or the account is locked or disabled."


@router.get("/signin")
def signin_page(request: Request) -> Response:
    """The sign-in form, with a pre-session cookie that its CSRF token is bound to."""
    web = web_of(request)
    try:
        web.guard.user_of(request)
        return RedirectResponse("/", status_code=303)
    except NotSignedInError:
        pass
    return _form(request, error="")


def _form(request: Request, *, error: str, status_code: int = 200) -> Response:
    web = web_of(request)
    nonce = secrets.token_urlsafe(24)
    response = web.render(None, "signin.html", status_code=status_code, error=error,
                          login_csrf=web.guard.csrf_token(nonce, "login"))
    web.guard.set_cookie(request, response, LOGIN_COOKIE, nonce)
    return response


@router.post("/signin")
def signin(request: Request, session: SessionDep, username: str = Form(""), password: str = Form(""),
           csrf_token: str = Form("")) -> Response:
    """Check the password (counting failures towards a lock-out) and start a session."""
    web = web_of(request)
    web.guard.check_csrf(request.cookies.get(LOGIN_COOKIE, ""), csrf_token, "login")
    settings = web.runtime.settings.web
    tried = username.strip()[:100]
    outcome, user = authenticate(session, username.strip(), password,
                                 lockout=Lockout(settings.lockout_attempts, settings.lockout_minutes))
    actor = user.username if user else "anonymous"
    username = user.username if user else ""
    action = AuditAction.SIGNED_IN if outcome is SignIn.OK else AuditAction.SIGN_IN_REFUSED
    detail = {"outcome": str(outcome), "method": "password"}
    if outcome is not SignIn.OK:  # the name tried (never the password), so that an attack on an account shows
        detail["name_tried"] = tried
    audit.record(session, actor=actor, action=action, detail=detail)
    session.commit()
    if outcome is not SignIn.OK or not username:
        return _form(request, error=REFUSED, status_code=401)
    response = RedirectResponse("/", status_code=303)
    web.guard.set_cookie(request, response, SESSION_COOKIE, web.guard.start_session(username))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(request: Request, session: SessionDep, user: WebUser = POST_SIGNED_IN) -> Response:
    """End the session."""
    web = web_of(request)
    web.guard.end_session(user.session_token)
    audit.record(session, actor=user.username, action=AuditAction.SIGNED_OUT)
    session.commit()
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response

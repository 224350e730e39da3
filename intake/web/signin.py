"""Sign-in and sign-out.

Every refused sign-in gets the same page with the same status, whether the name is unknown, the password
wrong, the account disabled or locked, or the attempt throttled; the work behind it is the same too
(`intake.store.accounts.sign_in`).
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from intake.config.settings import WebSettings
from intake.store import accounts, audit
from intake.store.audit import AuditAction
from intake.store.throttle import ThrottlePolicy
from intake.store.users import SignIn
from intake.web.context import POST_SIGNED_IN, SessionDep, web_of
from intake.web.security import LOGIN_COOKIE, SESSION_COOKIE, NotSignedInError, WebUser

router = APIRouter()

REFUSED = ("The user name or password is wrong, or the account is locked or disabled. After several wrong "
           "passwords, sign-in from this computer waits a few minutes.")


def throttle_policy(settings: WebSettings) -> ThrottlePolicy:
    """The sign-in throttle's limits from the web settings."""
    return ThrottlePolicy(window=timedelta(minutes=settings.lockout_minutes), pair_attempts=settings.lockout_attempts,
                          address_attempts=settings.address_attempts, account_attempts=settings.account_attempts,
                          account_delay=timedelta(seconds=settings.account_delay_seconds))


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
async def signin(request: Request, username: str = Form(""), password: str = Form(""),
                 csrf_token: str = Form("")) -> Response:
    """Check the password (outside any transaction, throttled) and start a session."""
    web = web_of(request)
    web.guard.check_csrf(request.cookies.get(LOGIN_COOKIE, ""), csrf_token, "login")
    # argon2 and the two short transactions run in a worker thread, a few sign-ins at a time; the event loop
    # serves other requests meanwhile.
    async with web.sign_in_slots:
        attempt = await run_in_threadpool(
            accounts.sign_in, web.runtime.engine, name=username.strip()[:100], password=password,
            address=web.guard.client_address(request), now=web.guard.clock(),
            policy=throttle_policy(web.runtime.settings.web))
    if attempt.delay_seconds:  # a name under attack answers later, holding no thread and no connection
        await asyncio.sleep(attempt.delay_seconds)
    if attempt.outcome is not SignIn.OK or not attempt.username:
        return _form(request, error=REFUSED, status_code=401)
    token = await run_in_threadpool(web.guard.start_session, attempt.username)
    response = RedirectResponse("/", status_code=303)
    web.guard.set_cookie(request, response, SESSION_COOKIE, token)
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

"""The triage web UI: sign-in, the queue, case pages, intake health and the audit trail.

Every route but sign-in and the health probe needs a session and names the permission it needs
(`context.allowed` / `context.posted`); every POST checks its CSRF token. Templates autoescape all output.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlmodel import select
from starlette.exceptions import HTTPException as StarletteHTTPException

from intake.store.models import Case
from intake.store.sealing import installed_keyring
from intake.web import (
    accounts,
    admin,
    caseactions,
    casepage,
    corrections,
    digestpage,
    health,
    holds,
    oidc,
    otheranswers,
    proposals,
    quarantine,
    queue,
    replies,
    reports,
    signin,
    steps,
)
from intake.web.context import SessionDep, WebContext, WebRuntime, build_templates, web_of
from intake.web.security import ForbiddenError, Guard, NotSignedInError, WebUser, security_headers

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
# Every module with routes; the security tests walk these too.
ROUTE_MODULES = (signin, queue, casepage, corrections, replies, caseactions, otheranswers, steps, health, quarantine,
                 admin, oidc, accounts, reports, digestpage, holds, proposals)
_TITLES = {404: "Page not found", 405: "Not possible here", 410: "Deleted under the retention policy",
           415: "No preview", 422: "Could not do that"}


def create_app(runtime: WebRuntime) -> FastAPI:
    """The ASGI application over the runtime's database."""
    installed_keyring()  # person data is sealed: the keys are loaded at start-up (intake/runtime.py), or stop here
    app = FastAPI(title="Referral intake", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebContext(runtime, Guard(runtime.engine, runtime.settings.web), build_templates())
    oidc_settings = runtime.settings.web.oidc
    app.state.web.templates.globals["oidc_label"] = oidc_settings.label if oidc_settings else ""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in ROUTE_MODULES:
        app.include_router(module.router)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        security_headers(response, static=request.url.path.startswith("/static/"),
                         https=app.state.web.guard.https(request))
        return response

    @app.exception_handler(NotSignedInError)
    async def not_signed_in(request: Request, exc: NotSignedInError) -> Response:
        if request.method == "GET":
            return RedirectResponse("/signin", status_code=303)
        return HTMLResponse("Sign in first.", status_code=401)

    @app.exception_handler(ForbiddenError)
    async def forbidden(request: Request, exc: ForbiddenError) -> Response:
        return web_of(request).render(None, "forbidden.html", status_code=403, message=str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = _TITLES.get(exc.status_code, "Something is not right")
        message = exc.detail if isinstance(exc.detail, str) else title
        if exc.status_code == 404 and message == "Not Found":
            message = "There is no page at this address."
        return web_of(request).render(_signed_in(request), "error.html", status_code=exc.status_code,
                                      title=title, message=message)

    @app.exception_handler(RequestValidationError)
    async def bad_form(request: Request, exc: RequestValidationError) -> Response:
        return web_of(request).render(_signed_in(request), "error.html", status_code=422,
                                      title="Could not do that", message="Part of the form was missing or "
                                                                         "not understood. Go back and try again.")

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # The type only: an exception's message may quote personal data.
        log.error("error serving %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return web_of(request).render(None, "error.html", status_code=500, title="Something went wrong",
                                      message="The page could not be shown. Try again; if it happens again, "
                                              "tell the service's administrator the time it happened.")

    @app.get("/healthz")
    def healthz(session: SessionDep) -> JSONResponse:
        session.exec(select(Case.id).limit(1)).all()
        return JSONResponse({"status": "ok"})

    return app


def _signed_in(request: Request) -> WebUser | None:
    """The user, for the menus of an error page; None when not signed in."""
    try:
        return web_of(request).guard.user_of(request)
    except (NotSignedInError, ForbiddenError):
        return None

"""The triage web UI: sign-in, the queue, case pages, intake health and the audit trail.

Every route but sign-in and the health probe needs a session and names the permission it needs
(`context.allowed` / `context.posted`); every POST checks its CSRF token. Templates autoescape all output.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlmodel import select

from intake.store.models import Case
from intake.web import admin, caseactions, casepage, health, otheranswers, queue, signin, steps
from intake.web.context import SessionDep, WebContext, WebRuntime, build_templates, web_of
from intake.web.security import ForbiddenError, Guard, NotSignedInError, security_headers

STATIC = Path(__file__).resolve().parent / "static"


def create_app(runtime: WebRuntime) -> FastAPI:
    """The ASGI application over the runtime's database."""
    app = FastAPI(title="Referral intake", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebContext(runtime, Guard(runtime.engine, runtime.settings.web), build_templates())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (signin, queue, casepage, caseactions, otheranswers, steps, health, admin):
        app.include_router(module.router)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        security_headers(response, static=request.url.path.startswith("/static/"))
        return response

    @app.exception_handler(NotSignedInError)
    async def not_signed_in(request: Request, exc: NotSignedInError) -> Response:
        if request.method == "GET":
            return RedirectResponse("/signin", status_code=303)
        return HTMLResponse("Sign in first.", status_code=401)

    @app.exception_handler(ForbiddenError)
    async def forbidden(request: Request, exc: ForbiddenError) -> Response:
        return web_of(request).render(None, "forbidden.html", status_code=403, message=str(exc))

    @app.get("/healthz")
    def healthz(session: SessionDep) -> JSONResponse:
        session.exec(select(Case.id).limit(1)).all()
        return JSONResponse({"status": "ok"})

    return app

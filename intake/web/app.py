"""The web UI: for now the queue as a plain table of references (no personal data is shown).

Sign-in, case pages and the rest of triage come with the web UI issue; until then this page shows
only what is safe without authentication: references, dates and codes — no names, no addresses.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import Session, col, select

from intake.models import Case, Disposition, Message
from intake.runtime import Runtime

_templates = Environment(loader=PackageLoader("intake.web", "templates"), autoescape=select_autoescape())


def create_app(runtime: Runtime) -> FastAPI:
    """The ASGI application over the runtime's database."""
    app = FastAPI(title="Referral intake", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/", response_class=HTMLResponse)
    def queue() -> str:
        with Session(runtime.engine) as session:
            cases = list(session.exec(select(Case).order_by(col(Case.nearest_deadline).is_(None),
                                                             col(Case.nearest_deadline), col(Case.id).desc())
                                      .limit(500)))
            quarantined = len(list(session.exec(select(Message.id).where(
                Message.disposition == Disposition.QUARANTINED))))
        return _templates.get_template("queue.html").render(cases=cases, quarantined=quarantined)

    @app.get("/healthz")
    def health() -> JSONResponse:
        with Session(runtime.engine) as session:
            session.exec(select(Case.id).limit(1)).all()
        return JSONResponse({"status": "ok"})

    return app

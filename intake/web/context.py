"""What every route needs: the runtime, the guard, the templates, and the signed-in user checks."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Protocol
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from intake.config.settings import Settings
from intake.store.cases import Classifier
from intake.web.labels import LOW_CONFIDENCE, code_label, field_label
from intake.web.security import CSRF_FIELD, ForbiddenError, Guard, Permission, WebUser
from intake.worker.pipeline import Pipeline
from parsers.text import has_controls, visible_controls

LONDON = ZoneInfo("Europe/London")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_CODE = re.compile(r"[a-z][a-z_]*")
_ISO_IN_TEXT = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def london(value: datetime | date | None, with_time: bool = True) -> str:
    """A UTC timestamp as London local time (dates as dd/mm/yyyy)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(LONDON)
        return local.strftime("%d/%m/%Y %H:%M") if with_time else local.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def uk_date(value: date | str | None) -> str:
    """A date (or an ISO date string) as dd/mm/yyyy; anything else as it is."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = "" if value is None else str(value)
    return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if _ISO.fullmatch(text) else text


def uk_dates_in(text: str) -> str:
    """Free text (a rule's reason) with its ISO dates written the UK way, so one page uses one date format."""
    return _ISO_IN_TEXT.sub(lambda m: f"{m[3]}/{m[2]}/{m[1]}", text)


def field_value(value: Any) -> str:
    """A stored field value as staff read it: dates dd/mm/yyyy, codes in words, yes/no, lists joined."""
    if isinstance(value, str) and _ISO.fullmatch(value):
        return uk_date(value)
    if isinstance(value, str) and not _CODE.fullmatch(value):
        return value
    return code_label(value)


def detail_text(detail: dict[str, Any] | None) -> str:
    """An audit entry's detail as words ("field: Date of birth; new: 14/06/2008"), never raw JSON."""
    parts = []
    for key, value in (detail or {}).items():
        shown = field_label(value) if key == "field" and isinstance(value, str) else field_value(value)
        parts.append(f"{key.replace('_', ' ')}: {shown if shown != '' else '—'}")
    return "; ".join(parts)


def shown_text(value: Any) -> Any:
    """Every value a template prints: bidi overrides and control characters written visibly ("⟨U+202E⟩").

    Applied to all output (the environment's `finalize`), not per template, because text from mail reaches the
    pages in many places (sender, subject, file names, field values, other answers, audit details) and a
    right-to-left override in any of them would make "xcod.exe" read as "exe.docx"; a page added later cannot
    forget it. The stored text is unchanged.
    """
    if isinstance(value, str) and has_controls(value):
        shown = visible_controls(str(value))
        # Markup stays Markup: the value was already safe, and the marks added are plain text.
        return Markup(shown) if isinstance(value, Markup) else shown  # noqa: S704
    return value


def build_templates() -> Environment:
    """The Jinja2 environment: autoescape on for every template (all output escaped), controls made visible."""
    env = Environment(loader=PackageLoader("intake.web", "templates"), autoescape=select_autoescape(default=True),
                      finalize=shown_text)
    env.filters["london"] = london
    env.filters["label"] = field_label
    env.filters["code"] = code_label
    env.filters["ukdate"] = uk_date
    env.filters["value"] = field_value
    env.filters["detail"] = detail_text
    env.filters["ukdates"] = uk_dates_in
    env.globals["LOW_CONFIDENCE"] = LOW_CONFIDENCE
    env.globals["Permission"] = Permission
    return env


class WebRuntime(Protocol):
    """What the web app uses of intake.runtime.Runtime. The runtime sits above the web layer and passes itself
    in; the web layer names only this shape, so its imports keep running downward."""

    @property
    def settings(self) -> Settings: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def pipeline(self) -> Pipeline: ...

    @property
    def classify(self) -> Classifier: ...


@dataclass
class WebContext:
    """Shared by every request of one app."""

    runtime: WebRuntime
    guard: Guard
    templates: Environment
    # Sign-ins checked at once (half the cores): argon2 is made to be expensive (64 MiB, four lanes), and a flood
    # of sign-ins must not take every core from the pages. The others wait here, in the event loop, holding no
    # thread of the pool the pages run in and no transaction; the wait is the same whatever the name.
    sign_in_slots: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(max(1, (os.cpu_count() or 2) // 2)))

    def render(self, user: WebUser | None, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        """A page from a template, with the user and their CSRF token for its forms."""
        token = self.guard.csrf_token(user.session_token) if user else ""
        html = self.templates.get_template(name).render(user=user, csrf_field=CSRF_FIELD, csrf=token, **values)
        return HTMLResponse(html, status_code=status_code)


def web_of(request: Request) -> WebContext:
    """The app's WebContext."""
    return request.app.state.web


def database_session(request: Request) -> Iterator[Session]:
    """One database session per request, closed when the request is done; routes commit what they change."""
    with Session(web_of(request).runtime.engine) as session:
        yield session


# The request's database session, for the routes: `session: SessionDep`.
SessionDep = Annotated[Session, Depends(database_session)]


def allowed(permission: Permission) -> Callable[[Request], WebUser]:
    """A dependency: the signed-in user, who must hold `permission` (every GET route uses one)."""

    def dependency(request: Request) -> WebUser:
        user = web_of(request).guard.user_of(request)
        if not user.may(permission):
            raise ForbiddenError(f"your role ({user.role}) may not do this")
        return user

    return dependency


def posted(permission: Permission) -> Callable[[Request], Awaitable[WebUser]]:
    """A dependency for every POST: the user must hold `permission` and the form must carry its CSRF token."""
    check = allowed(permission)

    async def dependency(request: Request) -> WebUser:
        user = await run_in_threadpool(check, request)
        form = await request.form()
        web_of(request).guard.check_csrf(user.session_token, str(form.get(CSRF_FIELD, "")))
        return user

    return dependency


# One dependency per permission, shared by the routes (module-level, so each is built once).
CAN_VIEW = Depends(allowed(Permission.VIEW_QUEUE))
CAN_WORK_INTAKE = Depends(allowed(Permission.WORK_INTAKE))
CAN_EXPORT = Depends(allowed(Permission.EXPORT))
CAN_READ_AUDIT = Depends(allowed(Permission.READ_AUDIT))
CAN_MANAGE_USERS = Depends(allowed(Permission.MANAGE_USERS))
CAN_VIEW_REPORTS = Depends(allowed(Permission.VIEW_REPORTS))
POST_MANAGE_USERS = Depends(posted(Permission.MANAGE_USERS))
POST_SIGNED_IN = Depends(posted(Permission.VIEW_QUEUE))
POST_CASE_WORK = Depends(posted(Permission.WORK_CASE))
POST_INTAKE_WORK = Depends(posted(Permission.WORK_INTAKE))
POST_LEGAL_HOLDS = Depends(posted(Permission.MANAGE_LEGAL_HOLDS))
POST_RELEASE_HELD = Depends(posted(Permission.RELEASE_HELD_MAIL))

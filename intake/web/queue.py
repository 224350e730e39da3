"""The queue: one row per case, nearest statutory deadline first, filtered, searched and paged by keyset.

Keyset paging walks the (nearest_deadline, id) index: cases with a deadline first, then those without
(by id). The cursor names the last row shown, so page 500 costs what page 1 costs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from intake.outgoing.clocks import live_concerns
from intake.store import audit
from intake.store.audit import AuditAction
from intake.store.export import cases_csv
from intake.store.models import Case, CaseField, CaseStatus, utcnow
from intake.web.context import CAN_EXPORT, CAN_VIEW, SessionDep, web_of
from intake.web.security import WebUser

router = APIRouter()

PAGE_SIZE = 50
NAME_FIELDS = ("subject.surname", "subject.forenames")
_CODE = re.compile(r"^[a-z_]{1,40}$")
DECISION_FILTERS = ("cspr:met", "cspr:not_met", "cspr:needs_information", "sar:mandatory", "sar:discretionary",
                    "sar:not_met", "sar:needs_information")


@dataclass(frozen=True)
class QueueFilter:
    """What the user asked the queue to show."""

    track: str = ""
    status: str = ""
    assignee: str = ""  # a user name, or "-" for unassigned
    decision: str = ""  # one of DECISION_FILTERS
    flag: str = ""
    q: str = ""  # a reference or part of one, or part of a name
    live: str = ""  # "1": live concerns only


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: its deadline (None for the no-deadline part) and id."""

    deadline: date | None
    case_pk: int

    def encode(self) -> str:
        """The cursor as a URL parameter."""
        return f"{self.deadline.isoformat() if self.deadline else 'none'}.{self.case_pk}"

    @staticmethod
    def decode(text: str) -> Cursor | None:
        """The cursor of a URL parameter; None when absent or malformed."""
        head, _, tail = text.partition(".")
        if not tail.isdigit():
            return None
        try:
            return Cursor(None if head == "none" else date.fromisoformat(head), int(tail))
        except ValueError:
            return None


@dataclass
class QueuePage:
    """One page of the queue."""

    cases: list[Case] = field(default_factory=list)
    next_cursor: Cursor | None = None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _filtered(statement: sa.Select, f: QueueFilter) -> sa.Select:
    if f.track and _CODE.match(f.track):
        statement = statement.where(Case.track == f.track)
    if f.status in {s.value for s in CaseStatus}:
        statement = statement.where(Case.status == f.status)
    if f.assignee == "-":
        statement = statement.where(col(Case.assignee).is_(None))
    elif f.assignee:
        statement = statement.where(Case.assignee == f.assignee)
    if f.decision in DECISION_FILTERS:
        which, value = f.decision.split(":")
        statement = statement.where((Case.cspr if which == "cspr" else Case.sar) == value)
    if f.flag and _CODE.match(f.flag):
        statement = statement.where(sa.cast(Case.flags, sa.Text).like(f'%"{f.flag}"%'))
    if f.q.strip():
        statement = statement.where(_search(f.q.strip()))
    if f.live == "1":
        statement = statement.where(col(Case.live_concern).is_(True))
    return statement


def _search(text: str) -> sa.ColumnElement[bool]:
    """A reference (whole or part) or part of the person's surname or forenames."""
    names = (select(CaseField.case_pk)
             .where(col(CaseField.name).in_(NAME_FIELDS), col(CaseField.current).is_(True),
                    sa.func.lower(sa.cast(CaseField.value, sa.Text)).like(_like(text.lower()), escape="\\")))
    return sa.or_(col(Case.reference).like(_like(text.upper()), escape="\\"), col(Case.id).in_(names))


def queue_page(session: Session, f: QueueFilter, *, after: Cursor | None = None,
               size: int = PAGE_SIZE) -> QueuePage:
    """One page of cases in deadline order, after `after`."""
    rows: list[Case] = []
    if after is None or after.deadline is not None:
        dated = _filtered(select(Case).where(col(Case.nearest_deadline).is_not(None)), f)
        if after is not None:
            dated = dated.where(sa.or_(col(Case.nearest_deadline) > after.deadline,
                                       sa.and_(col(Case.nearest_deadline) == after.deadline,
                                               col(Case.id) > after.case_pk)))
        rows = list(session.exec(dated.order_by(col(Case.nearest_deadline), col(Case.id)).limit(size + 1)))
    if len(rows) <= size:
        undated = _filtered(select(Case).where(col(Case.nearest_deadline).is_(None)), f)
        if after is not None and after.deadline is None:
            undated = undated.where(col(Case.id) > after.case_pk)
        rows += list(session.exec(undated.order_by(col(Case.id)).limit(size + 1 - len(rows))))
    page = QueuePage(rows[:size])
    if len(rows) > size:
        last = rows[size - 1]
        page.next_cursor = Cursor(last.nearest_deadline, last.id)
    return page


def filter_of(request: Request) -> QueueFilter:
    """The filter in a request's query string."""
    params = request.query_params
    return QueueFilter(**{name: params.get(name, "")[:200] for name in
                          ("track", "status", "assignee", "decision", "flag", "q", "live")})


@router.get("/")
def queue(request: Request, session: SessionDep, user: WebUser = CAN_VIEW) -> Response:
    """The queue page."""
    web = web_of(request)
    f = filter_of(request)
    page = queue_page(session, f, after=Cursor.decode(request.query_params.get("after", "")))
    assignees = [a for a in session.exec(select(Case.assignee).where(col(Case.assignee).is_not(None))
                                         .distinct().order_by(col(Case.assignee)))]
    query = {k: v for k, v in f.__dict__.items() if v}
    return web.render(user, "queue.html", page=page, filter=f, query=query, assignees=assignees,
                      statuses=list(CaseStatus), decisions=DECISION_FILTERS, now=utcnow(),
                      first_page="after" not in request.query_params, live_band=live_concerns(session))


@router.get("/export.csv")
def export_csv(session: SessionDep, user: WebUser = CAN_EXPORT) -> Response:
    """Every case as CSV (managers and admins)."""
    text = cases_csv(session)
    audit.record(session, actor=user.username, action=AuditAction.QUEUE_EXPORTED)
    session.commit()
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="cases-{stamp}.csv"'})

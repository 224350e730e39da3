"""The queue: open cases by default, live concerns pinned first, then the nearest statutory deadline first;
filtered, searched (reference, name, NHS number, date of birth, postcode), sorted and paged.

Keyset paging walks the (nearest_deadline, id) index: cases with a deadline first, then those without
(by id). The cursor names the last row shown, so page 500 costs what page 1 costs. Other sort orders
page by offset (they are for a few pages of a filtered list, not for walking the whole queue).
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
from intake.store.models import Case, CaseStatus, utcnow
from intake.store.purge import not_purged
from intake.web.caseview import age_days, deadline_badge, london_today
from intake.web.context import CAN_EXPORT, CAN_VIEW, SessionDep, web_of
from intake.web.labels import field_label
from intake.web.notices import notice_of
from intake.web.queuesearch import person_columns, search_condition
from intake.web.security import Permission, WebUser

router = APIRouter()

PAGE_SIZE = 50
_CODE = re.compile(r"^[a-z_]{1,40}$")
OPEN = (CaseStatus.NEW, CaseStatus.IN_TRIAGE, CaseStatus.AWAITING_INFORMATION)
SORTS = {"deadline": "nearest deadline", "received": "newest first", "reference": "reference",
         "status": "status", "assignee": "assignee"}
LIVE = '%"live_concern"%'
FLAG_FILTERS = ("no_form", "encrypted_attachment", "scanned_form", "unsupported_attachment", "unreadable_attachment",
                "invalid_nhs_number", "possible_duplicate", "track_mismatch", "transition_case", "care_leaver",
                "deadline_estimated", "acknowledgement_bounced", "different_sender", "empty_winmail",
                "too_many_attachments")
DECISION_FILTERS = ("cspr:met", "cspr:not_met", "cspr:needs_information", "sar:mandatory", "sar:discretionary",
                    "sar:not_met", "sar:needs_information")


@dataclass(frozen=True)
class QueueFilter:
    """What the user asked the queue to show."""

    track: str = ""
    status: str = ""  # "" is the open cases; "all", or one status
    assignee: str = ""  # a user name, or "-" for unassigned
    decision: str = ""  # one of DECISION_FILTERS
    flag: str = ""
    q: str = ""  # a reference, a name, an NHS number, a date of birth or a postcode
    sort: str = ""  # one of SORTS; "" is the deadline order with live concerns pinned
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


def _filtered(session: Session, statement: sa.Select, f: QueueFilter) -> sa.Select:
    # A purged case has no data left to work on (its page shows the tombstone): never in the queue.
    statement = statement.where(not_purged())
    if f.track and _CODE.match(f.track):
        statement = statement.where(Case.track == f.track)
    if f.status in {s.value for s in CaseStatus}:
        statement = statement.where(Case.status == f.status)
    elif f.status != "all":
        statement = statement.where(col(Case.status).in_([str(s) for s in OPEN]))
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
        statement = statement.where(search_condition(session, f.q.strip()))
    if f.live == "1":
        statement = statement.where(col(Case.live_concern).is_(True))
    return statement


def queue_page(session: Session, f: QueueFilter, *, after: Cursor | None = None,
               size: int = PAGE_SIZE) -> QueuePage:
    """One page of cases in deadline order, after `after`."""
    rows: list[Case] = []
    if after is None or after.deadline is not None:
        dated = _filtered(session, select(Case).where(col(Case.nearest_deadline).is_not(None)), f)
        if after is not None:
            dated = dated.where(sa.or_(col(Case.nearest_deadline) > after.deadline,
                                       sa.and_(col(Case.nearest_deadline) == after.deadline,
                                               col(Case.id) > after.case_pk)))
        rows = list(session.exec(dated.order_by(col(Case.nearest_deadline), col(Case.id)).limit(size + 1)))
    if len(rows) <= size:
        undated = _filtered(session, select(Case).where(col(Case.nearest_deadline).is_(None)), f)
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
                          ("track", "status", "assignee", "decision", "flag", "q", "sort", "live")})


def pinned_live(session: Session, f: QueueFilter) -> list[Case]:
    """Open cases with a live concern, pinned above the rest of the first page (deadline order)."""
    statement = _filtered(session, select(Case).where(sa.cast(Case.signposts, sa.Text).like(LIVE)), f)
    return list(session.exec(statement.order_by(col(Case.nearest_deadline), col(Case.id)).limit(PAGE_SIZE)))


def sorted_page(session: Session, f: QueueFilter, offset: int) -> tuple[QueuePage, bool]:
    """One page in a sort order other than the deadline's, by offset, and whether another follows."""
    order = {"received": [col(Case.received_at).desc()], "reference": [col(Case.reference)],
             "status": [col(Case.status), col(Case.nearest_deadline)],
             "assignee": [col(Case.assignee), col(Case.nearest_deadline)]}[f.sort]
    rows = list(session.exec(_filtered(session, select(Case), f).order_by(*order, col(Case.id))
                             .offset(offset).limit(PAGE_SIZE + 1)))
    return QueuePage(rows[:PAGE_SIZE], None), len(rows) > PAGE_SIZE


def count_cases(session: Session, f: QueueFilter) -> int:
    """How many cases the filter matches."""
    return session.exec(_filtered(session, select(sa.func.count()).select_from(Case), f)).one()


@router.get("/")
def queue(request: Request, session: SessionDep, user: WebUser = CAN_VIEW) -> Response:
    """The queue page."""
    web = web_of(request)
    f = filter_of(request)
    given = request.query_params.get("offset", "0")
    offset = min(int(given), 1_000_000) if given.isdigit() else 0
    pinned, more = [], False
    if f.sort in SORTS and f.sort != "deadline":
        page, more = sorted_page(session, f, offset)
    else:
        first = "after" not in request.query_params
        pinned = pinned_live(session, f) if first else []
        page = queue_page(session, f, after=Cursor.decode(request.query_params.get("after", "")))
        page.cases = [c for c in page.cases if c.id not in {p.id for p in pinned}]
    assignees = [a for a in session.exec(select(Case.assignee).where(col(Case.assignee).is_not(None))
                                         .distinct().order_by(col(Case.assignee)))]
    shown = pinned + page.cases
    people = person_columns(session, [c.id for c in shown]) if user.may(Permission.SEE_PERSON) else {}
    query = {k: v for k, v in f.__dict__.items() if v}
    today = london_today()
    return web.render(user, "queue.html", page=page, pinned=pinned, filter=f, query=query,
                      assignees=assignees, statuses=list(CaseStatus), decisions=DECISION_FILTERS, flags=FLAG_FILTERS,
                      total=count_cases(session, f), people=people, sorts=SORTS, offset=offset, more=more,
                      badge=lambda c: deadline_badge(c.nearest_deadline, today), age=age_days,
                      first_page="after" not in request.query_params and not offset,
                      notice=notice_of(request), live_band=live_concerns(session))


@router.get("/export.csv")
def export_csv(session: SessionDep, user: WebUser = CAN_EXPORT) -> Response:
    """Every case as CSV (managers and admins)."""
    text = cases_csv(session, label=field_label)
    audit.record(session, actor=user.username, action=AuditAction.QUEUE_EXPORTED)
    session.commit()
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="cases-{stamp}.csv"'})

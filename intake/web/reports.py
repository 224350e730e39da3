"""The Reports page (managers and admins): monthly figures for a chosen period, with charts and a CSV."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from intake.outgoing.chart import bar_chart_png, chart_size
from intake.store import audit
from intake.store.audit import AuditAction
from intake.store.models import utcnow
from intake.store.reports import LONDON, DeadlineState, MonthFigures, figures_csv, monthly_figures, months_between
from intake.web.context import CAN_VIEW_REPORTS, SessionDep, web_of
from intake.web.security import WebUser

router = APIRouter()
DEFAULT_MONTHS = 12
MAX_MONTHS = 60


def _month(text: str) -> date | None:
    """'2026-03' (what <input type=month> sends) as 1 March 2026, or None."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def period(request: Request) -> tuple[date, date]:
    """The months asked for (default: the last twelve), at most MAX_MONTHS, first before last."""
    today = utcnow().astimezone(LONDON).date().replace(day=1)
    last = _month(request.query_params.get("to", "")) or today
    first = _month(request.query_params.get("from", "")) or months_between(
        date(last.year - 1, last.month, 1), last)[1]
    if first > last:
        first, last = last, first
    months = months_between(first, last)
    return (months[-MAX_MONTHS] if len(months) > MAX_MONTHS else first), last


def _chart(rows: list[tuple[str, int]]) -> dict[str, object]:
    width, height = chart_size(len(rows))
    data = base64.b64encode(bar_chart_png(rows)).decode()
    return {"src": f"data:image/png;base64,{data}", "width": width, "height": height,
            "alt": ", ".join(f"{label}: {value}" for label, value in rows)}


def _figures(request: Request, session: Session) -> tuple[date, date, list[MonthFigures]]:
    first, last = period(request)
    return first, last, monthly_figures(session, first=first, last=last, today=utcnow().astimezone(LONDON).date())


@router.get("/reports")
def reports_page(request: Request, session: SessionDep, user: WebUser = CAN_VIEW_REPORTS) -> Response:
    """Monthly figures with charts: referrals, tracks, organisations, times, deadlines, outcomes."""
    first, last, figures = _figures(request, session)
    organisations = sum((f.by_organisation for f in figures), start=Counter())
    outcomes = sorted({o for f in figures for o in f.outcomes})
    referrals = _chart([(f.month.strftime("%m/%y"), f.referrals) for f in figures])
    missed = _chart([(f.month.strftime("%m/%y"), f.deadlines[DeadlineState.MISSED]) for f in figures])
    return web_of(request).render(user, "reports.html", figures=figures, first=first, last=last,
                                  organisations=organisations.most_common(), outcomes=outcomes,
                                  referrals_chart=referrals, missed_chart=missed)


@router.get("/reports.csv")
def reports_csv(request: Request, session: SessionDep, user: WebUser = CAN_VIEW_REPORTS) -> Response:
    """The monthly figures as CSV (counts only: no personal data)."""
    first, last, figures = _figures(request, session)
    audit.record(session, actor=user.username, action=AuditAction.REPORT_EXPORTED,
                 detail={"from": first.isoformat(), "to": last.isoformat()})
    session.commit()
    name = f"referral-figures-{first:%Y-%m}-to-{last:%Y-%m}.csv"
    return Response(figures_csv(figures), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

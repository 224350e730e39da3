"""Monthly figures and the case CSV on SQLite and PostgreSQL: counts, times, deadlines, outcomes; CSV
headers readable, dates in UK form, UTF-8 with a BOM, formula-safe."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from intake.store.export import cases_csv
from intake.store.models import AuditAction, AuditEvent, Case, Decision, Outbox, StaffCspr, StaffSar
from intake.store.reports import figures_csv, monthly_figures, months_between
from intake.store.rows import pk
from intake.store.steps import CaseStep
from intake.web.labels import field_label
from rules.review import StepKind
from tests.support.browser import seeded_runtime

RECEIVED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_months_between_crosses_the_year() -> None:
    assert months_between(date(2025, 11, 20), date(2026, 2, 1)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_monthly_figures_and_the_case_csv(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    with Session(runtime.engine) as session:
        adult, child = (session.exec(select(Case).where(Case.track == t)).one() for t in ("adult", "child"))
        for case in (adult, child):
            case.received_at = RECEIVED
            case.nearest_deadline = date(2026, 3, 17)
        child.sender = "=cmd@evil.example.org"
        child.panel_notification = child.rapid_review = None  # no statutory deadline: its nearest one counts
        session.add_all([adult, child])
        session.add(Decision(case_pk=pk(adult), sar=StaffSar.DISCRETIONARY, rationale="-1 risk", decided_by="mona",
                             decided_at=RECEIVED + timedelta(days=2)))
        session.add_all([
            AuditEvent(at=RECEIVED + timedelta(hours=1), actor="mona", action=AuditAction.CASE_ASSIGNED,
                       case_pk=adult.id, detail={"from": None, "to": "tina"}),
            AuditEvent(at=RECEIVED + timedelta(days=3), actor="tina", action=AuditAction.STATUS_CHANGED,
                       case_pk=adult.id, detail={"from": "decided", "to": "closed"})])
        for outbox in session.exec(select(Outbox)).all():
            outbox.sent_at = RECEIVED + timedelta(hours=3)
            session.add(outbox)
        session.commit()
        adult_ref, child_ref = adult.reference, child.reference
        [march] = monthly_figures(session, first=date(2026, 3, 1), last=date(2026, 3, 1), today=date(2026, 4, 1))
        table = cases_csv(session, label=field_label)
    assert march.referrals == 2 and march.by_track == {"adult": 1, "child": 1}
    assert march.median_days_to_decision() == 2.0
    assert march.median_hours_to_acknowledge() in (None, 3.0)
    assert dict(march.deadlines) == {"met": 1, "missed": 1}  # decided in time; undecided and the day has passed
    assert march.outcomes == {"SAR: discretionary": 1, "undecided": 1}
    figures = list(csv.DictReader(io.StringIO(figures_csv([march]).removeprefix("\ufeff"))))
    assert figures[0]["Month"] == "03/2026" and figures[0]["Deadlines met"] == "1"
    assert "'=cmd" not in figures_csv([march])  # organisations are domains here; no formula either way

    assert table.startswith("\ufeff")
    rows = {r["Reference"]: r for r in csv.DictReader(io.StringIO(table.removeprefix("\ufeff")))}
    assert rows[adult_ref]["Staff SAR decision"] == "discretionary"
    assert rows[adult_ref]["Rationale"] == "'-1 risk"  # formula-safe
    assert rows[adult_ref]["First decision"] == "12/03/2026 09:00" and rows[adult_ref]["Received"] == "10/03/2026 09:00"
    assert rows[adult_ref]["Panel notification due"] == "" or rows[adult_ref]["Panel notification due"][2] == "/"
    assert rows[adult_ref]["First assigned"] == "10/03/2026 10:00" and rows[adult_ref]["Closed"] == "13/03/2026 09:00"
    assert rows[child_ref]["Sender"].startswith("'=") and rows[child_ref]["Closed"] == ""
    assert rows[child_ref]["Staff CSPR decision"] == "" and rows[child_ref]["Notes"] == "0"
    assert "Date of birth" in rows[adult_ref] and "Surname" in rows[adult_ref]


def test_a_childs_statutory_deadlines_are_met_by_their_steps_not_by_a_decision(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    with Session(runtime.engine) as session:
        child = session.exec(select(Case).where(Case.track == "child")).one()
        child.received_at, child.nearest_deadline = RECEIVED, None
        child.panel_notification, child.rapid_review = date(2026, 3, 17), date(2026, 3, 31)
        session.add(child)
        # Notified a day late; decided (which meets no statutory deadline) in time; rapid review not held yet.
        session.add(CaseStep(case_pk=pk(child), kind=StepKind.PANEL_NOTIFIED, happened_on=date(2026, 3, 18),
                             actor="tina"))
        session.add(Decision(case_pk=pk(child), cspr=StaffCspr.NOTIFY, rationale="criteria met", decided_by="mona",
                             decided_at=RECEIVED + timedelta(days=1)))
        session.commit()
        [during] = monthly_figures(session, first=date(2026, 3, 1), last=date(2026, 3, 1), today=date(2026, 3, 20))
        [after] = monthly_figures(session, first=date(2026, 3, 1), last=date(2026, 3, 1), today=date(2026, 4, 2))
        session.add(CaseStep(case_pk=pk(child), kind=StepKind.ROUTED_ELSEWHERE, happened_on=date(2026, 3, 25),
                             actor="tina"))
        session.commit()
        [routed] = monthly_figures(session, first=date(2026, 3, 1), last=date(2026, 3, 1), today=date(2026, 4, 2))
    assert dict(during.deadlines) == {"missed": 1, "pending": 1}
    assert dict(after.deadlines) == {"missed": 2}  # the rapid review's day passed without it
    assert dict(routed.deadlines) == {"missed": 1}  # routed elsewhere before the rapid review was due

"""Issue 11 in the intake: the live-concern alert, the review steps that move the clock, the digest and the export.

Real components: the pipeline over SQLite and PostgreSQL, aiosmtpd for the outbox, the export schema.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
from sqlmodel import Session, col, select

from intake.outgoing.digest import gather, render
from intake.runtime import Runtime, build_runtime
from intake.store.cases import case_by_reference
from intake.store.export import cases_csv, cases_json
from intake.store.models import AuditEvent, Case, CaseStatus, Outbox
from intake.store.steps import StepInput, record_step
from rules.review import StepKind
from tests.conftest import REPO, make_settings
from tests.support.browser import CHILD_BODY, take_in
from tests.support.mailfactory import make_email
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)

SCHEMA = REPO.parent / "shared" / "design" / "case-export.schema.json"
DUTY = "duty.team@rbwm.example.org"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
UNKNOWN_AGE_BODY = """Children's case referral.

Name: Baby Unnamed
Date of death: 05/03/2026
Abuse or neglect: suspected
"""


def _runtime(tmp_path: Path, db_url: str, server: SmtpServer | None = None) -> Runtime:
    env = {"INTAKE_SMTP_HOST": server.host, "INTAKE_SMTP_PORT": str(server.port)} if server else {}
    extra = f"alerts:\n  duty_address: {DUTY}\n"
    return build_runtime(make_settings(tmp_path, db_url=db_url, env=env, extra_yaml=extra))


def _case(runtime: Runtime, message_id: str) -> Case:
    with Session(runtime.engine) as session:
        return session.exec(select(Case).order_by(col(Case.id).desc())).one()


def _by_reference(session: Session, reference: str) -> Case:
    found = case_by_reference(session, reference=reference)
    assert found is not None
    return found


def _digest_text(runtime: Runtime) -> str:
    with Session(runtime.engine) as session:
        content = gather(session, now=NOW, tz=ZoneInfo("Europe/London"), base_url="https://triage.example.org")
    return render(content, chart_src="cid:chart")[1]


def test_a_live_concern_is_alerted_once_to_the_duty_address_with_reference_and_link_only(
        db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:  # noqa: F811
    runtime = _runtime(tmp_path, db_url, smtp_server)
    take_in(runtime, make_email(subject="Child referral", body=CHILD_BODY, message_id="<child-live@example.org>"))
    case = _case(runtime, "<child-live@example.org>")
    assert case.live_concern and "live_concern" in case.signposts
    with Session(runtime.engine) as session:
        kinds = sorted(o.kind for o in session.exec(select(Outbox)))
    assert kinds == ["acknowledgement", "live_concern_alert"]  # queued with the case, in its transaction
    runtime.send_due()
    [alert] = [r for r in smtp_server.received if DUTY in r.rcpt_tos]
    text = alert.message.get_body(("plain",)).get_content()
    assert case.reference in alert.message["Subject"] and f"/cases/{case.reference}" in text
    for personal in ("Oliver", "Fictional", "2015"):
        assert personal not in text and personal not in alert.message["Subject"]
    assert alert.message["Auto-Submitted"] == "auto-generated"
    with Session(runtime.engine) as session:  # reclassifying (as a correction does) never alerts twice
        from intake.outgoing.alerts import build_alerter
        from intake.store.cases import reclassify

        stored = session.get_one(Case, case.id)
        reclassify(session, stored, runtime.classify)
        build_alerter(runtime.settings).for_case(session, case=stored)
        session.commit()
        assert len(session.exec(select(Outbox).where(Outbox.kind == "live_concern_alert")).all()) == 1
    runtime.send_due()
    assert len([r for r in smtp_server.received if DUTY in r.rcpt_tos]) == 1


def test_the_clock_moves_from_notify_panel_to_rapid_review_to_closed_and_the_digest_agrees(
        db_url: str, tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, db_url)
    take_in(runtime, make_email(subject="Child referral", body=CHILD_BODY, message_id="<child-clock@example.org>"))
    reference = _case(runtime, "").reference
    with Session(runtime.engine) as session:
        case = _by_reference(session, reference)
        assert (case.clock, case.nearest_deadline) == ("panel_notification", case.panel_notification)
    digest = _digest_text(runtime)
    assert f"{reference}  notify Panel by" in digest
    assert digest.index("LIVE CONCERNS: act today (1)") < digest.index("New since the last digest")  # first

    def step(kind: StepKind, **detail: str) -> Case:
        with Session(runtime.engine) as session:
            case = _by_reference(session, reference)
            record_step(session, case=case, step=StepInput(kind, date(2026, 3, 11), "noted", detail), actor="tina")
            session.commit()
            session.refresh(case)
            return case

    case = step(StepKind.PANEL_NOTIFIED, panel_reference="CSPRP-123")
    assert (case.clock, case.nearest_deadline, case.status) == ("rapid_review", case.rapid_review, "in_review")
    assert f"{reference}  rapid review by" in _digest_text(runtime)
    with Session(runtime.engine) as session:  # a staff decision no longer hides the rapid review date
        case = _by_reference(session, reference)
        case.status = CaseStatus.DECIDED
        session.add(case)
        session.commit()
    assert f"{reference}  rapid review by" in _digest_text(runtime)
    case = step(StepKind.RAPID_REVIEW_HELD, outcome="no_cspr")
    assert case.clock == "rapid_review"  # the meeting alone does not stop the clock: the report does
    case = step(StepKind.RAPID_REVIEW_REPORT_SENT)
    assert (case.clock, case.nearest_deadline, case.status) == ("", None, "closed")
    assert reference not in _digest_text(runtime).split("Statutory clocks running")[1].split("Awaiting")[0]
    with Session(runtime.engine) as session:
        audited = session.exec(select(AuditEvent).where(AuditEvent.action == "step_recorded")).all()
    assert [e.detail["step"] for e in audited] == ["panel_notified", "rapid_review_held", "rapid_review_report_sent"]


def test_a_step_without_its_details_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    import pytest

    runtime = _runtime(tmp_path, sqlite_url)
    take_in(runtime, make_email(subject="Child referral", body=CHILD_BODY, message_id="<child-x@example.org>"))
    with Session(runtime.engine) as session:
        case = session.exec(select(Case)).one()
        with pytest.raises(ValueError, match="panel_reference is needed"):
            record_step(session, case=case, step=StepInput(StepKind.PANEL_NOTIFIED, date(2026, 3, 11)), actor="tina")


def test_an_unknown_age_keeps_its_provisional_due_date_in_the_queue_order_and_the_digest(
        sqlite_url: str, tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, sqlite_url)
    take_in(runtime, make_email(subject="Referral", body=UNKNOWN_AGE_BODY, message_id="<unknown@example.org>"))
    case = _case(runtime, "")
    assert case.track == "unknown" and case.panel_notification is None  # the export contract: null unless met
    assert case.nearest_deadline is not None and case.clock == "panel_notification"
    assert f"{case.reference}  notify Panel (if a child) by" in _digest_text(runtime)


def test_the_export_carries_live_concern_clock_questions_and_steps_and_still_validates(
        db_url: str, tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, db_url)
    take_in(runtime, make_email(subject="Child referral", body=CHILD_BODY, message_id="<child-exp@example.org>"))
    with Session(runtime.engine) as session:
        case = session.exec(select(Case)).one()
        record_step(session, case=case, step=StepInput(StepKind.PANEL_NOTIFIED, date(2026, 3, 11), "",
                                                       {"panel_reference": "CSPRP-9"}), actor="tina")
        session.commit()
        exported = json.loads(cases_json(session))
        flat = cases_csv(session)
    if SCHEMA.exists():
        jsonschema.validate(exported, json.loads(SCHEMA.read_text()))
    [row] = exported
    assert row["live_concern"] is True and row["clock"]["stage"] == "rapid_review"
    assert row["steps"][0]["kind"] == "panel_notified" and row["steps"][0]["detail"] == {"panel_reference": "CSPRP-9"}
    assert row["questions"] and "live_concern" in row["signposts"]
    assert "11/03/2026 panel notified" in flat and "rapid review" in flat  # readable CSV (issue 14)


def test_recording_a_step_over_http_needs_a_signed_in_worker_a_csrf_token_and_its_details(
        sqlite_url: str, tmp_path: Path) -> None:
    from intake.store.models import Role
    from intake.store.users import add_user
    from tests.support.browser import PASSWORDS, csrf_from, served, signed_in_client

    runtime = build_runtime(make_settings(tmp_path, db_url=sqlite_url,
                                          env={"INTAKE_WEB_SECRET": "test-secret-" + "x" * 20}))
    with Session(runtime.engine) as session:
        add_user(session, username="tina", password=PASSWORDS["tina"], role=Role.TRIAGE)
    take_in(runtime, make_email(subject="Child referral", body=CHILD_BODY, message_id="<child-http@example.org>"))
    reference = _case(runtime, "").reference
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        page = client.get(f"/cases/{reference}").text
        assert "Review after triage" in page and "Live concern: act today" in page
        assert "https://childsafeguarding.education.gov.uk/" in page
        token = csrf_from(page)
        url = f"/cases/{reference}/steps"
        assert client.post(url, data={"kind": "panel_notified", "on": "2026-03-11"}).status_code == 403  # no token
        missing = client.post(url, data={"kind": "panel_notified", "on": "2026-03-11", "csrf_token": token})
        assert missing.status_code == 400 and "panel_reference" in missing.text
        assert client.post(url, data={"kind": "nonsense", "on": "2026-03-11", "csrf_token": token}).status_code == 400
        done = client.post(url, data={"kind": "panel_notified", "on": "2026-03-11", "panel_reference": "P-1",
                                      "note": "<script>x</script>", "csrf_token": token})
        assert done.status_code == 303
        shown = client.get(f"/cases/{reference}").text
        assert "&lt;script&gt;x&lt;/script&gt;" in shown and "<script>x</script>" not in shown  # escaped
        assert 'class="clock-stage">rapid review<' in shown
        client.close()


def test_the_migration_marks_earlier_live_concerns_and_starts_their_clocks(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from intake.store.database import MIGRATIONS, create_db_engine, migrate

    engine = create_db_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:  # the schema as it stood before issue 11
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        command.upgrade(config, "0003")
    import sqlalchemy as sa

    insert = sa.text(
        "INSERT INTO cases (reference, status, received_at, sender, form_type, track, cspr, sar, reasons, signposts, "
        "flags, panel_notification, triage, acknowledged, created_at, updated_at) VALUES (:ref, :status, :at, '', "
        "'child_referral', 'child', 'met', 'not_applicable', '[]', :signposts, '[]', :due, '{}', :no, :at, :at)")
    with engine.begin() as connection:
        for ref, status, signposts in (("CSPR-2026-0001", "new", '["live_concern"]'),
                                       ("CSPR-2026-0002", "closed", "[]")):
            connection.execute(insert, {"ref": ref, "status": status, "signposts": signposts, "no": False,
                                        "due": date(2026, 3, 17), "at": NOW})
    migrate(engine)
    with Session(engine) as session:
        live, closed = session.exec(select(Case).order_by(col(Case.id))).all()
    assert (live.live_concern, live.clock, live.nearest_deadline) == (True, "panel_notification", date(2026, 3, 17))
    assert (closed.live_concern, closed.clock, closed.nearest_deadline) == (False, "", None)

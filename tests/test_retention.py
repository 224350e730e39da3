"""Retention and purge on SQLite and PostgreSQL: the policy's verdicts, the dry run, the purge (what goes, what must
stay, shared bytes, tombstones, the ledger), legal holds, expired sign-ins, idempotence, two purgers, the command
line, and a migration of a database that already holds mail."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlmodel import Session, col, func, select

from intake.config.settings import RetentionSettings
from intake.runtime import Runtime
from intake.store import holds
from intake.store.database import MIGRATIONS, create_db_engine, migrate
from intake.store.export import iter_cases, iter_messages
from intake.store.learning import CaseOtherAnswer
from intake.store.models import (
    SYSTEM,
    AuditAction,
    AuditEvent,
    Blob,
    Case,
    CaseField,
    CaseNote,
    CaseStatus,
    Decision,
    DeletionRecord,
    Disposition,
    LegalHold,
    Message,
    OidcPending,
    Outbox,
    PurgeKind,
    StaffSar,
    StoredAttachment,
    WebSession,
    utcnow,
)
from intake.store.purge import plan, run_purge
from intake.store.retention import CaseFacts, MessageFacts, Policy, add_years, case_verdict, message_verdict
from intake.store.rows import pk
from tests.support.browser import SAR_BODY, seeded_runtime, take_in
from tests.support.intake_helpers import run_service
from tests.support.mailfactory import DOCX_TYPE, make_email, simple_docx

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
POLICY = Policy.from_settings(RetentionSettings())  # the defaults: 6 years, 30 and 90 days, audit 7 years
OLD_BODY = SAR_BODY.replace("Margaret Testperson", "Zebedee Purgeable")
SHARED_FORM = simple_docx(["SAR Notification Form", "Shared by two referrals"])


# --- the policy, pure -----------------------------------------------------------------------------------------


def test_a_closed_case_is_due_six_years_after_it_ended_and_an_open_one_never() -> None:
    ended = datetime(2020, 6, 1, 9, 0, tzinfo=UTC)
    closed = CaseFacts(CaseStatus.CLOSED, ended)
    assert not case_verdict(closed, POLICY, datetime(2026, 6, 1, 8, 59, tzinfo=UTC)).due
    verdict = case_verdict(closed, POLICY, datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert verdict.due and verdict.rule == "retention.cases.closed: 6 years after it ended"
    assert not case_verdict(CaseFacts(CaseStatus.DECIDED, ended), POLICY, NOW + timedelta(days=9000)).due
    assert not case_verdict(CaseFacts(CaseStatus.IN_REVIEW, ended), POLICY, NOW + timedelta(days=9000)).due
    held = case_verdict(CaseFacts(CaseStatus.WITHDRAWN, ended, held=True), POLICY, NOW)
    assert not held.due and held.rule == "legal hold"
    never = Policy.from_settings(RetentionSettings.model_validate({"cases": {"transferred": "never"}}))
    assert not case_verdict(CaseFacts(CaseStatus.TRANSFERRED, ended), never, NOW + timedelta(days=90000)).due
    assert add_years(datetime(2024, 2, 29, tzinfo=UTC), 6) == datetime(2030, 2, 28, tzinfo=UTC)


def test_unfiled_messages_go_after_their_days_and_filed_or_unresolved_ones_never_alone() -> None:
    screened_out = MessageFacts(Disposition.IGNORED, filed=False, was_quarantined=False, resolved_at=NOW)
    assert not message_verdict(screened_out, POLICY, NOW + timedelta(days=29)).due
    assert message_verdict(screened_out, POLICY, NOW + timedelta(days=30)).due
    dismissed = MessageFacts(Disposition.IGNORED, filed=False, was_quarantined=True, resolved_at=NOW)
    assert not message_verdict(dismissed, POLICY, NOW + timedelta(days=89)).due
    assert message_verdict(dismissed, POLICY, NOW + timedelta(days=90)).rule.startswith("retention.messages.quar")
    for facts in (MessageFacts(Disposition.QUARANTINED, False, True, NOW), MessageFacts(Disposition.PENDING, False,
                  False, NOW), MessageFacts(Disposition.IGNORED, True, False, NOW),
                  MessageFacts(Disposition.CASE, True, False, NOW)):
        assert not message_verdict(facts, POLICY, NOW + timedelta(days=9000)).due


# --- a database with something of everything ------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """What the tests look at: the case due, one recently closed sharing its form, one open, one held."""

    runtime: Runtime
    old: str  # closed seven years ago: due
    recent: str  # closed a year ago, with the same attachment bytes as `old`
    open: str  # SAR-2026-0001 from seeded_runtime: open
    held: str  # CSPR-2026-0001: closed seven years ago but on legal hold
    auto_reply: int  # screened out 31 days ago: due
    dismissed: int  # dismissed from quarantine 40 days ago: not due (90 days)


def _referral(runtime: Runtime, body: str, message_id: str) -> str:
    outcome = take_in(runtime, make_email(subject="SAR referral", body=body, message_id=message_id,
                                          attachments=[("SAR form.docx", SHARED_FORM, DOCX_TYPE)]))
    assert outcome.disposition == Disposition.CASE, outcome
    return outcome.case_reference


def _end(session: Session, reference: str, status: CaseStatus, ended: datetime) -> Case:
    case = session.exec(select(Case).where(Case.reference == reference)).one()
    case.status, case.updated_at = status, ended
    session.add(case)
    return case


def build_world(tmp_path: Path, db_url: str) -> World:
    runtime = seeded_runtime(tmp_path, db_url)
    old = _referral(runtime, OLD_BODY, "<old-1@frimley.example.org>")
    recent = _referral(runtime, SAR_BODY, "<recent-1@frimley.example.org>")
    auto = take_in(runtime, make_email(subject="Out of office", body="Away until Monday.",
                                       message_id="<ooo-1@frimley.example.org>",
                                       headers={"Auto-Submitted": "auto-replied"}))
    assert auto.disposition == Disposition.IGNORED
    with Session(runtime.engine) as session:
        old_case = _end(session, old, CaseStatus.CLOSED, NOW - timedelta(days=7 * 366))
        _end(session, recent, CaseStatus.CLOSED, NOW - timedelta(days=365))
        held = _end(session, "CSPR-2026-0001", CaseStatus.CLOSED, NOW - timedelta(days=7 * 366))
        session.add(LegalHold(case_pk=pk(held), reason="inquest pending", placed_by="mona"))
        session.add(CaseNote(case_pk=pk(old_case), author="tina", text="Rang Zebedee Purgeable's daughter."))
        session.add(Decision(case_pk=pk(old_case), sar=StaffSar.MANDATORY, rationale="Purgeable: clear neglect",
                             decided_by="mona"))
        session.add(CaseField(case_pk=pk(old_case), name="subject.surname", value="Purgeable", source="typed",
                              corrected_by="tina"))
        session.add(CaseOtherAnswer(case_pk=pk(old_case), question="GP practice", answer="Purgeable Surgery"))
        session.add(AuditEvent(actor="tina", action=AuditAction.FIELD_CORRECTED, case_pk=old_case.id,
                               detail={"field": "subject.surname", "old": "Purgable", "new": "Purgeable"}))
        session.add(AuditEvent(at=NOW - timedelta(days=8 * 366), actor="tina", action=AuditAction.SIGNED_IN))
        session.add(AuditEvent(at=NOW - timedelta(days=8 * 366), actor="tina", action=AuditAction.CASE_VIEWED,
                               case_pk=held.id))
        auto_row = session.get(Message, auto.message_pk)
        auto_row.processed_at = NOW - timedelta(days=31)
        dismissed = session.exec(select(Message).where(Message.disposition == Disposition.QUARANTINED)).one()
        dismissed.disposition, dismissed.processed_at = Disposition.IGNORED, NOW - timedelta(days=40)
        dismissed.reason = "not a referral (tina): a newsletter"
        session.add_all([auto_row, dismissed])
        session.add(WebSession(token_hash="a" * 64, username="tina", expires_at=NOW - timedelta(hours=1)))
        session.add(WebSession(token_hash="b" * 64, username="tina", expires_at=NOW + timedelta(hours=1)))
        session.add(OidcPending(state_hash="c" * 64, browser_hash="d" * 64, nonce="n", code_verifier="v",
                                created_at=NOW - timedelta(hours=2)))
        session.commit()
        world = World(runtime, old, recent, "SAR-2026-0001", "CSPR-2026-0001", auto.message_pk, pk(dismissed))
    return world


def _counts(engine: sa.Engine) -> dict[str, int]:
    """Rows per table, and the blobs' bytes: nothing may change on a dry run."""
    metadata = sa.MetaData()
    with engine.connect() as connection:
        metadata.reflect(connection)
        counts = {name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                  for name, table in metadata.tables.items()}
        counts["blob bytes"] = connection.execute(sa.select(sa.func.coalesce(sa.func.sum(
            metadata.tables["blobs"].c.size), 0))).scalar_one()
    return counts


def _case(session: Session, reference: str) -> Case:
    return session.exec(select(Case).where(Case.reference == reference)).one()


# --- the dry run and the purge ----------------------------------------------------------------------------------


def test_the_dry_run_lists_exactly_what_is_due_and_deletes_nothing(db_url: str, tmp_path: Path) -> None:
    world = build_world(tmp_path, db_url)
    before = _counts(world.runtime.engine)
    with Session(world.runtime.engine) as session:
        due = plan(session, POLICY, now=NOW)
    assert [c.reference for c in due.cases] == [world.old]
    assert due.cases[0].verdict.rule == "retention.cases.closed: 6 years after it ended"
    assert [c.reference for c in due.held] == [world.held]
    assert [m.message_pk for m in due.messages] == [world.auto_reply]  # the dismissed one has 90 days
    assert (due.sessions, due.oidc_pending, due.orphan_blobs) == (1, 1, 0)
    assert due.audit_events == 1  # the old sign-in; the held case's old view stays
    assert _counts(world.runtime.engine) == before


def test_the_purge_deletes_what_is_due_and_keeps_everything_else(db_url: str, tmp_path: Path) -> None:
    world = build_world(tmp_path, db_url)
    engine = world.runtime.engine
    with Session(engine) as session:
        old_case = _case(session, world.old)
        codes = (old_case.status, old_case.track, old_case.cspr, old_case.sar)
        old_messages = list(session.exec(select(Message).where(Message.case_pk == old_case.id)))
        old_raw = {m.sha256 for m in old_messages}
        [recent_attachment] = session.exec(select(StoredAttachment).join(
            Message, col(Message.id) == StoredAttachment.message_pk).join(Case, col(Case.id) == Message.case_pk)
            .where(Case.reference == world.recent)).all()
        shared = recent_attachment.sha256
        kept_before = {ref: _case_snapshot(session, ref) for ref in (world.recent, world.open, world.held)}
        auto_sha = session.get(Message, world.auto_reply).sha256

    report = run_purge(engine, POLICY, now=NOW)

    assert report.cases == [world.old] and report.messages == len(old_messages) + 1
    assert (report.sessions, report.oidc_pending, report.audit_events) == (1, 1, 1)
    with Session(engine) as session:
        case = _case(session, world.old)
        assert case.sender == "" and case.reasons == [] and case.triage == {} and case.clock == ""
        assert (case.status, case.track, case.cspr, case.sar) == codes  # the recommendation's codes stay
        for model in (CaseField, CaseNote, CaseOtherAnswer):
            assert session.exec(select(func.count()).select_from(model).where(model.case_pk == case.id)).one() == 0
        assert [d.rationale for d in session.exec(select(Decision).where(Decision.case_pk == case.id))] == [""]
        for message in session.exec(select(Message).where(Message.case_pk == case.id)):
            assert message.sender == "" and message.subject == "" and message.message_id  # the ledger row stays
            assert session.exec(select(StoredAttachment).where(StoredAttachment.message_pk == message.id)).all() == []
        assert all(session.get(Blob, sha) is None for sha in old_raw | {auto_sha})
        # The form both referrals carried is still there for the case that stays.
        assert session.get(Blob, shared).data == SHARED_FORM
        detail = session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.FIELD_CORRECTED,
                                                       AuditEvent.case_pk == case.id)).one().detail
        assert detail == {"field": "subject.surname"}
        assert all(o.recipient == "" and o.body_text == "" for o in session.exec(
            select(Outbox).where(Outbox.case_pk == case.id)))
        tombstone = session.exec(select(DeletionRecord).where(DeletionRecord.case_pk == case.id)).one()
        assert (tombstone.kind, tombstone.reference, tombstone.status, tombstone.purged_by) == (
            PurgeKind.CASE, world.old, "closed", SYSTEM)
        assert "staff: SAR mandatory" in tombstone.decision and tombstone.removed["fields"] == 1
        assert tombstone.ended_at == NOW - timedelta(days=7 * 366)
        assert session.exec(select(func.count()).select_from(DeletionRecord)
                            .where(DeletionRecord.kind == PurgeKind.MESSAGE)).one() == len(old_messages) + 1
        for ref, snapshot in kept_before.items():
            assert _case_snapshot(session, ref) == snapshot, ref
        dismissed = session.get(Message, world.dismissed)  # not due for another 50 days
        assert dismissed.traceback and session.get(Blob, dismissed.sha256) is not None
        assert [w.token_hash[0] for w in session.exec(select(WebSession))] == ["b"]
        assert session.exec(select(OidcPending)).all() == []
        assert [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.SIGNED_IN,
                                                                         AuditEvent.actor == "tina"))] == []
        ledger = {row["id"]: row for row in iter_messages(session)}
        exported = [c["reference"] for c in iter_cases(session)]
    for message in old_messages:  # `messages --format json` still proves the email came and where it went
        row = ledger[message.id]
        assert row["message_id"] == message.message_id and row["case_reference"] == world.old
        assert row["disposition"] == "case" and row["purged_at"] and row["sender"] == ""
    assert ledger[world.auto_reply]["purged_at"] and ledger[world.dismissed]["purged_at"] is None
    assert world.old not in exported and world.recent in exported  # the export lists the cases whose data is held

    with Session(engine) as session:  # idempotent: nothing left to do, nothing changes
        assert plan(session, POLICY, now=NOW).cases == []
    after = _counts(engine)
    again = run_purge(engine, POLICY, now=NOW)
    assert (again.cases, again.messages, again.blobs) == ([], 0, 0)
    assert {k: v for k, v in _counts(engine).items() if k != "audit_events"} == {
        k: v for k, v in after.items() if k != "audit_events"}

    if db_url.startswith("sqlite"):  # the bytes are gone from the file and its write-ahead log, not just unlinked
        database = Path(sa.make_url(db_url).database or "")
        engine.dispose()
        for path in (database, database.with_name(database.name + "-wal")):
            if path.exists():
                assert b"Purgeable" not in path.read_bytes(), path


def _case_snapshot(session: Session, reference: str) -> tuple:
    case = _case(session, reference)
    fields = sorted((f.name, json.dumps(f.value)) for f in session.exec(select(CaseField).where(
        CaseField.case_pk == case.id)))
    messages = session.exec(select(Message.id, Message.sha256, Message.subject).where(Message.case_pk == case.id))
    blobs = [session.get(Blob, sha) is not None for _, sha, _ in messages.all()]
    return case.sender, case.reasons, fields, blobs


def test_releasing_a_legal_hold_lets_the_purge_take_the_case(db_url: str, tmp_path: Path) -> None:
    world = build_world(tmp_path, db_url)
    with Session(world.runtime.engine) as session:
        case = _case(session, world.held)
        holds.release_hold(session, case=case, reason="inquest concluded", actor="mona")
        session.commit()
        event = session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.LEGAL_HOLD_RELEASED)).one()
        assert event.detail["reason"] == "inquest concluded" and event.actor == "mona"
    report = run_purge(world.runtime.engine, POLICY, now=NOW)
    assert sorted(report.cases) == sorted([world.old, world.held])
    with Session(world.runtime.engine) as session:
        case = _case(session, world.recent)
        holds.place_hold(session, case=case, reason="claim", actor="mona")
        session.commit()
    later = NOW + timedelta(days=7 * 366)
    assert run_purge(world.runtime.engine, POLICY, now=later).cases == []  # on hold: kept, however old


def test_two_purgers_at_once_purge_each_case_once(db_url: str, tmp_path: Path) -> None:
    world = build_world(tmp_path, db_url)
    reports, errors = [], []

    def purge() -> None:
        try:
            reports.append(run_purge(create_db_engine(db_url), POLICY, now=NOW, batch_size=1))
        except Exception as exc:  # any error fails the test below
            errors.append(exc)

    threads = [threading.Thread(target=purge) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(ref for r in reports for ref in r.cases) == [world.old]
    with Session(world.runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(DeletionRecord)
                            .where(DeletionRecord.kind == PurgeKind.CASE)).one() == 1


def test_purge_on_the_command_line(db_url: str, tmp_path: Path) -> None:
    world = build_world(tmp_path, db_url)
    with Session(world.runtime.engine) as session:  # the command line purges as of now: make the world due now
        for ref in (world.old, world.held):
            _end(session, ref, CaseStatus.CLOSED, utcnow() - timedelta(days=7 * 366))
        session.commit()
    config = tmp_path / "cli.yaml"
    config.write_text("mailbox_address: safeguarding.partnership@rbwm.example.org\n")
    env = {**os.environ, "INTAKE_CONFIG": str(config), "INTAKE_DATABASE_URL": db_url, "INTAKE_LOG_LEVEL": "ERROR"}
    before = _counts(world.runtime.engine)
    dry = run_service(["purge", "--dry-run"], env)
    assert dry.returncode == 0, dry.stderr
    assert "would purge 1 case(s)" in dry.stdout and world.old in dry.stdout and world.held in dry.stdout
    assert "Purgeable" not in dry.stdout and "frimley" not in dry.stdout  # references and rules, no personal data
    listed = json.loads(run_service(["purge", "--dry-run", "--format", "json"], env).stdout)
    assert [c["reference"] for c in listed["cases"]] == [world.old]
    assert [c["reference"] for c in listed["held"]] == [world.held]
    assert _counts(world.runtime.engine) == before
    done = run_service(["purge"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("purged 1 case(s)") and done.stdout.rstrip().endswith(world.old)
    log = json.loads(run_service(["purge", "--log"], env).stdout)
    [case_row] = [row for row in log if row["kind"] == "case"]
    assert case_row["reference"] == world.old and case_row["purged_by"] == "cli"
    assert case_row["why"] == "retention.cases.closed: 6 years after it ended"
    ledger = json.loads(run_service(["messages", "--format", "json"], env).stdout)
    assert {r["case_reference"] for r in ledger if r["purged_at"]} == {world.old, None}
    assert "purged 0 case(s)" in run_service(["purge"], env).stdout


def test_a_database_with_mail_in_it_is_migrated_keeping_every_row(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:  # every other head first: the database as it was before retention
        config.attributes["connection"] = connection
        for head in ("0014a", "0015a", "0012a", "0011a"):
            command.upgrade(config, head)
        connection.exec_driver_sql("INSERT INTO blobs VALUES ('s1', 3, x'616263', '2026-01-01 00:00:00')")
        connection.exec_driver_sql(
            "INSERT INTO messages (id, sha256, message_id, source, received_at, sender, subject, size, disposition,"
            " reason, stage, error, traceback, attempts, created_at) VALUES (1, 's1', '<m@x>', 'file',"
            " '2026-01-01 00:00:00', 'a@x', 's', 3, 'ignored', 'robot', '', '', '', 1, '2026-01-01 00:00:00')")
        connection.exec_driver_sql("INSERT INTO attachments (id, message_pk, filename, content_type, origin, sha256,"
                                   " size, is_form, form_type, flags, warnings) VALUES (1, 1, 'a', 'b', '', 's1',"
                                   " 3, 0, 'unknown', '[]', '[]')")
    migrate(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT message_id FROM messages").scalar_one() == "<m@x>"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        keys = sa.inspect(connection).get_foreign_keys("messages")
    assert [k["referred_table"] for k in keys] == ["cases"]  # no key to blobs: a purged message outlives its bytes


def test_an_email_requeued_from_quarantine_and_then_screened_out_keeps_the_quarantine_period(
        db_url: str, tmp_path: Path) -> None:
    world = build_world(tmp_path, db_url)
    with Session(world.runtime.engine) as session:
        session.add(AuditEvent(actor="tina", action=AuditAction.MESSAGE_REQUEUED, message_pk=world.auto_reply))
        session.commit()
        assert plan(session, POLICY, now=NOW).messages == []  # 31 days: due as an auto-reply, not as a requeued one
        later = {m.message_pk: m for m in plan(session, POLICY, now=NOW + timedelta(days=60)).messages}
    assert sorted(later) == sorted([world.auto_reply, world.dismissed])  # 91 and 100 days after they were resolved
    assert later[world.auto_reply].verdict.rule.startswith("retention.messages.quarantined: 90")


def test_the_service_schedules_the_purge_daily_unless_it_is_turned_off(sqlite_url: str, tmp_path: Path) -> None:
    from types import SimpleNamespace
    from typing import cast

    from apscheduler.schedulers.background import BackgroundScheduler

    from intake.supervisor import schedule_purge
    from tests.conftest import make_settings

    def scheduled(extra_yaml: str) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone="UTC")
        settings = make_settings(tmp_path, db_url=sqlite_url, extra_yaml=extra_yaml)
        schedule_purge(scheduler, cast(Runtime, SimpleNamespace(settings=settings)))
        return scheduler

    job = scheduled("retention:\n  time: '02:45'\n").get_job("purge")
    fire = job.trigger.get_next_fire_time(None, datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    assert fire.astimezone(UTC) == datetime(2026, 7, 2, 1, 45, tzinfo=UTC)  # 02:45 London summer time
    assert scheduled("retention:\n  purge_enabled: false\n").get_jobs() == []


def test_a_reply_to_a_purged_case_opens_a_new_case_instead_of_filling_the_emptied_one(db_url: str,
                                                                                       tmp_path: Path) -> None:
    world = build_world(tmp_path, db_url)
    run_purge(world.runtime.engine, POLICY, now=NOW)
    reply = take_in(world.runtime, make_email(subject=f"Re: Referral received: {world.old}", body=OLD_BODY,
                                              message_id="<reply-1@frimley.example.org>",
                                              headers={"In-Reply-To": "<old-1@frimley.example.org>"}))
    assert reply.disposition == Disposition.CASE and reply.case_reference not in (world.old, None)
    with Session(world.runtime.engine) as session:
        case = _case(session, world.old)
        assert session.exec(select(func.count()).select_from(Message).where(Message.case_pk == case.id)).one() == 1


def test_sign_ins_left_idle_past_the_idle_timeout_are_removed_before_their_absolute_end(db_url: str) -> None:
    engine = create_db_engine(db_url)
    migrate(engine)
    with Session(engine) as session:
        later = NOW + timedelta(hours=5)
        session.add(WebSession(token_hash="i" * 64, username="tina", expires_at=later,
                               created_at=NOW - timedelta(hours=2), last_seen_at=NOW - timedelta(minutes=45)))
        session.add(WebSession(token_hash="u" * 64, username="mona", expires_at=later,
                               created_at=NOW - timedelta(hours=2), last_seen_at=NOW - timedelta(minutes=5)))
        session.commit()
    report = run_purge(engine, POLICY, now=NOW, session_idle=timedelta(minutes=30))
    assert report.sessions == 1
    with Session(engine) as session:
        assert [w.username for w in session.exec(select(WebSession))] == ["mona"]

"""The managers' digest on a real aiosmtpd server: content, inline chart, once a day with two schedulers."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session, select

from intake.outgoing.digest import DigestOutcome, digest_transport, send_scheduled
from intake.store.models import Case, CaseStatus, DigestRun
from rules.calendar import WorkingCalendar
from tests.support.browser import seeded_runtime
from tests.support.smtp_digest_server import smtp_server

MANAGERS = "digest:\n  recipients: [safeguarding.manager@rbwm.example.org, deputy.manager@rbwm.example.org]\n"


def _runtime(tmp_path: Path, db_url: str, port: int):
    runtime = seeded_runtime(tmp_path, db_url, extra_yaml=MANAGERS,
                             env={"INTAKE_SMTP_HOST": "127.0.0.1", "INTAKE_SMTP_PORT": str(port)})
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.track == "child")).one()
        case.nearest_deadline = date(2026, 3, 1)  # missed
        case.status = CaseStatus.AWAITING_INFORMATION
        session.add(case)
        session.commit()
    return runtime


NOW = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # a Wednesday


def test_the_digest_reaches_the_managers_with_references_links_and_an_inline_chart(db_url: str,
                                                                                      tmp_path: Path) -> None:
    with smtp_server() as (port, collector):
        runtime = _runtime(tmp_path, db_url, port)
        outcome = send_scheduled(runtime.engine, runtime.settings, digest_transport(runtime.settings), now=NOW)
    assert outcome is DigestOutcome.SENT
    [message] = collector.messages
    assert collector.envelopes[0][1] == ["safeguarding.manager@rbwm.example.org", "deputy.manager@rbwm.example.org"]
    assert message["Auto-Submitted"] == "auto-generated"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "CSPR-2026-0001" in html and "SAR-2026-0001" in text
    assert "http://127.0.0.1:8000/cases/CSPR-2026-0001" in html
    assert "Deadlines missed (1)" in html and "Awaiting information (1)" in html
    assert "1 message(s) in quarantine" in html
    for name in ("Margaret", "Testperson", "Oliver", "Fictional", "Quentin"):
        assert name not in html and name not in text  # references only, never names
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0].get_content().startswith(b"\x89PNG\r\n\x1a\n")
    cid = images[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html


def test_two_schedulers_firing_at_once_send_exactly_one_digest(db_url: str, tmp_path: Path) -> None:
    with smtp_server() as (port, collector):
        runtime = _runtime(tmp_path, db_url, port)
        run_at = datetime.now(UTC) + timedelta(seconds=1.5)
        done = threading.Barrier(3)
        schedulers = []
        for _ in range(2):
            scheduler = BackgroundScheduler(timezone="UTC")

            def job() -> None:
                try:
                    send_scheduled(runtime.engine, runtime.settings, digest_transport(runtime.settings), now=NOW)
                finally:
                    done.wait(timeout=30)

            scheduler.add_job(job, "date", run_date=run_at)
            scheduler.start()
            schedulers.append(scheduler)
        done.wait(timeout=30)
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
        time.sleep(0.2)
        assert len(collector.messages) == 1
        # A restart later the same day: still one.
        again = send_scheduled(runtime.engine, runtime.settings, digest_transport(runtime.settings),
                               now=NOW + timedelta(hours=2))
        assert again is DigestOutcome.ALREADY_SENT
        assert len(collector.messages) == 1
    with Session(runtime.engine) as session:
        runs = session.exec(select(DigestRun)).all()
    assert len(runs) == 1 and runs[0].run_date == date(2026, 3, 11) and runs[0].sent_at is not None


def test_no_digest_on_a_bank_holiday_when_working_days_only(sqlite_url: str, tmp_path: Path) -> None:
    with smtp_server() as (port, collector):
        runtime = _runtime(tmp_path, sqlite_url, port)
        good_friday = datetime(2026, 4, 3, 7, 0, tzinfo=UTC)
        outcome = send_scheduled(runtime.engine, runtime.settings, digest_transport(runtime.settings),
                                 now=good_friday, calendar=WorkingCalendar())
    assert outcome is DigestOutcome.NOT_A_WORKING_DAY
    assert collector.messages == []


def test_a_digest_that_failed_to_send_goes_out_at_the_next_firing_and_only_once(sqlite_url: str,
                                                                                tmp_path: Path) -> None:
    from tests.support.browser import free_port

    down = free_port()  # nothing listens here: the SMTP server is "down" at 08:00
    runtime = _runtime(tmp_path, sqlite_url, down)
    assert send_scheduled(runtime.engine, runtime.settings, digest_transport(runtime.settings),
                          now=NOW - timedelta(minutes=15)) is DigestOutcome.NOT_YET
    assert send_scheduled(runtime.engine, runtime.settings, digest_transport(runtime.settings),
                          now=NOW) is DigestOutcome.FAILED
    with smtp_server() as (port, collector):
        settings = runtime.settings.model_copy(
            update={"smtp": runtime.settings.smtp.model_copy(update={"port": port})})
        later = NOW + timedelta(minutes=15)
        assert send_scheduled(runtime.engine, settings, digest_transport(settings), now=later) is DigestOutcome.SENT
        assert send_scheduled(runtime.engine, settings, digest_transport(settings),
                              now=later + timedelta(minutes=15)) is DigestOutcome.ALREADY_SENT
        assert len(collector.messages) == 1
    with Session(runtime.engine) as session:
        [run] = session.exec(select(DigestRun)).all()
    assert run.sent_at is not None and run.error == ""


SUMMER = datetime(2026, 6, 10, 7, 30, tzinfo=UTC)  # a Wednesday, 08:30 in London (BST)


def _png_size(data: bytes) -> tuple[int, int]:
    import struct

    return struct.unpack(">II", data[16:24])


def test_links_follow_the_port_and_times_weeks_and_lists_read_as_london(sqlite_url: str, tmp_path: Path) -> None:
    with smtp_server() as (port, collector):
        runtime = seeded_runtime(tmp_path, sqlite_url, extra_yaml=MANAGERS + "  time: \"08:00\"\n",
                                 env={"INTAKE_SMTP_HOST": "127.0.0.1", "INTAKE_SMTP_PORT": str(port),
                                      "INTAKE_WEB_PORT": "8123"})
        with Session(runtime.engine) as session:
            cases = session.exec(select(Case)).all()
            for case in cases:
                case.received_at = SUMMER - timedelta(days=9)
            cases[0].assignee = "tina"  # one held by someone, one not: the two lists differ
            session.add_all(cases)
            session.add(DigestRun(manual=True, started_at=SUMMER - timedelta(days=1),
                                  sent_at=datetime(2026, 6, 9, 7, 5, tzinfo=UTC), recipients=["x@example.org"]))
            session.commit()
            held, free = cases[0].reference, cases[1].reference
        assert send_scheduled(runtime.engine, runtime.settings, digest_transport(runtime.settings),
                              now=SUMMER, calendar=WorkingCalendar()) is DigestOutcome.SENT
    [message] = collector.messages
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert runtime.settings.web.public_url == "http://127.0.0.1:8123"
    assert f'href="http://127.0.0.1:8123/cases/{held}"' in html
    assert "http://127.0.0.1:8000" not in html + text
    assert "09/06/2026 08:05, London time" in html and "09/06/2026 08:05, London time" in text  # BST, not UTC
    assert "UTC" not in html
    unassigned = html.split("Unassigned open cases")[1].split("<h2")[0]
    assigned = html.split("Oldest open cases with someone assigned")[1].split("<h2")[0]
    assert free in unassigned and held not in unassigned
    assert held in assigned and free not in assigned
    # Twelve labelled weeks, Mondays in London; the two cases arrived in the week of Monday 01/06.
    assert "week of 01/06: 2" in html and "week of 08/06: 0" in html and "week of 23/03" in html
    assert "01/06 2" in text
    [image] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert _png_size(image.get_content()) == (600, 12 * 40 + 8)
    assert 'style="display:block;width:100%;max-width:600px;height:auto' in html


def test_base_url_from_the_environment(sqlite_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, sqlite_url, env={"INTAKE_WEB_BASE_URL": "https://triage.rbwm.example.org/",
                                                        "INTAKE_WEB_PORT": "8123"})
    assert runtime.settings.web.public_url == "https://triage.rbwm.example.org"

"""The intake spine end to end against a real Dovecot: poll, batches, resync, MOVE, drops, IDLE."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

from pydantic import SecretStr
from sqlmodel import Session, select

from intake.mail.mailbox import Mailbox
from intake.runtime import build_runtime
from intake.store.models import MailboxState, MessageLocation, ServerState
from intake.supervisor import AccountWorker, IdleWatcher
from tests.support.imap_server import DovecotServer
from tests.support.intake_helpers import imap_settings, ledger_counts
from tests.support.mailfactory import make_email, referral_email


def test_new_mail_is_taken_in_in_batches_and_moved_to_processed(dovecot: DovecotServer, db_url: str,
                                                                   tmp_path: Path) -> None:
    dovecot.append("intake", "INBOX", [referral_email(n) for n in range(1, 24)])
    runtime = build_runtime(imap_settings(tmp_path, dovecot, db_url, account_yaml="    batch_size: 5\n"))
    [report] = runtime.poll_all()
    assert report.error == ""
    assert (report.fetched, report.stored, report.processed) == (23, 23, {"case": 23})
    assert dovecot.folder_uids("intake", "INBOX") == []
    assert len(dovecot.folder_uids("intake", "Processed")) == 23
    [again] = runtime.poll_all()
    assert again.fetched == 0
    assert ledger_counts(runtime.engine) == {"case": 23, "cases": 23}


def test_only_mail_above_the_last_uid_is_fetched(dovecot: DovecotServer, db_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(imap_settings(tmp_path, dovecot, db_url, account_yaml="    after_processing: flag\n"))
    dovecot.append("intake", "INBOX", [referral_email(1), referral_email(2)])
    assert runtime.poll_all()[0].fetched == 2
    dovecot.append("intake", "INBOX", referral_email(3))
    assert runtime.poll_all()[0].fetched == 1
    flags = dovecot.flags("intake", "INBOX")
    assert all(b"$Processed" in f and b"\\Seen" not in f for f in flags.values())
    with Session(runtime.engine) as session:
        state = session.get(MailboxState, ("partnership", "INBOX"))
    assert state.last_uid == 3 and state.last_error == ""


def test_a_uidvalidity_change_resyncs_without_taking_anything_in_twice(dovecot: DovecotServer, db_url: str,
                                                                       tmp_path: Path) -> None:
    runtime = build_runtime(imap_settings(tmp_path, dovecot, db_url, account_yaml="    after_processing: flag\n"))
    dovecot.append("intake", "INBOX", [referral_email(n) for n in range(1, 6)])
    runtime.poll_all()
    dovecot.change_uidvalidity("intake", "INBOX")
    dovecot.append("intake", "INBOX", referral_email(6))
    [report] = runtime.poll_all()
    assert report.fetched == 6  # the whole folder, re-read under the new UIDVALIDITY
    assert report.stored == 1  # but only the new message is new to the ledger
    assert ledger_counts(runtime.engine) == {"case": 6, "cases": 6}


def test_without_move_the_copy_delete_expunge_fallback_is_used(tmp_path: Path, db_url: str) -> None:
    with DovecotServer(move_enabled=False) as server:
        with Mailbox(imap_settings(tmp_path, server, db_url).accounts[0]) as probe:
            assert not probe.supports_move
        server.append("intake", "INBOX", [referral_email(n) for n in range(1, 4)])
        auto_reply = make_email(subject="Out of office", headers={"Auto-Submitted": "auto-replied"})
        server.append("intake", "INBOX", auto_reply)
        runtime = build_runtime(imap_settings(tmp_path, server, db_url))
        [report] = runtime.poll_all()
        assert report.processed == {"case": 3, "ignored": 1}
        assert server.folder_uids("intake", "INBOX") == []
        assert len(server.folder_uids("intake", "Processed")) == 4


def test_quarantined_mail_goes_to_the_quarantine_folder(dovecot: DovecotServer, db_url: str,
                                                        tmp_path: Path) -> None:
    settings = imap_settings(tmp_path, dovecot, db_url, extra_yaml="limits:\n  max_message_bytes: 3000\n")
    dovecot.append("intake", "INBOX", [make_email(body="x" * 6000), make_email(body="short")])
    runtime = build_runtime(settings)
    [report] = runtime.poll_all()
    assert report.processed == {"case": 1, "quarantined": 1}
    assert len(dovecot.folder_uids("intake", "Quarantine")) == 1
    assert len(dovecot.folder_uids("intake", "Processed")) == 1


def test_a_disconnect_mid_fetch_loses_nothing_and_the_next_poll_resumes(dovecot: DovecotServer, db_url: str,
                                                                        tmp_path: Path) -> None:
    dovecot.append("intake", "INBOX", [referral_email(n) for n in range(1, 13)])
    # One worker processes each batch before the next is fetched, so the cut below falls mid-fetch (with more,
    # fetching runs ahead of processing and may be over before the fifth message is classified).
    runtime = build_runtime(imap_settings(tmp_path, dovecot, db_url, account_yaml="    batch_size: 4\n",
                                          extra_yaml="processing:\n  workers: 1\n"))
    stages = runtime.pipeline._stages
    calls = {"n": 0}

    def classify_then_cut(*args):
        calls["n"] += 1
        if calls["n"] == 5:  # while the second batch is being worked through
            dovecot.drop_connections("intake")
        return stages.classify(*args)

    runtime.pipeline._stages = dataclasses.replace(stages, classify=classify_then_cut)
    [first] = runtime.poll_all()
    assert first.error and "partnership" in first.error
    assert 0 < first.fetched < 12
    runtime.pipeline._stages = stages
    [second] = runtime.poll_all()
    assert second.error == ""
    assert ledger_counts(runtime.engine) == {"case": 12, "cases": 12}
    assert dovecot.folder_uids("intake", "INBOX") == []
    with Session(runtime.engine) as session:
        states = {loc.server_state for loc in session.exec(select(MessageLocation))}
    assert states == {ServerState.DONE}


def test_idle_wakes_the_service_within_seconds_of_new_mail(dovecot: DovecotServer, sqlite_url: str,
                                                           tmp_path: Path) -> None:
    settings = imap_settings(tmp_path, dovecot, sqlite_url, extra_yaml="polling:\n  interval_seconds: 3600\n")
    runtime = build_runtime(settings)
    stop = threading.Event()
    watcher = IdleWatcher(AccountWorker(runtime.engine, runtime.pollers[0]), renew_seconds=30, backoff_max=2,
                          stop=stop)
    watcher.start()
    try:
        _wait_for(lambda: _idle_active(runtime.engine), seconds=10)
        dovecot.append("intake", "INBOX", referral_email(1))
        _wait_for(lambda: ledger_counts(runtime.engine).get("cases") == 1, seconds=15)
        dovecot.drop_connections("intake")  # IDLE dropped: the watcher must come back by itself
        time.sleep(0.5)
        dovecot.append("intake", "INBOX", referral_email(2))
        _wait_for(lambda: ledger_counts(runtime.engine).get("cases") == 2, seconds=20)
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert not watcher.is_alive()


def test_a_refused_login_is_reported_and_names_the_account(dovecot: DovecotServer, db_url: str,
                                                           tmp_path: Path) -> None:
    settings = imap_settings(tmp_path, dovecot, db_url)
    bad = settings.accounts[0].model_copy(update={"password": SecretStr("not-the-password")})
    runtime = build_runtime(settings.model_copy(update={"accounts": (bad,)}))
    [report] = runtime.poll_all()
    assert bad.name == "default"  # the account the INTAKE_IMAP_* environment defines
    assert report.error.startswith("account 'default': login refused"), report.error
    with Session(runtime.engine) as session:
        state = session.get(MailboxState, (bad.name, "INBOX"))
    assert state.last_error == report.error


def _idle_active(engine) -> bool:
    with Session(engine) as session:
        states = session.exec(select(MailboxState)).all()
    return any(s.idle_active for s in states)


def _wait_for(condition, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {seconds}s")


def test_one_failing_account_never_stops_the_others(dovecot: DovecotServer, db_url: str, tmp_path: Path) -> None:
    port = dovecot.port
    accounts = ("accounts:\n"
                f"  - name: broken\n    host: 127.0.0.1\n    port: {port}\n    username: other\n"
                "    security: none\n    password_env: NO_SUCH_PASSWORD\n    timeout_seconds: 10\n"
                f"  - name: working\n    host: 127.0.0.1\n    port: {port}\n    username: other\n"
                "    security: none\n    password_env: OTHER_PASSWORD\n    timeout_seconds: 10\n")
    config = tmp_path / "two.yaml"
    config.write_text("mailbox_address: safeguarding.partnership@rbwm.example.org\n" + accounts)
    from intake.config.loader import load_settings

    settings = load_settings(config, env={"INTAKE_DATABASE_URL": db_url, "OTHER_PASSWORD": dovecot.users["other"]})
    dovecot.append("other", "INBOX", referral_email(1))
    broken, working = build_runtime(settings).poll_all()
    assert "broken" in broken.error
    assert working.error == "" and working.processed == {"case": 1}

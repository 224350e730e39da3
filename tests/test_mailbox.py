"""intake.mail.mailbox against a real Dovecot: UIDs, batches, UIDVALIDITY, MOVE and its fallback, drops, IDLE."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from intake.config.settings import AccountSettings, Security
from intake.mail.mailbox import (
    FolderStatus,
    Mailbox,
    MailboxAuthError,
    MailboxConnectionError,
    RawMessage,
    backoff_delays,
)
from tests.support.imap_server import DovecotServer, dovecot_available, free_port

SKIP_REASON = dovecot_available()
needs_dovecot = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


def message(n: int) -> bytes:
    """A small, distinct RFC 5322 message."""
    return (
        f"From: referrer{n}@nhs.example.org\r\nTo: intake@partnership.example.org\r\n"
        f"Subject: Referral {n}\r\nMessage-ID: <referral-{n}@nhs.example.org>\r\n"
        f"Date: Tue, 10 Mar 2026 09:14:00 +0000\r\n\r\nReferral body {n}\r\n"
    ).encode()


def account_for(server: DovecotServer, user: str = "intake", **overrides: object) -> AccountSettings:
    """Settings for one test account on the server (plaintext, loopback only)."""
    values: dict[str, object] = {
        "name": "partnership-inbox",
        "host": server.host,
        "port": server.port,
        "security": "none",
        "username": user,
        "password": SecretStr(server.users[user]),
        "timeout_seconds": 10,
    }
    values.update(overrides)
    return AccountSettings.model_validate(values)


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    server = DovecotServer().start()
    yield server
    server.stop()


@pytest.fixture
def dovecot_without_move() -> Iterator[DovecotServer]:
    server = DovecotServer(move_enabled=False).start()
    yield server
    server.stop()


@needs_dovecot
def test_password_login_reads_capabilities(dovecot: DovecotServer) -> None:
    with Mailbox(account_for(dovecot)) as mailbox:
        assert mailbox.supports_idle
        assert mailbox.supports_move
        assert "UIDPLUS" in mailbox.capabilities


@needs_dovecot
def test_wrong_password_is_an_auth_error_naming_the_account_not_the_password(dovecot: DovecotServer) -> None:
    account = account_for(dovecot, password=SecretStr("Wrong-Secret-42"))
    with pytest.raises(MailboxAuthError) as caught:
        Mailbox(account).connect()
    assert "partnership-inbox" in str(caught.value)
    assert "Wrong-Secret-42" not in str(caught.value)
    assert "Wrong-Secret-42" not in repr(caught.value.__cause__)


@needs_dovecot
def test_missing_password_is_an_auth_error_naming_the_variable(dovecot: DovecotServer) -> None:
    account = account_for(dovecot, password=None, password_env="INTAKE_IMAP_PASSWORD_TEAM")
    with pytest.raises(MailboxAuthError, match="INTAKE_IMAP_PASSWORD_TEAM"):
        Mailbox(account).connect()


@needs_dovecot
def test_new_mail_is_found_by_uid_above_the_last_seen(dovecot: DovecotServer) -> None:
    dovecot.append("intake", "INBOX", [message(1), message(2), message(3)])
    with Mailbox(account_for(dovecot)) as mailbox:
        status = mailbox.open_folder("INBOX")
        first = list(mailbox.fetch_after("INBOX", after_uid=0))
        assert [m.uid for m in first] == [1, 2, 3]
        assert first[0] == RawMessage("partnership-inbox", "INBOX", status.uidvalidity, 1, first[0].data)
        assert first[1].data.replace(b"\r\n", b"\n") == message(2).replace(b"\r\n", b"\n")
        # "4:*" matches UID 3 on a server whose highest UID is 3; it must not come back.
        assert list(mailbox.fetch_after("INBOX", after_uid=3)) == []
        dovecot.append("intake", "INBOX", [message(4), message(5)])
        assert [m.uid for m in mailbox.fetch_after("INBOX", after_uid=3)] == [4, 5]
        assert [m.uid for m in mailbox.fetch_after("INBOX", after_uid=0, limit=2)] == [1, 2]
        assert [m.uid for m in mailbox.fetch_uids("INBOX", [5, 2, 99])] == [2, 5]
        assert mailbox.list_uids("INBOX") == [1, 2, 3, 4, 5]


@needs_dovecot
def test_messages_are_fetched_in_batches_of_batch_size(dovecot: DovecotServer, monkeypatch) -> None:
    dovecot.append("intake", "INBOX", [message(n) for n in range(23)])
    with Mailbox(account_for(dovecot, batch_size=5)) as mailbox:
        client = mailbox._client
        assert client is not None
        batches: list[int] = []
        real_fetch = client.fetch

        def counting_fetch(uids, items):
            batches.append(len(uids))
            assert items == ["BODY.PEEK[]"]
            return real_fetch(uids, items)

        monkeypatch.setattr(client, "fetch", counting_fetch)
        uids = [m.uid for m in mailbox.fetch_after("INBOX", after_uid=0)]
    assert uids == list(range(1, 24))
    assert batches == [5, 5, 5, 5, 3]


@needs_dovecot
def test_fetching_never_sets_seen(dovecot: DovecotServer) -> None:
    dovecot.append("intake", "INBOX", [message(1), message(2)])
    with Mailbox(account_for(dovecot)) as mailbox:
        assert len(list(mailbox.fetch_after("INBOX", after_uid=0))) == 2
        assert len(list(mailbox.fetch_uids("INBOX", [1, 2]))) == 2
    assert all(b"\\Seen" not in flags for flags in dovecot.flags("intake", "INBOX").values())


@needs_dovecot
def test_a_uidvalidity_change_shows_in_open_folder(dovecot: DovecotServer) -> None:
    dovecot.append("intake", "INBOX", [message(1), message(2)])
    with Mailbox(account_for(dovecot)) as mailbox:
        before = mailbox.open_folder("INBOX")
    new_validity = dovecot.change_uidvalidity("intake", "INBOX")
    with Mailbox(account_for(dovecot)) as mailbox:
        after = mailbox.open_folder("INBOX")
        again = list(mailbox.fetch_after("INBOX", after_uid=0))
    assert after == FolderStatus(uidvalidity=new_validity, uidnext=before.uidnext, exists=2)
    assert after.uidvalidity != before.uidvalidity
    assert {m.uidvalidity for m in again} == {new_validity}


@needs_dovecot
def test_move_takes_messages_to_a_created_folder(dovecot: DovecotServer) -> None:
    dovecot.append("intake", "INBOX", [message(n) for n in range(4)])
    with Mailbox(account_for(dovecot)) as mailbox:
        assert mailbox.supports_move
        mailbox.move("INBOX", [1, 3], "Processed")
        mailbox.move("INBOX", [], "Processed")
    assert dovecot.folder_uids("intake", "INBOX") == [2, 4]
    assert len(dovecot.folder_uids("intake", "Processed")) == 2


@needs_dovecot
def test_move_falls_back_to_copy_delete_uid_expunge_without_move(dovecot_without_move: DovecotServer) -> None:
    server = dovecot_without_move
    server.append("intake", "INBOX", [message(n) for n in range(5)])
    with server.client() as other:  # someone else's message marked \Deleted must survive our expunge
        other.select_folder("INBOX")
        other.add_flags([5], [b"\\Deleted"])
    with Mailbox(account_for(server)) as mailbox:
        assert not mailbox.supports_move
        mailbox.move("INBOX", [1, 2], "Processed")
    assert server.folder_uids("intake", "INBOX") == [3, 4, 5]
    with server.client() as check:
        check.select_folder("Processed", readonly=True)
        subjects = [
            d[b"BODY[HEADER.FIELDS (SUBJECT)]"]
            for d in check.fetch("1:*", ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]).values()
        ]
    assert sorted(s.strip() for s in subjects) == [b"Subject: Referral 0", b"Subject: Referral 1"]


@needs_dovecot
def test_add_flag_sets_a_keyword_only(dovecot: DovecotServer) -> None:
    dovecot.append("intake", "INBOX", [message(1), message(2)])
    with Mailbox(account_for(dovecot)) as mailbox:
        mailbox.add_flag("INBOX", [2], "$Processed")
    flags = dovecot.flags("intake", "INBOX")
    assert b"$Processed" in flags[2]
    assert b"$Processed" not in flags[1]
    assert b"\\Seen" not in flags[2]


@needs_dovecot
def test_a_disconnect_mid_fetch_raises_connection_error_and_a_new_mailbox_resumes(dovecot: DovecotServer) -> None:
    dovecot.append("intake", "INBOX", [message(n) for n in range(12)])
    taken: list[int] = []
    with Mailbox(account_for(dovecot, batch_size=5)) as mailbox:
        messages = mailbox.fetch_after("INBOX", after_uid=0)
        with pytest.raises(MailboxConnectionError, match="partnership-inbox"):
            for raw in messages:
                taken.append(raw.uid)
                if len(taken) == 5:  # the first batch is in hand; the server goes away before the second
                    dovecot.drop_connections("intake")
        with pytest.raises(MailboxConnectionError, match="not connected"):
            mailbox.open_folder("INBOX")
    assert taken == [1, 2, 3, 4, 5]
    with Mailbox(account_for(dovecot, batch_size=5)) as mailbox:
        taken += [m.uid for m in mailbox.fetch_after("INBOX", after_uid=taken[-1])]
    assert taken == list(range(1, 13))


@needs_dovecot
def test_wait_for_mail_wakes_up_when_mail_arrives(dovecot: DovecotServer) -> None:
    with Mailbox(account_for(dovecot)) as mailbox:
        assert list(mailbox.fetch_after("INBOX", after_uid=0)) == []
        timer = threading.Timer(1.0, dovecot.append, args=("intake", "INBOX", message(1)))
        timer.start()
        started = time.monotonic()
        try:
            assert mailbox.wait_for_mail("INBOX", timeout=60) is True
        finally:
            timer.join()
        assert time.monotonic() - started < 20
        # IDLE ended cleanly: the same session carries on.
        assert [m.uid for m in mailbox.fetch_after("INBOX", after_uid=0)] == [1]


@needs_dovecot
def test_wait_for_mail_reports_mail_that_arrived_before_it_was_called(dovecot: DovecotServer) -> None:
    with Mailbox(account_for(dovecot)) as mailbox:
        assert list(mailbox.fetch_after("INBOX", after_uid=0)) == []
        dovecot.append("intake", "INBOX", message(1))
        mailbox.add_flag("INBOX", [1], "$Seen-By-Test")  # a command whose reply may carry the EXISTS
        assert mailbox.wait_for_mail("INBOX", timeout=30) is True
        dovecot.append("intake", "Other", message(2))
        mailbox.open_folder("Other")
        dovecot.append("intake", "INBOX", message(3))
        assert mailbox.wait_for_mail("INBOX", timeout=30) is True  # re-selected: UIDNEXT moved on


@needs_dovecot
def test_wait_for_mail_returns_false_on_timeout_and_the_session_goes_on(dovecot: DovecotServer) -> None:
    with Mailbox(account_for(dovecot)) as mailbox:
        assert mailbox.wait_for_mail("INBOX", timeout=1.5) is False
        assert mailbox.open_folder("INBOX").exists == 0


@needs_dovecot
def test_a_drop_during_idle_raises_connection_error(dovecot: DovecotServer) -> None:
    with Mailbox(account_for(dovecot)) as mailbox:
        mailbox.open_folder("INBOX")
        timer = threading.Timer(1.0, dovecot.drop_connections, args=("intake",))
        timer.start()
        try:
            with pytest.raises(MailboxConnectionError, match="partnership-inbox"):
                mailbox.wait_for_mail("INBOX", timeout=30)
        finally:
            timer.join()


def test_an_unreachable_port_is_a_connection_error_quickly() -> None:
    account = AccountSettings(
        name="partnership-inbox",
        host="127.0.0.1",
        port=free_port(),
        security=Security.NONE,
        username="x",
        password=SecretStr("y"),
        timeout_seconds=5,
    )
    started = time.monotonic()
    with pytest.raises(MailboxConnectionError, match="partnership-inbox"):
        Mailbox(account).connect()
    assert time.monotonic() - started < 5


def test_backoff_delays_grow_exponentially_with_jitter_up_to_the_cap() -> None:
    low = backoff_delays(60, rng=lambda: 0.0)
    high = backoff_delays(60, rng=lambda: 1.0)
    assert [next(low) for _ in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert [next(high) for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    jittered = backoff_delays(10)
    assert all(0 < next(jittered) <= 10 for _ in range(100))

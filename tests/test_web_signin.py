"""Sign-in over HTTP: one answer for every refusal, no request waiting on the write lock while argon2 runs,
the throttle by client address (behind a trusted proxy), and the idle timeout of a session."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from intake.store import users
from intake.store.models import WebSession, utcnow
from intake.store.users import disable_user, find_user
from intake.web.app import create_app
from tests.support.browser import PASSWORDS, csrf_from, seeded_runtime, served, signed_in_client

TOKEN = re.compile(r'name="csrf_token" value="[^"]*"')


def post_signin(client: httpx.Client | TestClient, username: str, password: str,
                headers: dict[str, str] | None = None) -> httpx.Response:
    token = csrf_from(client.get("/signin").text)
    return client.post("/signin", data={"username": username, "password": password, "csrf_token": token},
                       headers=headers or {})


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password verification, by the hash it was checked against (the dummy one or a real one)."""
    calls: list[str] = []
    real = users.verify_password

    def verify(password_hash: str, password: str) -> bool:
        calls.append("dummy" if password_hash == users.DUMMY_HASH else "account")
        return real(password_hash, password)

    monkeypatch.setattr(users, "verify_password", verify)
    return calls


def test_unknown_locked_disabled_throttled_and_wrong_answer_alike_after_the_same_work(
        sqlite_url: str, tmp_path: Path, counted: list[str]) -> None:
    runtime = seeded_runtime(tmp_path, sqlite_url)
    with Session(runtime.engine) as session:
        mona = find_user(session, "mona")
        mona.locked_until = utcnow() + timedelta(minutes=10)  # a lock-out set before the throttle replaced it
        session.add(mona)
        session.commit()
        disable_user(session, "ada")
    with served(runtime) as base:
        client = httpx.Client(base_url=base, timeout=30)
        counted.clear()
        answers = {"unknown name": post_signin(client, "nobody-here", "whatever-1"),
                   "wrong password": post_signin(client, "tina", "not her password"),
                   "locked account, right password": post_signin(client, "mona", PASSWORDS["mona"]),
                   "disabled account, right password": post_signin(client, "ada", PASSWORDS["ada"])}
        for _ in range(4):  # with "wrong password" above: five, the limit for tina from this address
            post_signin(client, "tina", "not her password")
        answers["throttled, right password"] = post_signin(client, "tina", PASSWORDS["tina"])
    assert {what: r.status_code for what, r in answers.items()} == dict.fromkeys(answers, 401)
    bodies = {what: TOKEN.sub("", r.text) for what, r in answers.items()}
    assert len(set(bodies.values())) == 1, bodies.keys()
    assert "is wrong, or the account is locked or disabled" in bodies["unknown name"]
    # One argon2 verification per attempt, whatever the case: no early return gives a name away by its timing.
    assert len(counted) == 9
    assert counted[0] == "dummy" and counted[2] == "account"  # unknown: a dummy hash; locked: its own hash


def test_no_request_waits_on_the_write_lock_while_a_password_is_verified(db_url: str, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    started, release = threading.Event(), threading.Event()
    real = users.verify_password

    def held(password_hash: str, password: str) -> bool:
        if password == "held-guess":
            started.set()
            release.wait(30)
        return real(password_hash, password)

    with served(runtime) as base:
        reader = signed_in_client(base, "tina")
        monkeypatch.setattr(users, "verify_password", held)
        answer: list[int] = []
        attacker = threading.Thread(target=lambda: answer.append(
            post_signin(httpx.Client(base_url=base, timeout=60), "tina", "held-guess").status_code))
        attacker.start()
        try:
            assert started.wait(30), "the sign-in never reached its password check"
            _take_the_write_lock_at_once(db_url)
            page = reader.get("/cases/SAR-2026-0001", timeout=20)
            assert page.status_code == 200 and "SAR-2026-0001" in page.text
            assert not answer  # the sign-in is still in its password check all this time
        finally:
            release.set()
            attacker.join(30)
    assert answer == [401]


def _take_the_write_lock_at_once(db_url: str) -> None:
    """Another connection takes the database's write lock without waiting: no transaction is open elsewhere."""
    if make_url(db_url).get_backend_name() == "sqlite":
        import sqlite3

        raw = sqlite3.connect(make_url(db_url).database or "", timeout=0, isolation_level=None)
        try:
            raw.execute("BEGIN IMMEDIATE")  # fails at once ("database is locked") if anyone holds it
            raw.execute("ROLLBACK")
        finally:
            raw.close()
        return
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as connection:
            waiting = connection.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")).scalar()
            assert waiting == 0
            connection.execute(sa.text("SET LOCAL lock_timeout = '1ms'"))
            connection.execute(sa.text("SELECT id FROM users FOR UPDATE NOWAIT")).all()
    finally:
        engine.dispose()


def test_the_throttle_counts_the_client_behind_a_trusted_proxy_not_what_it_claims(sqlite_url: str,
                                                                                  tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, sqlite_url, extra_yaml="web:\n  trusted_proxies: [127.0.0.0/8]\n")
    guesser = {"X-Forwarded-For": "203.0.113.5"}
    with served(runtime) as base:
        client = httpx.Client(base_url=base, timeout=30)
        for _ in range(5):
            assert post_signin(client, "tina", "a guess", guesser).status_code == 401
        assert post_signin(client, "tina", PASSWORDS["tina"], guesser).status_code == 401
        # A forged first hop changes nothing: the proxy appends the real client, and that is what counts.
        forged = {"X-Forwarded-For": "198.51.100.77, 203.0.113.5"}
        assert post_signin(client, "tina", PASSWORDS["tina"], forged).status_code == 401
        # Tina at her own desk signs in at once.
        desk = {"X-Forwarded-For": "10.1.2.3"}
        assert post_signin(client, "tina", PASSWORDS["tina"], desk).status_code == 303


def test_x_forwarded_for_from_an_untrusted_peer_is_not_believed(sqlite_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, sqlite_url, extra_yaml="web:\n  trusted_proxies: []\n")
    with served(runtime) as base:
        client = httpx.Client(base_url=base, timeout=30)
        for n in range(5):  # each claims another address; all came from 127.0.0.1
            post_signin(client, "tina", "a guess", {"X-Forwarded-For": f"203.0.113.{n}"})
        assert post_signin(client, "tina", PASSWORDS["tina"], {"X-Forwarded-For": "10.1.2.3"}).status_code == 401


def test_a_session_ends_after_the_idle_timeout_and_its_clock_is_written_at_most_once_a_minute(
        sqlite_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, sqlite_url, extra_yaml="web:\n  idle_timeout_minutes: 30\n")
    app = create_app(runtime)
    guard = app.state.web.guard
    start = utcnow()
    guard.clock = lambda: start
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as client:
        assert post_signin(client, "tina", PASSWORDS["tina"]).status_code == 303

        def page_after(delta: timedelta) -> int:
            guard.clock = lambda: start + delta
            return client.get("/", follow_redirects=False).status_code

        def seen() -> object:
            with Session(runtime.engine) as session:
                return session.exec(select(WebSession.last_seen_at)).one()

        assert page_after(timedelta(seconds=30)) == 200
        assert seen() == start  # within a minute of the last write: the request only read
        assert page_after(timedelta(minutes=29)) == 200
        assert seen() == start + timedelta(minutes=29)
        assert page_after(timedelta(minutes=58)) == 200  # 29 minutes idle: still signed in
        assert page_after(timedelta(minutes=88, seconds=1)) == 303  # 30 minutes idle: signed out
        assert client.get("/", follow_redirects=False).headers["location"] == "/signin"


def test_the_absolute_lifetime_still_ends_a_busy_session(sqlite_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, sqlite_url, extra_yaml="web:\n  session_hours: 1\n")
    app = create_app(runtime)
    guard = app.state.web.guard
    start = utcnow()
    guard.clock = lambda: start
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as client:
        assert post_signin(client, "tina", PASSWORDS["tina"]).status_code == 303
        for minutes in (20, 40, 59):
            guard.clock = lambda m=minutes: start + timedelta(minutes=m)
            assert client.get("/", follow_redirects=False).status_code == 200
        guard.clock = lambda: start + timedelta(minutes=61)
        assert client.get("/", follow_redirects=False).status_code == 303

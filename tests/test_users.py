"""Local accounts: argon2 hashes, disable and reset; password sign-in and its throttle (per name and address,
per address, per name from anywhere), which never lets a stranger lock a user out of their own desk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from intake.store import accounts
from intake.store.accounts import SignInAttempt
from intake.store.database import create_db_engine, migrate
from intake.store.models import AuditAction, AuditEvent, Role, SignInFailure, User, WebSession, utcnow
from intake.store.throttle import ThrottlePolicy
from intake.store.users import SignIn, UserError, add_user, disable_user, find_user, reset_password

POLICY = ThrottlePolicy(window=timedelta(minutes=15), pair_attempts=3, address_attempts=6, account_attempts=5,
                        account_delay=timedelta(seconds=10))
DESK, ELSEWHERE = "10.0.0.7", "203.0.113.9"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as s:
        yield s


def add(engine: Engine, *, username: str, password: str, role: Role) -> None:
    """An account, added in a session of its own (a test's open transaction would hold SQLite's write lock)."""
    with Session(engine) as s:
        add_user(s, username=username, password=password, role=role)


def attempt(engine: Engine, name: str, password: str, *, address: str = DESK, now: datetime | None = None,
            policy: ThrottlePolicy = POLICY) -> SignInAttempt:
    return accounts.sign_in(engine, name=name, password=password, address=address, now=now or utcnow(),
                            policy=policy)


def test_passwords_are_stored_as_argon2_hashes(engine: Engine, session: Session) -> None:
    add_user(session, username="tina", password="correct horse battery", role=Role.TRIAGE)
    user = find_user(session, "tina")
    assert user.password_hash.startswith("$argon2id$") and "correct horse" not in user.password_hash
    session.rollback()  # a test's open transaction would hold SQLite's write lock
    signed = attempt(engine, "tina", "correct horse battery")
    assert (signed.outcome, signed.username, signed.delay_seconds) == (SignIn.OK, "tina", 0)


def test_short_passwords_and_duplicate_names_are_refused(session: Session) -> None:
    with pytest.raises(UserError):
        add_user(session, username="tina", password="short", role=Role.TRIAGE)
    add_user(session, username="tina", password="long enough password", role=Role.TRIAGE)
    with pytest.raises(UserError):
        add_user(session, username="tina", password="long enough password", role=Role.ADMIN)


def test_repeated_failures_make_that_name_wait_at_that_address_only(engine: Engine, session: Session) -> None:
    add(engine, username="mona", password="manager password", role=Role.MANAGER)
    start = utcnow()
    outcomes = [attempt(engine, "mona", "wrong", now=start).outcome for _ in range(3)]
    assert outcomes == [SignIn.REFUSED] * 3
    # The guesser's address now waits, even with the right password ...
    assert attempt(engine, "mona", "manager password", now=start + timedelta(seconds=10)).outcome is SignIn.THROTTLED
    # ... while the same account signs in at once from anywhere else (no stranger can lock it).
    assert attempt(engine, "mona", "manager password", address=ELSEWHERE, now=start).outcome is SignIn.OK
    # The wait doubles with each try during it (that try counted too): 1 minute after the 3rd, then 2 ...
    later = start + timedelta(seconds=10)
    assert attempt(engine, "mona", "manager password", now=later + timedelta(seconds=90)).outcome is SignIn.THROTTLED
    # ... and once it is over the right password works, and that pair's failures are forgotten.
    done = later + timedelta(seconds=90) + timedelta(minutes=4, seconds=1)
    assert attempt(engine, "mona", "manager password", now=done).outcome is SignIn.OK
    assert attempt(engine, "mona", "wrong", now=done).outcome is SignIn.REFUSED


def test_one_address_trying_many_names_waits(engine: Engine, session: Session) -> None:
    add(engine, username="ada", password="admin password", role=Role.ADMIN)
    now = utcnow()
    for n in range(6):  # password spraying: a different name each time, none over its own limit
        assert attempt(engine, f"guess{n}", "Winter2026!", now=now).outcome is SignIn.REFUSED
    assert attempt(engine, "ada", "admin password", now=now).outcome is SignIn.THROTTLED
    assert attempt(engine, "ada", "admin password", address=ELSEWHERE, now=now).outcome is SignIn.OK


def test_a_name_attacked_from_many_addresses_is_slowed_and_audited_never_locked(engine: Engine,
                                                                                 session: Session) -> None:
    add(engine, username="tina", password="triage password", role=Role.TRIAGE)
    now = utcnow()
    for n in range(7):
        attempt(engine, "tina", "wrong", address=f"198.51.100.{n}", now=now)
    signed = attempt(engine, "tina", "triage password", now=now)
    assert signed.outcome is SignIn.OK and signed.delay_seconds == 4.0  # 2 ** (7 - 5): slowed, not refused
    for n in range(10):
        attempt(engine, "tina", "wrong", address=f"198.51.101.{n}", now=now)
    assert attempt(engine, "tina", "triage password", now=now).delay_seconds == 10.0  # the cap
    # An unknown name is counted, and slowed, exactly alike: the delay says nothing about which names exist.
    for n in range(7):
        attempt(engine, "nobody", "wrong", address=f"198.51.102.{n}", now=now)
    assert attempt(engine, "nobody", "x", address=ELSEWHERE, now=now).delay_seconds == 4.0
    with Session(engine) as check:
        alarms = check.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.SIGN_IN_THROTTLED)).all()
        refused = check.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.SIGN_IN_REFUSED)).all()
    assert sorted(a.detail["name_tried"] for a in alarms) == ["nobody", "tina"]  # once each, when it tripped
    assert {r.detail["address"] for r in refused} >= {"198.51.100.0", "198.51.102.6"}
    assert all("wrong" not in str(r.detail) for r in refused)  # never the password


def test_failures_leave_the_window_and_are_pruned(engine: Engine, session: Session) -> None:
    add(engine, username="mona", password="manager password", role=Role.MANAGER)
    start = utcnow()
    for _ in range(3):
        attempt(engine, "mona", "wrong", now=start)
    after = start + timedelta(minutes=16)
    attempt(engine, "someone", "wrong", address=ELSEWHERE, now=after)  # any failure prunes the old ones
    with Session(engine) as check:
        assert len(check.exec(select(SignInFailure)).all()) == 1
    assert attempt(engine, "mona", "manager password", now=after).outcome is SignIn.OK


def test_a_lock_out_from_before_and_a_disabled_account_are_refused(engine: Engine, session: Session) -> None:
    add(engine, username="ada", password="admin password", role=Role.ADMIN)
    add(engine, username="lou", password="locked password", role=Role.TRIAGE)
    lou = find_user(session, "lou")
    lou.locked_until = utcnow() + timedelta(minutes=5)
    session.add(lou)
    session.commit()
    assert attempt(engine, "lou", "locked password").outcome is SignIn.THROTTLED
    disable_user(session, "ada")
    assert attempt(engine, "ada", "admin password").outcome is SignIn.REFUSED


def test_disable_ends_sessions_and_reset_unlocks(engine: Engine, session: Session) -> None:
    add(engine, username="ada", password="admin password", role=Role.ADMIN)
    session.add(WebSession(token_hash="a" * 64, username="ada", expires_at=utcnow() + timedelta(hours=1)))
    session.commit()
    disable_user(session, "ada")
    assert session.get(WebSession, "a" * 64) is None
    session.rollback()
    assert attempt(engine, "ada", "admin password").outcome is SignIn.REFUSED
    for _ in range(3):
        attempt(engine, "ada", "wrong")
    reset_password(session, "ada", "a new admin password")  # also clears the throttle for the name
    assert attempt(engine, "ada", "a new admin password").outcome is SignIn.OK
    assert attempt(engine, "nobody", "whatever").outcome is SignIn.REFUSED


def test_an_old_hash_is_upgraded_at_sign_in(engine: Engine, session: Session) -> None:
    from argon2 import PasswordHasher

    add(engine, username="tina", password="triage password", role=Role.TRIAGE)
    user = find_user(session, "tina")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash("triage password")
    session.add(user)
    session.commit()
    assert attempt(engine, "tina", "triage password").outcome is SignIn.OK
    with Session(engine) as check:
        upgraded = check.exec(select(User).where(User.username == "tina")).one()
    assert "m=8192" not in upgraded.password_hash and upgraded.last_login_at is not None


def test_users_command_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO

    config = tmp_path / "c.yaml"
    config.write_text(f"mailbox_address: p@rbwm.example.org\ndatabase:\n  url: sqlite:///{tmp_path / 'i.db'}\n")
    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(REPO / "service.py"), "--config", str(config), *args],
                              input=stdin, capture_output=True, text=True, check=False, cwd=REPO)
    added = run("users", "add", "tina", "--role", "triage", "--password-stdin", stdin="triage password\n")
    assert added.returncode == 0
    assert run("users", "disable", "tina").returncode == 0
    assert run("users", "reset", "tina", "--password-stdin", stdin="x\n").returncode == 1  # too short
    assert run("users", "reset", "tina", "--password-stdin", stdin="another password\n").returncode == 0

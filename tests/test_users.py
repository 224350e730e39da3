"""Local accounts: argon2 hashes, lock-out after repeated failures, disable and reset."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from intake.store.database import create_db_engine, migrate
from intake.store.models import Role, WebSession, utcnow
from intake.store.users import (
    Lockout,
    SignIn,
    UserError,
    add_user,
    authenticate,
    disable_user,
    find_user,
    reset_password,
)


@pytest.fixture
def session(db_url: str):
    engine = create_db_engine(db_url)
    migrate(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_passwords_are_stored_as_argon2_hashes(session: Session) -> None:
    add_user(session, username="tina", password="correct horse battery", role=Role.TRIAGE)
    user = find_user(session, "tina")
    assert user.password_hash.startswith("$argon2id$") and "correct horse" not in user.password_hash
    assert authenticate(session, "tina", "correct horse battery", lockout=Lockout())[0] is SignIn.OK


def test_short_passwords_and_duplicate_names_are_refused(session: Session) -> None:
    with pytest.raises(UserError):
        add_user(session, username="tina", password="short", role=Role.TRIAGE)
    add_user(session, username="tina", password="long enough password", role=Role.TRIAGE)
    with pytest.raises(UserError):
        add_user(session, username="tina", password="long enough password", role=Role.ADMIN)


def test_repeated_failures_lock_the_account_even_against_the_right_password(session: Session) -> None:
    add_user(session, username="mona", password="manager password", role=Role.MANAGER)
    lockout = Lockout(attempts=3, minutes=15)
    outcomes = [authenticate(session, "mona", "wrong", lockout=lockout)[0] for _ in range(3)]
    assert outcomes == [SignIn.REFUSED, SignIn.REFUSED, SignIn.LOCKED]
    assert authenticate(session, "mona", "manager password", lockout=lockout)[0] is SignIn.LOCKED
    later = utcnow() + timedelta(minutes=16)
    assert authenticate(session, "mona", "manager password", lockout=lockout, now=later)[0] is SignIn.OK


def test_disable_ends_sessions_and_reset_unlocks(session: Session) -> None:
    add_user(session, username="ada", password="admin password", role=Role.ADMIN)
    session.add(WebSession(token_hash="a" * 64, username="ada", expires_at=utcnow() + timedelta(hours=1)))
    session.commit()
    disable_user(session, "ada")
    assert session.get(WebSession, "a" * 64) is None
    assert authenticate(session, "ada", "admin password", lockout=Lockout())[0] is SignIn.REFUSED
    reset_password(session, "ada", "a new admin password")
    assert authenticate(session, "ada", "a new admin password", lockout=Lockout())[0] is SignIn.OK
    assert authenticate(session, "nobody", "whatever", lockout=Lockout())[0] is SignIn.REFUSED


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

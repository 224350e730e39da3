"""Account administration: every change audited (CLI and web alike), refusals record nothing, and the
identity provider never takes over a local account."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from intake.store import accounts
from intake.store.database import create_db_engine, migrate
from intake.store.models import AuditEvent, AuthSource, Role
from intake.store.users import UserError, find_user
from tests.conftest import REPO


def _actions(session: Session) -> list[tuple[str, str, dict]]:
    return [(e.actor, e.action, e.detail) for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]


def test_changes_are_audited_and_refusals_are_not(db_url: str) -> None:
    engine = create_db_engine(db_url)
    migrate(engine)
    with Session(engine) as session:
        accounts.add(session, actor="ada", username="tina", password="triage password", role=Role.TRIAGE)
        with pytest.raises(UserError):
            accounts.add(session, actor="ada", username="tina", password="another password", role=Role.TRIAGE)
        with pytest.raises(UserError):
            accounts.disable(session, actor="ada", username="ada")  # never your own
        accounts.disable(session, actor="ada", username="tina")
        accounts.enable(session, actor="ada", username="tina")
        accounts.change_role(session, actor="ada", username="tina", role=Role.MANAGER)
        accounts.reset(session, actor="ada", username="tina", password="a new password")
        assert find_user(session, "tina").role == Role.MANAGER and not find_user(session, "tina").disabled
        assert _actions(session) == [
            ("ada", "user_added", {"user": "tina", "role": "triage"}),
            ("ada", "user_disabled", {"user": "tina"}),
            ("ada", "user_enabled", {"user": "tina"}),
            ("ada", "user_role_changed", {"user": "tina", "before": "triage", "role": "manager"}),
            ("ada", "user_password_reset", {"user": "tina"}),
        ]


def test_the_provider_never_takes_over_a_local_account(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    migrate(engine)
    with Session(engine) as session:
        accounts.add(session, actor="cli", username="ada@rbwm.example.org", password="admin password",
                     role=Role.ADMIN)
        with pytest.raises(UserError, match="local account"):
            accounts.provision_oidc(session, username="ada@rbwm.example.org", role=Role.ADMIN)
        user = accounts.provision_oidc(session, username="mo@rbwm.example.org", role=Role.TRIAGE)
        assert user.auth_source == AuthSource.OIDC and user.password_hash == ""
        assert accounts.provision_oidc(session, username="mo@rbwm.example.org", role=Role.MANAGER).role == "manager"
        with pytest.raises(UserError, match="identity provider"):
            accounts.reset(session, actor="ada", username="mo@rbwm.example.org", password="some password 1")
        accounts.disable(session, actor="ada", username="mo@rbwm.example.org")
        with pytest.raises(UserError, match="disabled"):
            accounts.provision_oidc(session, username="mo@rbwm.example.org", role=Role.MANAGER)


def test_users_list_and_enable_on_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"mailbox_address: p@rbwm.example.org\ndatabase:\n  url: sqlite:///{tmp_path / 'i.db'}\n")

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(REPO / "service.py"), "--config", str(config), *args],
                              input=stdin, capture_output=True, text=True, check=False, cwd=REPO)

    added = run("users", "add", "tina", "--role", "triage", "--password-stdin", stdin="triage password\n")
    assert added.returncode == 0
    assert run("users", "disable", "tina").returncode == 0
    assert "disabled" in run("users", "list").stdout
    assert run("users", "enable", "tina").returncode == 0
    listed = run("users", "list")
    assert listed.returncode == 0 and listed.stdout.split()[:4] == ["tina", "triage", "active", "local"]
    assert run("users", "enable", "nobody").returncode == 1
    engine = create_db_engine(f"sqlite:///{tmp_path / 'i.db'}")
    with Session(engine) as session:
        assert [(a, b) for a, b, _ in _actions(session)] == [
            ("cli", "user_added"), ("cli", "user_disabled"), ("cli", "user_enabled")]

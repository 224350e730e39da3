"""Helpers for end-to-end tests: settings and subprocess environments for a service on a test Dovecot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from intake.config.settings import Settings
from intake.store.models import Case, Disposition, Message
from tests.conftest import REPO, make_settings
from tests.support.imap_server import DovecotServer


def imap_env(server: DovecotServer, user: str = "intake") -> dict[str, str]:
    """INTAKE_* variables pointing the first account at the test server."""
    return {"INTAKE_IMAP_HOST": server.host, "INTAKE_IMAP_PORT": str(server.port), "INTAKE_IMAP_USERNAME": user,
            "INTAKE_IMAP_PASSWORD": server.users[user], "INTAKE_IMAP_SECURITY": "none"}


def imap_settings(tmp_path: Path, server: DovecotServer, db_url: str, account_yaml: str = "",
                  extra_yaml: str = "") -> Settings:
    """Settings for one account on the test server (account options as YAML lines under accounts[0])."""
    accounts = ("accounts:\n  - name: partnership\n    host: 127.0.0.1\n    username: intake\n"
                "    security: none\n    timeout_seconds: 10\n" + account_yaml) if account_yaml else ""
    return make_settings(tmp_path, db_url=db_url, env=imap_env(server), extra_yaml=accounts + extra_yaml)


def service_env(tmp_path: Path, server: DovecotServer, db_url: str, extra_yaml: str = "") -> dict[str, str]:
    """The environment for running `service.py` in a subprocess against the test server."""
    config = tmp_path / "service-config.yaml"
    config.write_text("mailbox_address: safeguarding.partnership@rbwm.example.org\n" + extra_yaml)
    return {**os.environ, **imap_env(server), "INTAKE_CONFIG": str(config), "INTAKE_DATABASE_URL": db_url,
            "INTAKE_LOG_LEVEL": "WARNING"}


def run_service(args: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `python service.py ARGS` to completion."""
    return subprocess.run([sys.executable, str(REPO / "service.py"), *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, check=False)


def ledger_counts(engine: Engine) -> dict[str, int]:
    """Messages by disposition, plus the number of cases."""
    with Session(engine) as session:
        rows = session.exec(select(Message.disposition, func.count()).group_by(Message.disposition)).all()
        counts = {str(Disposition(d)): n for d, n in rows}
        counts["cases"] = session.exec(select(func.count()).select_from(Case)).one()
    return counts

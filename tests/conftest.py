"""Shared fixtures: databases (SQLite and PostgreSQL), settings, a real Dovecot, the corpus path."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from intake.config.loader import load_settings
from intake.config.settings import Settings
from intake.store.keyfile import create_key_file, read_key_file
from intake.store.sealing import install_keyring
from tests.support.imap_server import DovecotServer, dovecot_available

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
EXPORT_SCHEMA = REPO.parent / "shared" / "design" / "case-export.schema.json"
# The export contract lives with the design docs beside the repo; a test of it says so when they are absent.
needs_export_schema = pytest.mark.skipif(
    not EXPORT_SCHEMA.is_file(), reason=f"the case export schema is absent (expected at {EXPORT_SCHEMA})")

# Sealing is on in every test: one key file for the session, installed in this process and named in the
# environment, so that services the tests start (`service.py` in a subprocess) seal under the same key.
_KEY_DIR = Path(tempfile.mkdtemp(prefix="intake-test-key-"))
atexit.register(shutil.rmtree, _KEY_DIR, ignore_errors=True)
TEST_KEY_FILE = _KEY_DIR / "test-keys.json"
create_key_file(TEST_KEY_FILE)
os.environ["INTAKE_ENCRYPTION_KEY_FILE"] = str(TEST_KEY_FILE)
TEST_KEYRING = read_key_file(TEST_KEY_FILE).keyring()
install_keyring(TEST_KEYRING)


@pytest.fixture(autouse=True)
def _test_keyring() -> Iterator[None]:
    """Every test starts with the session's test key installed (a test may install another)."""
    install_keyring(TEST_KEYRING)
    yield
    install_keyring(TEST_KEYRING)


PG_ADMIN_URL = os.environ.get("INTAKE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_unavailable() -> str | None:
    """None when the test PostgreSQL answers, else the reason to skip."""
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, and say what to install
        return (f"PostgreSQL not reachable at 127.0.0.1:5432 as user postgres ({type(exc).__name__}): "
                "apt-get install postgresql and allow trust auth for local TCP")
    return None


_PG_SKIP = postgres_unavailable()


def _fresh_pg_database() -> tuple[str, Callable[[], None]]:
    name = "intake_t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url, drop


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: SQLite in a temp dir, and PostgreSQL on this machine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intake.db'}"
        return
    if _PG_SKIP:
        pytest.skip(_PG_SKIP)
    url, drop = _fresh_pg_database()
    yield url
    drop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database URL (for tests that exercise one backend only)."""
    return f"sqlite:///{tmp_path / 'intake.db'}"


def make_settings(tmp_path: Path, *, db_url: str, env: dict[str, str] | None = None,
                  extra_yaml: str = "") -> Settings:
    """Settings from a small config file in tmp_path plus environment overrides."""
    config = tmp_path / "config.yaml"
    config.write_text("mailbox_address: safeguarding.partnership@rbwm.example.org\n" + extra_yaml)
    return load_settings(config, env={"INTAKE_DATABASE_URL": db_url, "INTAKE_ENCRYPTION_KEY_FILE": str(TEST_KEY_FILE),
                                      **(env or {})})


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    """A real Dovecot on a free loopback port, running as an unprivileged user."""
    reason = dovecot_available()
    if reason:
        pytest.skip(reason)
    server = DovecotServer().start()
    yield server
    server.stop()


@pytest.fixture
def corpus() -> Path:
    """The shared real-world corpus (skips when it is absent)."""
    if not (CORPUS / "emails").is_dir():
        pytest.skip(f"the shared corpus is absent (expected at {CORPUS})")
    return CORPUS


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database URL, for behaviour only PostgreSQL has (LISTEN/NOTIFY, advisory locks)."""
    if _PG_SKIP:
        pytest.skip(_PG_SKIP)
    url, drop = _fresh_pg_database()
    yield url
    drop()

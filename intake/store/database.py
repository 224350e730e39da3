"""Engine creation and schema migration. Nothing is created at import time.

SQLite runs in WAL mode with a busy timeout so that the web UI can read while the worker writes and
two workers on one host queue for the write lock instead of failing. PostgreSQL uses the same code and
the same Alembic migrations.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine, make_url

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class DatabaseError(Exception):
    """The database cannot be opened or migrated."""


def create_db_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite, the folder is created and WAL, foreign keys and a busy timeout set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN until the first write, which lets two
        # writers both read then collide; BEGIN IMMEDIATE on every transaction serialises them cleanly.
        sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see create_db_engine)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (safe to run on every start, and concurrently on PG)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # Two services starting at once must not both create the tables.
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
            config.attributes["connection"] = connection
            # "heads": features add their tables on branches of their own; all of them apply.
            command.upgrade(config, "heads")
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot open or migrate the database: {exc.orig}") from None

"""Engine creation and schema migration. Nothing is created at import time.

SQLite runs in WAL mode with a busy timeout so that the web UI can read while the worker writes and
two workers on one host queue for the write lock instead of failing. PostgreSQL uses the same code and
the same Alembic migrations.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

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
        if database and database != ":memory:" and not database.startswith("file:"):
            private_database_files(Path(database))
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN until the first write, which lets two
        # writers both read then collide; BEGIN IMMEDIATE on every transaction serialises them cleanly.
        sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def private_database_files(database: Path) -> None:
    """Make the SQLite database's folder (when we create it) 0700 and the database and its -wal and -shm 0600.

    The database is created empty (a valid SQLite file) with mode 0600 before SQLite opens it, so it is never
    readable by others even for a moment; SQLite gives the -wal and -shm files the database file's mode. A folder
    that already exists is left as it is (it may hold other things) but a warning says when others can enter it.
    """
    folder = database.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is narrowed by the umask, never widened: set it exactly
    elif stat.S_IMODE(folder.stat().st_mode) & 0o077 and folder.stat().st_uid == os.getuid():
        log.warning("the database folder %s can be entered by other users: chmod 700 %s", folder, folder)
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                os.chmod(path, 0o600)
        except FileNotFoundError:
            continue
        except PermissionError:  # another user's file: say so rather than fail
            log.warning("%s can be read by other users and is not ours to change: chmod 600 %s", path, path)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see create_db_engine)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted (purged) content is overwritten, not left in free pages
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (safe to run on every start, and concurrently on PG)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:
            if sqlite:
                # Changing a constraint rebuilds a SQLite table, and with foreign keys enforced the old copy of a
                # table others refer to cannot be dropped. SQLite's own recipe: keys off (outside any
                # transaction) while migrating, then every key checked before the commit.
                _foreign_keys(connection, on=False)
            try:
                with connection.begin():
                    if engine.dialect.name == "postgresql":
                        # Two services starting at once must not both create the tables.
                        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
                    config.attributes["connection"] = connection
                    # "heads": features add their tables on branches of their own; all of them apply.
                    command.upgrade(config, "heads")
                    if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                        raise DatabaseError("a migration left rows whose foreign keys point nowhere; nothing changed")
            finally:
                if sqlite:
                    _foreign_keys(connection, on=True)
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot open or migrate the database: {exc.orig}") from None


def _foreign_keys(connection: sa.Connection, *, on: bool) -> None:
    """Turn SQLite's foreign key checks on or off for this connection."""
    outside_transaction(connection, f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def outside_transaction(connection: sa.Connection, sql: str) -> list[tuple[Any, ...]]:
    """Run one statement on the driver's own connection, outside any transaction: SQLite's PRAGMAs that do nothing
    inside one (foreign_keys, wal_checkpoint). The driver connection runs in autocommit mode (_sqlite_pragmas)."""
    driver = connection.connection.dbapi_connection
    if driver is None:
        raise DatabaseError("the database connection is closed")
    cursor = driver.cursor()
    try:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()

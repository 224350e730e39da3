"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_ignore(session: Session, table: sa.Table, values: dict[str, Any], conflict: list[str]) -> bool:
    """INSERT unless a row with the same `conflict` columns exists; True when a row was inserted.

    The database, not a read-then-write in Python, decides: that is what makes two workers safe.
    """
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (module.insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict)
                 .returning(table.c[conflict[0]]))
    # RETURNING yields a row only when one was inserted; rowcount is unreliable across drivers here.
    return session.execute(statement).first() is not None


def insert_ignore_many(session: Session, table: sa.Table, rows: list[dict[str, Any]],
                       conflict: list[str]) -> set[tuple]:
    """One multi-row INSERT .. ON CONFLICT DO NOTHING; the `conflict` keys of the rows actually inserted."""
    if not rows:
        return set()
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # executemany form: the statement is compiled once and cached; SQLAlchemy batches the rows into
    # multi-row INSERTs ("insertmanyvalues") and still returns what RETURNING yields.
    statement = (module.insert(table).on_conflict_do_nothing(index_elements=conflict)
                 .returning(*(table.c[name] for name in conflict)))
    return {tuple(row) for row in session.execute(statement, rows)}

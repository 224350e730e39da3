"""Key rotation and the sealing pass: every sealed column walked in short batches, safe while the service runs.

`reseal` re-wraps each value whose data key is wrapped under a key other than the current one (the ciphertext is
not touched: 60 bytes change per value) and seals any legacy plaintext left from before sealing. Each batch is
its own short transaction, and each row is written only if it still holds what was read (a value the service
changed meanwhile is left for the next pass), so the pass can be stopped at any point and run again: it simply
finds less to do. `status` counts the values of each column by key id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from intake.store.sealing import HEADER_PEEK, Keyring, SealedColumn, is_sealed, key_id_of, rewrap, seal, sealed_columns

PLAINTEXT = "(plaintext)"  # the count of legacy values not yet sealed, in `status`
BATCH_ROWS = 200
BATCH_BYTES = 16 * 2**20  # a batch of blobs reads at most about this much


@dataclass
class ColumnStatus:
    """How the values of one sealed column are held: count per key id (and PLAINTEXT)."""

    column: str
    by_key: Counter[str] = field(default_factory=Counter)


@dataclass
class ResealReport:
    """What one pass did."""

    rewrapped: int = 0
    sealed: int = 0  # legacy plaintext sealed
    skipped: int = 0  # changed by the service while we worked: the next pass takes them
    by_column: Counter[str] = field(default_factory=Counter)


def _columns() -> list[SealedColumn]:
    # Tables defined outside models.py register themselves on import.
    import intake.store.learning
    import intake.store.steps  # noqa: F401

    return list(sealed_columns(SQLModel.metadata))


def _primary_key(column: SealedColumn) -> list[sa.Column[Any]]:
    return list(column.table.primary_key.columns)


def _raw(column: SealedColumn) -> sa.ColumnElement[Any]:
    # The stored bytes as they are: no sealing type on the way out.
    return sa.type_coerce(column.column, sa.types.NullType())


def _heads(engine: Engine, column: SealedColumn, *, batch: int = 2000) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(primary key, the first HEADER_PEEK bytes) of every non-NULL value, in primary-key order, batch by batch."""
    keys = _primary_key(column)
    head = sa.type_coerce(sa.func.substr(column.column, 1, HEADER_PEEK), sa.types.NullType())
    after: tuple[Any, ...] | None = None
    while True:
        statement = sa.select(*keys, head).where(column.column.is_not(None)).order_by(*keys).limit(batch)
        if after is not None:
            statement = statement.where(sa.tuple_(*keys) > sa.tuple_(*after))
        with engine.connect() as connection:
            rows = connection.execute(statement).all()
        for row in rows:
            yield tuple(row[:-1]), row[-1]
        if len(rows) < batch:
            return
        after = tuple(rows[-1][:-1])


def _state(head: Any) -> str:
    return key_id_of(head) if is_sealed(head) else PLAINTEXT


def status(engine: Engine) -> list[ColumnStatus]:
    """Per sealed column: how many values are sealed under each key id, and how many are still plaintext."""
    found = []
    for column in _columns():
        counts: Counter[str] = Counter(_state(head) for _key, head in _heads(engine, column))
        found.append(ColumnStatus(column.name, counts))
    return found


def reseal(engine: Engine, keyring: Keyring, *, progress: Callable[[str, int], None] | None = None) -> ResealReport:
    """One pass: re-wrap every value not under the current key, and seal every plaintext one."""
    report = ResealReport()
    for column in _columns():
        pending: list[tuple[Any, ...]] = []
        for key, head in _heads(engine, column):
            if _state(head) != keyring.current:
                pending.append(key)
            if len(pending) >= BATCH_ROWS:
                _reseal_batch(engine, column, pending, keyring, report)
                pending = []
                if progress:
                    progress(column.name, report.by_column[column.name])
        if pending:
            _reseal_batch(engine, column, pending, keyring, report)
        if progress:
            progress(column.name, report.by_column[column.name])
    return report


def _reseal_batch(engine: Engine, column: SealedColumn, keys: list[tuple[Any, ...]], keyring: Keyring,
                  report: ResealReport) -> None:
    key_columns = _primary_key(column)
    raw = _raw(column)
    start = 0
    while start < len(keys):
        chunk, size = [], 0
        with engine.begin() as connection:
            for key in keys[start:]:
                where = sa.and_(*(c == v for c, v in zip(key_columns, key, strict=True)))
                value = connection.execute(sa.select(raw).where(where)).scalar()
                chunk.append(key)
                if value is None:
                    continue
                new = _resealed(value, keyring)
                if new is None:
                    continue
                # Written only if the row still holds what was read: the service may have changed it since.
                done = connection.execute(sa.update(column.table).where(where, raw == _as_bind(value))
                                          .values({column.column.name: sa.type_coerce(new, sa.LargeBinary)}))
                if done.rowcount == 1:
                    report.by_column[column.name] += 1
                    if is_sealed(value):
                        report.rewrapped += 1
                    else:
                        report.sealed += 1
                else:
                    report.skipped += 1
                size += len(value)
                if size >= BATCH_BYTES or len(chunk) >= BATCH_ROWS:
                    break
        start += len(chunk)


def _as_bind(value: Any) -> sa.BindParameter[Any]:
    # Compared as stored: bytes as binary, legacy SQLite text as text.
    return sa.literal(value, sa.Text() if isinstance(value, str) else sa.LargeBinary())


def _resealed(value: Any, keyring: Keyring) -> bytes | None:
    """The value sealed under the current key, or None when it already is."""
    if isinstance(value, str):
        return seal(value.encode("utf-8"), keyring)
    data = bytes(value)
    if not is_sealed(data):
        return seal(data, keyring)
    if key_id_of(data) == keyring.current:
        return None
    return rewrap(data, keyring)


def still_using(engine: Engine, key_id: str) -> int:
    """How many values are still sealed under `key_id` (a key can be retired when this is 0)."""
    return sum(s.by_key[key_id] for s in status(engine))

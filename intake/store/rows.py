"""Typed access to what SQLModel declares loosely: a saved row's primary key and a table model's Core table."""

from __future__ import annotations

from typing import Protocol

import sqlalchemy as sa
from sqlmodel import SQLModel


class Keyed(Protocol):
    """A row with an integer primary key (None until it is flushed)."""

    @property
    def id(self) -> int | None: ...


def pk(row: Keyed) -> int:
    """The primary key of a saved row. SQLModel types it `int | None` because a new row has none yet; a row read
    from the database or flushed always has one, so None here is a programming error, raised as such."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no primary key yet: add and flush it first")
    return row.id


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a table model (SQLModel sets `__table__` when the class is made, unseen by type checkers)."""
    table = sa.inspect(model).local_table
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table

"""The sign-in throttle: refused sign-ins counted in a sliding window per (name, address), per address and per name.

Kept in the database (`sign_in_failures`), not in process memory, so that several `run` processes behind one
address, or one restarted, count the same attempts. The limits are chosen so that nobody can lock a real user
out of their own address:

- one name from one address: after `pair_attempts` failures that pair waits (1 minute, doubling with each further
  failure, at most the window) — a guesser at the name's password waits, the user at their own desk does not;
- one address, any names: after `address_attempts` failures that address waits the same way (password spraying);
- one name from anywhere: after `account_attempts` failures its sign-ins are only slowed (a delay before the
  answer, doubling up to `account_delay`) and the audit trail records it, because refusing them would let a
  stranger lock the user out.

The name is counted whether or not an account has it, so the throttle says nothing about which names exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from intake.store.models import SignInFailure

FIRST_WAIT = timedelta(minutes=1)


@dataclass(frozen=True)
class ThrottlePolicy:
    """The throttle's limits (web settings: lockout_attempts, lockout_minutes, address_ and account_attempts)."""

    window: timedelta = timedelta(minutes=15)
    pair_attempts: int = 5
    address_attempts: int = 30
    account_attempts: int = 20
    account_delay: timedelta = timedelta(seconds=10)


@dataclass(frozen=True)
class Verdict:
    """What the throttle says about one attempt before its password is checked."""

    refused: bool  # the (name, address) pair or the address must wait: refused whatever the password
    delay_seconds: float  # the name is under attack from elsewhere: answer this much later
    account_failures: int  # failures for the name in the window, from anywhere


def name_key(name: str) -> str:
    """How a tried name is counted: sha256 of its case-folded form (never the name itself)."""
    return hashlib.sha256(name.casefold().encode()).hexdigest()


def assess(session: Session, *, key: str, address: str, now: datetime, policy: ThrottlePolicy) -> Verdict:
    """The throttle's verdict on an attempt (reads only)."""
    since = now - policy.window
    pair = _failures(session, since, col(SignInFailure.name_key) == key, col(SignInFailure.address) == address)
    by_address = _failures(session, since, col(SignInFailure.address) == address)
    account_count, _ = _failures(session, since, col(SignInFailure.name_key) == key)
    refused = (_waiting(pair, policy.pair_attempts, now, policy)
               or _waiting(by_address, policy.address_attempts, now, policy))
    delay = 0.0
    if account_count >= policy.account_attempts:
        delay = min(2.0 ** (account_count - policy.account_attempts), policy.account_delay.total_seconds())
    return Verdict(refused=refused, delay_seconds=delay, account_failures=account_count)


def record_failure(session: Session, *, key: str, address: str, now: datetime, policy: ThrottlePolicy) -> None:
    """Count a refused attempt (a throttled one too: hammering keeps the pair waiting) and forget old ones."""
    session.add(SignInFailure(at=now, address=address[:64], name_key=key))
    session.execute(sa.delete(SignInFailure).where(col(SignInFailure.at) < now - policy.window))


def forget_pair(session: Session, *, key: str, address: str) -> None:
    """After a successful sign-in: that name's failures from that address no longer count."""
    session.execute(sa.delete(SignInFailure).where(col(SignInFailure.name_key) == key,
                                                   col(SignInFailure.address) == address))


def forget_name(session: Session, name: str) -> None:
    """After an admin resets or enables an account: its failures from every address no longer count."""
    session.execute(sa.delete(SignInFailure).where(col(SignInFailure.name_key) == name_key(name)))


def _failures(session: Session, since: datetime, *where: sa.ColumnElement[bool]) -> tuple[int, datetime | None]:
    row = session.exec(select(func.count(), func.max(SignInFailure.at))
                       .where(col(SignInFailure.at) >= since, *where)).one()
    return int(row[0]), row[1]


def _waiting(failures: tuple[int, datetime | None], limit: int, now: datetime, policy: ThrottlePolicy) -> bool:
    count, last = failures
    if count < limit or last is None:
        return False
    wait = min(FIRST_WAIT * 2 ** (count - limit), policy.window)
    return now < last + wait

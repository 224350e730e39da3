"""Account administration, audited: what an admin does in the web UI and an operator with `users`.

Every change is recorded in the audit trail in the same transaction (who did it, to whom, what changed;
never a password); a refused change records nothing. Password rules and hashing stay in `intake.store.users`,
the throttle in `intake.store.throttle`; `sign_in` puts them together (and audits each attempt).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from intake.store import audit, throttle, users
from intake.store.audit import AuditAction
from intake.store.models import SYSTEM, AuthSource, Role, User, utcnow
from intake.store.throttle import ThrottlePolicy
from intake.store.users import SignIn, UserError, find_user

T = TypeVar("T")
CLI_ACTOR = "cli"  # the actor of changes made on the command line (whoever holds the server)


def add(session: Session, *, actor: str, username: str, password: str, role: Role) -> User:
    """Create a local account."""
    _audit(session, actor, AuditAction.USER_ADDED, username, role=str(role))
    return _guarded(session, lambda: users.add_user(session, username=username, password=password, role=role))


def disable(session: Session, *, actor: str, username: str) -> None:
    """Disable an account (its sessions end at once); an admin cannot disable their own."""
    if username == actor:
        raise UserError("you cannot disable your own account")
    _audit(session, actor, AuditAction.USER_DISABLED, username)
    _guarded(session, lambda: users.disable_user(session, username))


def enable(session: Session, *, actor: str, username: str) -> None:
    """Enable a disabled account again (and clear a lock-out)."""
    user = _existing(session, username)
    user.disabled = False
    user.failed_attempts = 0
    user.locked_until = None
    session.add(user)
    throttle.forget_name(session, username)
    _audit(session, actor, AuditAction.USER_ENABLED, username)
    session.commit()


def reset(session: Session, *, actor: str, username: str, password: str) -> None:
    """Set a new password (unlocks, re-enables and signs the account out everywhere)."""
    if _existing(session, username).auth_source == AuthSource.OIDC:
        raise UserError(f"{username} signs in with the identity provider; it has no password here")
    _audit(session, actor, AuditAction.USER_PASSWORD_RESET, username)
    _guarded(session, lambda: users.reset_password(session, username, password))


def change_role(session: Session, *, actor: str, username: str, role: Role) -> None:
    """Give an account another role; an admin cannot change their own (so one admin always remains)."""
    if username == actor:
        raise UserError("you cannot change your own role")
    user = _existing(session, username)
    before = user.role
    user.role = Role(role)
    session.add(user)
    _audit(session, actor, AuditAction.USER_ROLE_CHANGED, username, before=str(before), role=str(role))
    session.commit()


def provision_oidc(session: Session, *, username: str, role: Role) -> User:
    """The account of someone the provider signed in: created at first sign-in, its role following the claims.

    Refused when a local account already has the name (the provider must not take it over) or the
    account was disabled here.
    """
    user = find_user(session, username)
    if user is None:
        user = User(username=username, password_hash="", role=Role(role), auth_source=AuthSource.OIDC)
        session.add(user)
        session.flush()
        audit.record(session, actor=SYSTEM, action=AuditAction.USER_ADDED,
                     detail={"user": username, "role": str(role), "source": "oidc"})
    elif user.auth_source != AuthSource.OIDC:
        raise UserError("a local account already has this name")
    elif user.disabled:
        raise UserError("the account is disabled here")
    elif user.role != role:
        audit.record(session, actor=SYSTEM, action=AuditAction.USER_ROLE_CHANGED,
                     detail={"user": username, "before": str(user.role), "role": str(role), "source": "oidc"})
        user.role = Role(role)
    user.last_login_at = utcnow()
    session.add(user)
    session.commit()
    return user


@dataclass(frozen=True)
class SignInAttempt:
    """How one password sign-in ended."""

    outcome: SignIn
    username: str | None  # the account now signed in (outcome OK only)
    delay_seconds: float  # answer this much later (the name is under attack from elsewhere; same for any name)


@dataclass(frozen=True)
class _Account:
    """What phase 1 read of the account, so that no ORM row (and no transaction) lives on during argon2."""

    id: int
    username: str
    password_hash: str
    usable: bool  # a local, enabled account
    locked: bool  # a lock-out set before the throttle replaced it (honoured until it ends, or an admin clears it)


def sign_in(engine: Engine, *, name: str, password: str, address: str, now: datetime,
            policy: ThrottlePolicy) -> SignInAttempt:
    """Check a password sign-in: the same work, the same answer and the same timing whatever the name.

    Three steps, so that no request waits on the database while argon2 runs (SQLite has one write lock, and
    every transaction here takes it): (1) read the account and the throttle in a short transaction, ended
    before (2) the password is verified — against the account's hash, or a dummy hash when no usable local
    account has the name — with no transaction open; (3) write the outcome and its audit entry in a second
    short transaction. The password is verified even when the attempt is throttled or the account locked, so
    that an answer's timing never tells which names exist; a throttled attempt is refused whatever it says.
    """
    key = throttle.name_key(name)
    with Session(engine) as session:
        row = find_user(session, name) if name else None
        account = None if row is None or row.id is None else _Account(
            row.id, row.username, row.password_hash,
            usable=not row.disabled and row.auth_source == AuthSource.LOCAL and bool(row.password_hash),
            locked=row.locked_until is not None and row.locked_until > now)
        verdict = throttle.assess(session, key=key, address=address, now=now, policy=policy)
    # No transaction is open from here until the outcome is written.
    usable = account is not None and account.usable
    password_hash = account.password_hash if account is not None and usable else users.DUMMY_HASH
    matches = users.verify_password(password_hash, password)
    if verdict.refused or (account is not None and account.locked):
        outcome = SignIn.THROTTLED
    elif matches and usable:
        outcome = SignIn.OK
    else:
        outcome = SignIn.REFUSED
    new_hash = users.rehashed(password_hash, password) if outcome is SignIn.OK else None
    with Session(engine) as session:
        user = session.get(User, account.id) if outcome is SignIn.OK and account is not None else None
        if user is not None and not user.disabled and user.password_hash == password_hash:
            if new_hash:
                user.password_hash = new_hash
            user.last_login_at = now
            session.add(user)
            throttle.forget_pair(session, key=key, address=address)
            audit.record(session, actor=user.username, action=AuditAction.SIGNED_IN,
                         detail={"outcome": str(SignIn.OK), "method": "password"})
            session.commit()
            return SignInAttempt(SignIn.OK, user.username, verdict.delay_seconds)
        if outcome is SignIn.OK:  # disabled or given a new password while its old one was being checked
            outcome = SignIn.REFUSED
        throttle.record_failure(session, key=key, address=address, now=now, policy=policy)
        # The name tried (never the password) and where from, so that an attack on an account shows.
        audit.record(session, actor="anonymous", action=AuditAction.SIGN_IN_REFUSED,
                     detail={"outcome": str(outcome), "method": "password", "name_tried": name,
                             "address": address})
        if verdict.account_failures + 1 == policy.account_attempts:
            audit.record(session, actor=SYSTEM, action=AuditAction.SIGN_IN_THROTTLED,
                         detail={"name_tried": name, "failures": policy.account_attempts,
                                 "minutes": round(policy.window.total_seconds() / 60)})
        session.commit()
    return SignInAttempt(outcome, None, verdict.delay_seconds)


def _existing(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def _audit(session: Session, actor: str, action: AuditAction, username: str, **detail: str) -> None:
    audit.record(session, actor=actor, action=action, detail={"user": username, **detail})


def _guarded(session: Session, change: Callable[[], T]) -> T:
    """Run a change of intake.store.users (which commits the audit entry with it); undo the entry if refused."""
    try:
        return change()
    except UserError:
        session.rollback()
        raise

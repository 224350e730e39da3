"""Account administration, audited: what an admin does in the web UI and an operator with `users`.

Every change is recorded in the audit trail in the same transaction (who did it, to whom, what changed;
never a password); a refused change records nothing. Password rules, hashing and lock-out stay in
`intake.store.users`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from intake.store import audit, users
from intake.store.audit import AuditAction
from intake.store.models import SYSTEM, AuthSource, Role, User, utcnow
from intake.store.users import UserError, find_user

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

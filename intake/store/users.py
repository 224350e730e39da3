"""Local web accounts: argon2 password hashes and roles. (Signing in, with its throttle, is
`intake.store.accounts.sign_in` and `intake.store.throttle`.)"""

from __future__ import annotations

import logging
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from intake.store import throttle
from intake.store.models import Role, User, WebSession, utcnow

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verified against when no local account has the name (or it cannot sign in with a password), so that a
# wrong name costs as long as a wrong password.
DUMMY_HASH = _hasher.hash("not a password anyone has")


class UserError(Exception):
    """An account operation cannot be done; the message says why."""


class SignIn(StrEnum):
    """How a sign-in attempt ended (one message to the user for every failure: no account enumeration)."""

    OK = "ok"
    REFUSED = "refused"  # wrong password, unknown name, disabled account
    THROTTLED = "throttled"  # too many failures from this address (for this name), or a lock-out set before


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")


def find_user(session: Session, username: str) -> User | None:
    """The account with this name, if any."""
    return session.exec(select(User).where(User.username == username)).one_or_none()


def add_user(session: Session, *, username: str, password: str, role: Role) -> User:
    """Create an account; raises UserError when the name is taken or the password too short."""
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise UserError("a user name is 1-100 characters without spaces")
    _check_password(password)
    if find_user(session, username) is not None:
        raise UserError(f"user {username!r} already exists")
    user = User(username=username, password_hash=_hasher.hash(password), role=Role(role))
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def disable_user(session: Session, username: str) -> None:
    """Disable an account and end its sessions at once."""
    user = _existing(session, username)
    user.disabled = True
    session.add(user)
    _end_sessions(session, username)
    session.commit()


def reset_password(session: Session, username: str, password: str) -> None:
    """Set a new password, unlock and re-enable the account, and end its sessions."""
    _check_password(password)
    user = _existing(session, username)
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = utcnow()
    user.failed_attempts = 0
    user.locked_until = None
    user.disabled = False
    session.add(user)
    throttle.forget_name(session, username)
    _end_sessions(session, username)
    session.commit()


def list_users(session: Session) -> list[User]:
    """Every account, by name."""
    return list(session.exec(select(User).order_by(col(User.username))))


def ensure_demo_user(session: Session) -> bool:
    """Create the demo account (`make run` only); True when it was created now."""
    if find_user(session, "demo") is not None:
        return False
    add_user(session, username="demo", password="demo-password", role=Role.ADMIN)  # noqa: S106 - the demo only
    return True


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches an argon2 hash (about 50-200 ms of work by design: never call it inside a
    database transaction, which would hold SQLite's write lock for that long)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def rehashed(password_hash: str, password: str) -> str | None:
    """A new hash of a password that was just verified, when the stored one uses older parameters."""
    return _hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else None


def _existing(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def _end_sessions(session: Session, username: str) -> None:
    for row in session.exec(select(WebSession).where(WebSession.username == username)):
        session.delete(row)

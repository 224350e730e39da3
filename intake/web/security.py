"""Sessions, CSRF tokens, roles and security headers of the web UI.

Sessions are server-side (`web_sessions`, keyed by the sha256 of a random cookie) so that signing out,
disabling an account or resetting a password ends a session at once. A session ends after `session_hours`
whatever happens, and after `idle_timeout_minutes` without a request. CSRF tokens are an HMAC of the
session cookie (or, before sign-in, of a random pre-session cookie) under the web secret.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fastapi import Request, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from intake.config.settings import SecureCookies, WebSettings
from intake.store.models import Role, WebSession, utcnow
from intake.store.users import find_user

log = logging.getLogger(__name__)

# A session's idle clock is written at most this often: a request within it of the last one is a read only.
SEEN_RESOLUTION = timedelta(minutes=1)
SESSION_COOKIE = "intake_session"
LOGIN_COOKIE = "intake_login"
CSRF_FIELD = "csrf_token"

PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'"
# The UI uses none of the browser's powerful features; a page (or an attachment preview) may not ask for them.
PERMISSIONS_POLICY = ("accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), xr-spatial-tracking=(), "
                      "fullscreen=(self)")
# A year, the usual minimum for preload lists; without includeSubDomains, because other hosts of the council's
# domain are not ours to commit to https.
HSTS = "max-age=31536000"


class Permission(StrEnum):
    """Every action of the UI; each route names the one it needs."""

    VIEW_QUEUE = "view_queue"
    WORK_CASE = "work_case"
    WORK_INTAKE = "work_intake"
    EXPORT = "export"
    READ_AUDIT = "read_audit"
    MANAGE_MAPPINGS = "manage_mappings"  # see and undo the question-to-field mappings staff taught
    SEE_PERSON = "see_person"  # the person's name and date of birth in the queue
    MANAGE_USERS = "manage_users"
    VIEW_REPORTS = "view_reports"
    MANAGE_LEGAL_HOLDS = "manage_legal_holds"  # place and release a legal hold on a case (stops its purge)
    RELEASE_HELD_MAIL = "release_held_mail"  # release or discard acknowledgements held by a flood cap


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.TRIAGE: frozenset({Permission.VIEW_QUEUE, Permission.WORK_CASE, Permission.WORK_INTAKE,
                            Permission.SEE_PERSON}),
    Role.MANAGER: frozenset({Permission.VIEW_QUEUE, Permission.WORK_CASE, Permission.WORK_INTAKE,
                             Permission.EXPORT, Permission.SEE_PERSON, Permission.VIEW_REPORTS,
                             Permission.MANAGE_LEGAL_HOLDS, Permission.RELEASE_HELD_MAIL}),
    Role.ADMIN: frozenset(Permission),
}


class NotSignedInError(Exception):
    """The request has no valid session."""


class ForbiddenError(Exception):
    """The user may not do this, or the form's CSRF token is missing or wrong."""


@dataclass(frozen=True)
class WebUser:
    """The signed-in user of one request."""

    username: str
    role: Role
    session_token: str

    def may(self, permission: Permission) -> bool:
        """Whether the user's role allows `permission`."""
        return permission in ROLE_PERMISSIONS[self.role]


class Guard:
    """Issues and checks sessions and CSRF tokens for one app."""

    def __init__(self, engine: Engine, settings: WebSettings, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._settings = settings
        self.clock = clock  # tests move it instead of sleeping
        if settings.session_secret is not None:
            self._secret = settings.session_secret.get_secret_value().encode()
        else:
            self._secret = secrets.token_bytes(32)
            log.warning("INTAKE_WEB_SECRET is not set: using a random secret for this process; forms opened "
                        "before a restart will be refused after it")

    def start_session(self, username: str) -> str:
        """A new session for a user who just signed in; returns the cookie value."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        expires = now + timedelta(hours=self._settings.session_hours)
        with Session(self._engine) as session:
            session.add(WebSession(token_hash=_digest(token), username=username, created_at=now, expires_at=expires,
                                   last_seen_at=now))
            session.commit()
        return token

    def end_session(self, token: str) -> None:
        """Forget a session (sign-out)."""
        with Session(self._engine) as session:
            row = session.get(WebSession, _digest(token))
            if row is not None:
                session.delete(row)
                session.commit()

    def user_of(self, request: Request) -> WebUser:
        """The user of a request's session cookie; raises NotSignedInError."""
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token:
            raise NotSignedInError
        now = self.clock()
        with Session(self._engine) as session:
            row = session.get(WebSession, _digest(token))
            if row is None or row.expires_at <= now:
                raise NotSignedInError
            seen = row.last_seen_at or row.created_at
            if now - seen >= timedelta(minutes=self._settings.idle_timeout_minutes):
                raise NotSignedInError
            user = find_user(session, row.username)
            if user is None or user.disabled:
                raise NotSignedInError
            if now - seen >= SEEN_RESOLUTION:
                row.last_seen_at = now
                session.add(row)
                session.commit()
            return WebUser(user.username, Role(user.role), token)

    def client_address(self, request: Request) -> str:
        """The address a request came from, for the sign-in throttle. Behind a reverse proxy listed in
        `web.trusted_proxies`, uvicorn has already put the client from X-Forwarded-For here (the nearest hop
        that is not a trusted proxy: the left part of the header is whatever the client sent, never believed)."""
        return (request.client.host if request.client else "")[:64]

    def csrf_token(self, value: str, purpose: str = "session") -> str:
        """The CSRF token that goes with a session (or pre-session) cookie."""
        return hmac.new(self._secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, value: str, given: str, purpose: str = "session") -> None:
        """Raise ForbiddenError unless `given` is the token for `value`."""
        if not value or not given or not hmac.compare_digest(self.csrf_token(value, purpose), given):
            raise ForbiddenError("the form has expired or did not come from this site; reload the page")

    def set_cookie(self, request: Request, response: Response, name: str, value: str) -> None:
        """Set an HttpOnly, SameSite cookie, Secure when configured or when the request came over TLS."""
        response.set_cookie(name, value, httponly=True, samesite="lax" if name == SESSION_COOKIE else "strict",
                            secure=self._secure(request), path="/",
                            max_age=int(self._settings.session_hours * 3600))

    def secure(self, request: Request) -> bool:
        """Whether a cookie set on this request's response carries the Secure attribute."""
        return self._secure(request)

    def _secure(self, request: Request) -> bool:
        if self._settings.secure_cookies is SecureCookies.ALWAYS:
            return True
        if self._settings.secure_cookies is SecureCookies.NEVER:
            return False
        return _over_tls(request)

    def https(self, request: Request) -> bool:
        """Whether the UI is served over https: this request came over TLS (directly or through the TLS proxy's
        X-Forwarded-Proto), or the configured base_url is https. Browsers ignore HSTS received over plain http,
        so a forged X-Forwarded-Proto on a plain connection changes nothing."""
        return _over_tls(request) or (self._settings.base_url or "").lower().startswith("https://")


def _over_tls(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def security_headers(response: Response, *, static: bool, https: bool = False) -> None:
    """Headers every response carries; pages (not static files) are never cached (personal data); HSTS when
    the UI is served over https (`Guard.https`)."""
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if https:
        response.headers["Strict-Transport-Security"] = HSTS
    if not static:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"

"""A real SMTP server for tests (aiosmtpd on a free loopback port): records what it accepts, and can be told
to answer 4xx or 5xx, to refuse a recipient, and to require AUTH (password, or XOAUTH2 with a bearer token)."""

from __future__ import annotations

import base64
import email
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        """The message, parsed."""
        return email.message_from_bytes(self.data, policy=default)


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd hook)
        if address in self._server.refused_recipients:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        with self._server.lock:
            if self._server.scripted:
                return self._server.scripted.popleft()
            self._server.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 OK queued"

    async def auth_XOAUTH2(self, server, args):  # noqa: N802 (aiosmtpd looks handlers' AUTH mechanisms up by name)
        try:
            fields = base64.b64decode(args[1]).decode().split("\x01")
        except (IndexError, ValueError):
            return AuthResult(success=False, handled=False)
        values = dict(f.split("=", 1) for f in fields if "=" in f)
        token = values.get("auth", "").removeprefix("Bearer ")
        ok = (values.get("user"), token) == (self._server.oauth_user, self._server.oauth_token)
        self._server.logins.append(("XOAUTH2", values.get("user", ""), ok))
        return AuthResult(success=ok, handled=False, auth_data=values.get("user"))


class SmtpServer:
    """aiosmtpd in a background thread. `scripted` replies answer DATA before anything is accepted."""

    def __init__(self, *, users: dict[str, str] | None = None, oauth: tuple[str, str] | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.received: list[Received] = []
        self.scripted: deque[str] = deque()
        self.refused_recipients: set[str] = set()
        self.logins: list[tuple[str, str, bool]] = []
        self.lock = threading.Lock()
        self.users = users or {}
        self.oauth_user: str | None = oauth[0] if oauth else None
        self.oauth_token: str | None = oauth[1] if oauth else None
        auth = bool(users or oauth)
        self._controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, authenticator=self._password if auth else None,
            auth_required=auth, auth_require_tls=False,
            auth_exclude_mechanism=None if oauth else ["XOAUTH2"])

    def start(self) -> SmtpServer:
        """Start listening."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def fail_next(self, reply: str, times: int = 1) -> None:
        """Answer the next `times` messages with this reply (e.g. "451 4.3.0 try later")."""
        with self.lock:
            self.scripted.extend([reply] * times)

    def _password(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.users.get(auth_data.login.decode()) == \
            auth_data.password.decode()
        self.logins.append((mechanism, auth_data.login.decode() if ok else "", ok))
        return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An open relay on loopback that records every message it accepts."""
    server = SmtpServer().start()
    yield server
    server.stop()

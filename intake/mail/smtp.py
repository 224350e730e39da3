"""Sending one email over SMTP: TLS as configured, password or XOAUTH2, failures sorted by kind.

The caller (the outbox sender) decides what to retry: a temporary failure (4xx, a dropped or refused
connection, a timeout) is worth another try later; a permanent one (5xx) is not.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from intake.config.settings import AuthMethod, Security, SmtpSettings
from intake.mail.oauth import TokenSource, build_xoauth2

log = logging.getLogger(__name__)


class SmtpError(Exception):
    """Sending failed; the message says why without any credential."""


class SmtpTemporaryError(SmtpError):
    """Try again later: 4xx replies, connection failures, timeouts."""


class SmtpPermanentError(SmtpError):
    """Do not retry: 5xx replies (unknown recipient, message refused, authentication refused)."""


class SmtpTransport:
    """Delivers messages to the configured SMTP server, one connection per call."""

    def __init__(self, settings: SmtpSettings, *, token_source: TokenSource | None = None) -> None:
        self._settings = settings
        self._token_source = token_source

    def send(self, message: EmailMessage) -> None:
        """Send one message to its To/Cc recipients; raise SmtpTemporaryError or SmtpPermanentError."""
        try:
            with self._connect() as client:
                self._login(client)
                refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self._raise_for_codes(exc.recipients.values(), "recipient refused")
        except smtplib.SMTPResponseException as exc:
            kind = SmtpTemporaryError if 400 <= exc.smtp_code < 500 else SmtpPermanentError
            raise kind(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
            raise SmtpTemporaryError(f"SMTP server {self._settings.host}:{self._settings.port} "
                                     f"unreachable or dropped the connection ({type(exc).__name__})") from None
        if refused:
            self._raise_for_codes(refused.values(), "some recipients refused")

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        context = ssl.create_default_context()
        if s.security is Security.SSL:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=context)
        client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
        if s.security is Security.STARTTLS:
            client.starttls(context=context)
        return client

    def _login(self, client: smtplib.SMTP) -> None:
        s = self._settings
        if s.auth is AuthMethod.OAUTH2:
            if self._token_source is None or not s.username:
                raise SmtpPermanentError("SMTP OAuth2 configured without a token source or username")
            response = build_xoauth2(s.username, self._token_source.token())
            client.ehlo_or_helo_if_needed()
            client.auth("XOAUTH2", lambda challenge=None: response if challenge is None else "",
                        initial_response_ok=True)
        elif s.username:
            if s.password is None:
                raise SmtpPermanentError("SMTP username set but INTAKE_SMTP_PASSWORD is not")
            client.login(s.username, s.password.get_secret_value())

    @staticmethod
    def _raise_for_codes(replies: object, what: str) -> None:
        codes = [code for code, _ in replies]  # type: ignore[attr-defined]
        kind = SmtpTemporaryError if codes and all(400 <= c < 500 for c in codes) else SmtpPermanentError
        raise kind(f"{what}: SMTP {', '.join(str(c) for c in codes)}")


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:300]


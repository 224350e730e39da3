"""OAuth2 access tokens for IMAP (XOAUTH2): msal's client-credentials flow for Exchange Online.

The app registration needs the IMAP.AccessAsApp application permission and an Exchange service
principal with mailbox access. The client secret comes from the environment; a certificate is read from
``certificate_path``. Neither, nor any token, ever reaches a log line or an error message.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from intake.config.settings import OAuth2Settings

log = logging.getLogger(__name__)

# Renew this long before expiry, so a token never dies between login and the next command.
RENEW_MARGIN_SECONDS = 300.0
_CERT_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)

AppFactory = Callable[..., Any]


class OAuthError(Exception):
    """The identity platform refused to issue a token, or the credential is unusable."""


class OAuthUnavailableError(OAuthError):
    """The identity platform could not be reached; worth retrying later."""


class TokenSource(Protocol):
    """Anything that hands out a currently valid access token."""

    def token(self) -> str:
        """Return a valid access token, renewing it first if needed."""
        ...


class StaticTokenSource:
    """A fixed token, for tests and for tokens obtained elsewhere."""

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        """Return the fixed token."""
        return self._token


def build_xoauth2(username: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64), as Microsoft and Google document it."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01"


def _default_app_factory(client_id: str, *, client_credential: Any, authority: str, timeout: float) -> Any:
    import msal  # imported here so that password-only deployments never load it

    return msal.ConfidentialClientApplication(
        client_id, client_credential=client_credential, authority=authority, timeout=timeout
    )


class MsalTokenSource:
    """Client-credentials tokens from Microsoft Entra ID, cached in memory and renewed before expiry."""

    def __init__(
        self,
        oauth: OAuth2Settings,
        *,
        env: Mapping[str, str] = os.environ,
        app_factory: AppFactory | None = None,
        clock: Callable[[], float] = time.time,
        account: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._oauth = oauth
        self._env = env
        self._app_factory = app_factory or _default_app_factory
        self._clock = clock
        self._timeout = timeout
        self._who = f"tenant {oauth.tenant_id}, client {oauth.client_id}"
        if account:
            self._who = f"account {account!r} ({self._who})"
        self._app: Any = None
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()  # IDLE and polling threads may share one source

    @property
    def expires_at(self) -> float | None:
        """When the current token expires (epoch seconds), or None before the first one; shown in the web UI."""
        return self._expires_at if self._token is not None else None

    def token(self) -> str:
        """Return the cached token, or a new one when it is within RENEW_MARGIN_SECONDS of expiry."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - RENEW_MARGIN_SECONDS:
                return self._renew()
            return self._token

    def _renew(self) -> str:
        app = self._get_app()
        try:
            result = app.acquire_token_for_client(scopes=[self._oauth.scope])
        except OSError as exc:  # requests' RequestException derives from OSError too
            raise self._unreachable(exc) from None
        if not isinstance(result, dict) or "access_token" not in result:
            raise OAuthError(f"{self._who}: token refused: {self._hide_secret(_describe_refusal(result))}")
        self._token = str(result["access_token"])
        self._expires_at = self._clock() + float(result.get("expires_in", 3600))
        log.info("%s: new access token, valid for %ss", self._who, result.get("expires_in", 3600))
        return self._token

    def _get_app(self) -> Any:
        if self._app is None:
            authority = f"{self._oauth.authority_host.rstrip('/')}/{self._oauth.tenant_id}"
            credential = self._credential()
            try:
                self._app = self._app_factory(
                    self._oauth.client_id, client_credential=credential, authority=authority, timeout=self._timeout
                )
            except OSError as exc:  # msal may discover the authority over the network here
                raise self._unreachable(exc) from None
            except ValueError as exc:  # msal validates the authority and the credential here
                raise OAuthError(f"{self._who}: cannot set up the OAuth client: {_scrub(str(exc))}") from None
        return self._app

    def _hide_secret(self, text: str) -> str:
        secret = self._env.get(self._oauth.client_secret_env)
        return text.replace(secret, "***") if secret else text

    def _unreachable(self, exc: OSError) -> OAuthUnavailableError:
        return OAuthUnavailableError(f"{self._who}: identity platform unreachable ({type(exc).__name__})")

    def _credential(self) -> str | dict[str, str]:
        """The client secret from the environment, or the certificate (PEM or PFX) from its path."""
        path = self._oauth.certificate_path
        if path is None:
            secret = self._env.get(self._oauth.client_secret_env)
            if not secret:
                raise OAuthError(
                    f"{self._who}: environment variable {self._oauth.client_secret_env} (client secret) is not set"
                )
            return secret
        return _certificate_credential(Path(path), self._oauth.certificate_thumbprint, self._who)


def _certificate_credential(path: Path, thumbprint: str | None, who: str) -> dict[str, str]:
    if path.suffix.lower() in {".pfx", ".p12"}:
        return {"private_key_pfx_path": str(path)}
    try:
        pem = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise OAuthError(f"{who}: cannot read certificate {path}: {type(exc).__name__}") from None
    if "PRIVATE KEY-----" not in pem:
        raise OAuthError(f"{who}: certificate file {path} holds no private key")
    credential = {"private_key": pem}
    certificate = _CERT_BLOCK.search(pem)
    if certificate:
        credential["public_certificate"] = certificate.group(0)
    if thumbprint:
        credential["thumbprint"] = thumbprint.replace(":", "").strip()
    elif not certificate:
        # Without the certificate msal cannot compute the thumbprint Entra ID needs to pick the key.
        raise OAuthError(f"{who}: certificate_thumbprint is needed when {path} holds only the private key")
    return credential


def _describe_refusal(result: object) -> str:
    """msal's error code, AADSTS codes and correlation id: enough to look up, never a credential."""
    if not isinstance(result, dict):
        return "no response"
    parts = [str(result.get("error") or "unknown_error")]
    codes = result.get("error_codes")
    if codes:
        parts.append("AADSTS" + ",".join(str(code) for code in codes))
    if result.get("correlation_id"):
        parts.append(f"correlation_id={result['correlation_id']}")
    description = next(iter(str(result.get("error_description") or "").splitlines()), "")
    if description:
        parts.append(_scrub(description)[:200])
    return "; ".join(parts)


def _scrub(text: str) -> str:
    """Drop anything that looks like a long opaque credential from text we did not write."""
    return re.sub(r"[A-Za-z0-9~._\-+/=]{32,}", "[redacted]", text)

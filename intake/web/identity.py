"""The OpenID Connect relying party: discovery, the authorisation request (PKCE), the code exchange, and
the ID token checks (signature by the provider's JWKS, issuer, audience, expiry, nonce).

Token checks are PyJWT's (a well-kept library); this module only wires them to the provider's discovery
document. Every failure raises `IdentityError` with a reason in words, which the sign-in page records in
the audit trail; no token or secret is ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt

from intake.config.settings import OidcSettings
from intake.store.models import Role

TIMEOUT_SECONDS = 15
# Asymmetric algorithms only: "none" and HS256 (keyed with the client secret) are never accepted.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
RANK = {Role.TRIAGE: 1, Role.MANAGER: 2, Role.ADMIN: 3}


class IdentityError(Exception):
    """A sign-in through the provider is refused; the message says why (no secrets in it)."""


@dataclass(frozen=True)
class AuthRequest:
    """What one sign-in sends to the provider, and what must come back with it."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, and the role their claims map to (None: no mapped role)."""

    username: str
    subject: str
    role: Role | None


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier (RFC 7636)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def role_of(claims: dict[str, Any], settings: OidcSettings) -> Role | None:
    """The highest role that the user's group or app-role claim values map to, or None."""
    values = claims.get(settings.roles_claim) or []
    if isinstance(values, str):
        values = [values]
    roles = [Role(settings.role_map[v]) for v in values if isinstance(v, str) and v in settings.role_map]
    return max(roles, key=RANK.__getitem__) if roles else None


class OidcClient:
    """One configured provider; the discovery document and the JWKS are fetched once and cached."""

    def __init__(self, settings: OidcSettings, redirect_uri: str) -> None:
        self.settings = settings
        self.redirect_uri = redirect_uri
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, whose issuer must be the configured one."""
        with self._lock:
            if self._metadata is None:
                url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
                document = _get_json(url)
                if document.get("issuer") != self.settings.issuer:
                    raise IdentityError("the provider's discovery document names another issuer")
                self._metadata = document
                self._jwks = jwt.PyJWKClient(document["jwks_uri"], cache_keys=True, timeout=TIMEOUT_SECONDS)
            return self._metadata

    def start(self) -> AuthRequest:
        """A new authorisation request: fresh state, nonce and PKCE verifier."""
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": self.settings.client_id, "redirect_uri": self.redirect_uri,
            "scope": self.settings.scopes, "state": state, "nonce": nonce,
            "code_challenge": pkce_challenge(verifier), "code_challenge_method": "S256"})
        endpoint = self.metadata()["authorization_endpoint"]
        return AuthRequest(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state, nonce, verifier)

    def finish(self, code: str, *, nonce: str, code_verifier: str) -> Identity:
        """Exchange the code for tokens and check the ID token; raises IdentityError."""
        tokens = self._exchange(code, code_verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise IdentityError("the provider sent no ID token")
        claims = self.verify(id_token)
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise IdentityError("the ID token's nonce does not match this sign-in (a replayed token)")
        username = claims.get(self.settings.username_claim) or claims.get("email")
        if not isinstance(username, str) or not username.strip():
            raise IdentityError(f"the ID token has no {self.settings.username_claim!r} claim")
        role = role_of(claims, self.settings)
        if role is None and self.settings.roles_claim in (claims.get("_claim_names") or {}):
            # Entra ID's "overage": past 200 groups the token carries a link, not the groups themselves.
            raise IdentityError(f"the user has too many groups for the ID token to list them (the "
                                f"{self.settings.roles_claim!r} claim was left out); map app roles instead")
        return Identity(username.strip().lower()[:100], str(claims["sub"]), role)

    def verify(self, id_token: str) -> dict[str, Any]:
        """The ID token's claims after checking signature, issuer, audience, expiry and issue time."""
        self.metadata()
        assert self._jwks is not None  # set with the metadata
        try:
            key = self._jwks.get_signing_key_from_jwt(id_token)
            claims = jwt.decode(id_token, key.key, algorithms=list(ALGORITHMS), audience=self.settings.client_id,
                                issuer=self.settings.issuer, leeway=self.settings.leeway_seconds,
                                options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.ExpiredSignatureError:
            raise IdentityError("the ID token has expired") from None
        except jwt.InvalidAudienceError:
            raise IdentityError("the ID token was issued for another application (audience)") from None
        except jwt.InvalidIssuerError:
            raise IdentityError("the ID token was issued by another provider (issuer)") from None
        except jwt.InvalidSignatureError:
            raise IdentityError("the ID token's signature is not the provider's") from None
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
            raise IdentityError(f"the ID token is not valid ({type(exc).__name__})") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.settings.client_id:
            raise IdentityError("the ID token was issued for another application (authorised party)")
        return claims

    def _exchange(self, code: str, code_verifier: str) -> dict[str, Any]:
        secret = self.settings.client_secret
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "client_id": self.settings.client_id, "code_verifier": code_verifier}
        if secret is not None:
            form["client_secret"] = secret.get_secret_value()
        request = urllib.request.Request(self.metadata()["token_endpoint"], method="POST",  # noqa: S310 - checked
                                         data=urllib.parse.urlencode(form).encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise IdentityError(f"the provider refused the sign-in code ({_error_code(exc)})") from None
        except (OSError, ValueError) as exc:
            raise IdentityError(f"the provider could not be reached ({type(exc).__name__})") from None


def _get_json(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - the issuer is http(s) (validated)
            document = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise IdentityError(f"the provider's discovery document could not be read ({type(exc).__name__})") from None
    if not isinstance(document, dict) or not {"issuer", "authorization_endpoint", "token_endpoint",
                                               "jwks_uri"} <= document.keys():
        raise IdentityError("the provider's discovery document lacks an endpoint")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not str(document[key]).startswith(("https://", "http://")):
            raise IdentityError(f"the provider's {key} is not an http(s) address")
    return document


def _error_code(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read()).get("error", exc.code))[:80]
    except (OSError, ValueError, AttributeError):
        return str(exc.code)

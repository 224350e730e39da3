"""The ID token checks and the role mapping of intake/web/identity.py, against the loopback provider's JWKS:
forged signatures, symmetric and unsigned tokens, another issuer, missing claims are all refused."""

from __future__ import annotations

import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from intake.config.settings import OidcSettings
from intake.store.models import Role
from intake.web.identity import IdentityError, OidcClient, pkce_challenge, role_of
from tests.support.oidc_provider import OidcProvider


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    server = OidcProvider().start()
    yield server
    server.stop()


def _client(provider: OidcProvider, **extra) -> OidcClient:
    settings = OidcSettings(issuer=provider.issuer, client_id=provider.client_id,
                            role_map={"Intake.Triage": "triage", "Intake.Admin": "admin"}, **extra)
    return OidcClient(settings, "http://127.0.0.1:1/signin/oidc/callback")


def _claims(provider: OidcProvider, **changes) -> dict:
    now = int(time.time())
    return {"iss": provider.issuer, "aud": provider.client_id, "sub": "s1", "iat": now, "exp": now + 300,
            "nonce": "n", **changes}


def test_a_good_token_passes_and_forgeries_do_not(provider: OidcProvider) -> None:
    client = _client(provider)
    key, kid = provider._key, provider._kid
    assert client.verify(jwt.encode(_claims(provider), key, algorithm="RS256", headers={"kid": kid}))["sub"] == "s1"
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_claims(provider), other_key, algorithm="RS256", headers={"kid": kid})
    with pytest.raises(IdentityError, match="signature"):
        client.verify(forged)
    symmetric = jwt.encode(_claims(provider), "the-client-secret-" * 3, algorithm="HS256", headers={"kid": kid})
    with pytest.raises(IdentityError):
        client.verify(symmetric)
    unsigned = jwt.encode(_claims(provider), "", algorithm="none", headers={"kid": kid})
    with pytest.raises(IdentityError):
        client.verify(unsigned)
    with pytest.raises(IdentityError, match="another provider"):
        client.verify(jwt.encode(_claims(provider, iss="https://evil.example.org"), key, algorithm="RS256",
                                 headers={"kid": kid}))
    no_expiry = _claims(provider)
    del no_expiry["exp"]
    with pytest.raises(IdentityError):
        client.verify(jwt.encode(no_expiry, key, algorithm="RS256", headers={"kid": kid}))
    two_audiences = _claims(provider, aud=[provider.client_id, "another-app"], azp="another-app")
    with pytest.raises(IdentityError, match="authorised party"):
        client.verify(jwt.encode(two_audiences, key, algorithm="RS256", headers={"kid": kid}))


def test_the_discovery_document_must_name_the_configured_issuer(provider: OidcProvider) -> None:
    settings = OidcSettings(issuer=provider.issuer + "/", client_id="c")
    with pytest.raises(IdentityError, match="another issuer"):
        OidcClient(settings, "http://127.0.0.1:1/cb").start()


def test_roles_map_to_the_highest_and_pkce_is_s256() -> None:
    settings = OidcSettings(issuer="https://login.example.org/t/v2.0", client_id="c", roles_claim="groups",
                            role_map={"g-triage": "triage", "g-admin": "admin", "g-manager": "manager"})
    assert role_of({"groups": ["x", "g-triage", "g-manager"]}, settings) == Role.MANAGER
    assert role_of({"groups": "g-admin"}, settings) == Role.ADMIN
    assert role_of({"groups": ["x"]}, settings) is None and role_of({}, settings) is None
    # RFC 7636 appendix B's example verifier and challenge.
    assert pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

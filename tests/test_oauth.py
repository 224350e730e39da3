"""intake.mail.oauth: msal client-credentials tokens (with a fake msal app), and a real XOAUTH2 login on Dovecot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from intake.config.settings import AccountSettings, AuthMethod, OAuth2Settings, Security
from intake.mail.mailbox import Mailbox, MailboxAuthError, MailboxConnectionError
from intake.mail.oauth import (
    RENEW_MARGIN_SECONDS,
    MsalTokenSource,
    OAuthError,
    OAuthUnavailableError,
    StaticTokenSource,
    build_xoauth2,
)
from tests.support.imap_server import DovecotServer, TokenIntrospection, dovecot_available

SECRET = "Very-Secret-Client-Value~123"
OAUTH = OAuth2Settings(tenant_id="contoso-tenant", client_id="11111111-2222-3333-4444-555555555555")
SKIP_REASON = dovecot_available()


class FakeApp:
    """Stands in for msal.ConfidentialClientApplication: hands out numbered tokens or a refusal."""

    def __init__(self, results: list[dict[str, Any]] | None = None) -> None:
        self.results = results
        self.calls: list[list[str]] = []

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        self.calls.append(scopes)
        if self.results:
            return self.results.pop(0)
        return {"access_token": f"token-{len(self.calls)}", "expires_in": 3600, "token_type": "Bearer"}


class FakeFactory:
    """Records how the msal app would be built."""

    def __init__(self, app: FakeApp) -> None:
        self.app = app
        self.built: list[dict[str, Any]] = []

    def __call__(self, client_id: str, **kwargs: Any) -> FakeApp:
        self.built.append({"client_id": client_id, **kwargs})
        return self.app


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_token_is_cached_and_renewed_a_margin_before_expiry() -> None:
    app, clock = FakeApp(), Clock()
    factory = FakeFactory(app)
    source = MsalTokenSource(OAUTH, env={"INTAKE_OAUTH_CLIENT_SECRET": SECRET}, app_factory=factory, clock=clock)
    assert source.token() == "token-1"
    clock.now += 3600 - RENEW_MARGIN_SECONDS - 1
    assert source.token() == "token-1"
    clock.now += 2  # now inside the safety margin
    assert source.token() == "token-2"
    assert app.calls == [["https://outlook.office365.com/.default"]] * 2
    assert factory.built == [
        {
            "client_id": OAUTH.client_id,
            "client_credential": SECRET,
            "authority": "https://login.microsoftonline.com/contoso-tenant",
            "timeout": 30.0,
        }
    ]


def test_a_refusal_is_a_clear_error_with_msal_codes_and_without_the_secret() -> None:
    refusal = {
        "error": "invalid_client",
        "error_description": f"AADSTS7000215: Invalid client secret provided. Secret {SECRET}\r\nTrace ID: x",
        "error_codes": [7000215],
        "correlation_id": "c0ffee00-0000-0000-0000-000000000000",
    }
    source = MsalTokenSource(
        OAUTH, env={"INTAKE_OAUTH_CLIENT_SECRET": SECRET}, app_factory=FakeFactory(FakeApp([refusal])), account="team"
    )
    with pytest.raises(OAuthError) as caught:
        source.token()
    text = str(caught.value)
    assert "invalid_client" in text and "AADSTS7000215" in text and "c0ffee00" in text
    assert "account 'team'" in text and "contoso-tenant" in text
    assert SECRET not in text


def test_a_missing_secret_names_the_variable() -> None:
    source = MsalTokenSource(OAUTH, env={}, app_factory=FakeFactory(FakeApp()))
    with pytest.raises(OAuthError, match="INTAKE_OAUTH_CLIENT_SECRET"):
        source.token()


def test_an_unreachable_identity_platform_is_a_retryable_error() -> None:
    class DownApp(FakeApp):
        def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
            raise ConnectionRefusedError("refused")

    source = MsalTokenSource(OAUTH, env={"INTAKE_OAUTH_CLIENT_SECRET": SECRET}, app_factory=FakeFactory(DownApp()))
    with pytest.raises(OAuthUnavailableError):
        source.token()


def _write_pem(path: Path, *, with_certificate: bool) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "intake-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    path.write_text(key_pem + (cert_pem if with_certificate else ""), encoding="ascii")
    return cert_pem.strip()


def test_a_certificate_is_passed_to_msal_with_its_thumbprint(tmp_path: Path) -> None:
    pem = tmp_path / "intake.pem"
    cert_pem = _write_pem(pem, with_certificate=True)
    oauth = OAUTH.model_copy(update={"certificate_path": pem, "certificate_thumbprint": "AB:CD:EF:01"})
    factory = FakeFactory(FakeApp())
    assert MsalTokenSource(oauth, env={}, app_factory=factory).token() == "token-1"
    credential = factory.built[0]["client_credential"]
    assert credential["thumbprint"] == "ABCDEF01"
    assert credential["public_certificate"] == cert_pem
    assert "PRIVATE KEY" in credential["private_key"]


def test_a_bare_private_key_without_a_thumbprint_is_refused(tmp_path: Path) -> None:
    pem = tmp_path / "key-only.pem"
    _write_pem(pem, with_certificate=False)
    oauth = OAUTH.model_copy(update={"certificate_path": pem})
    with pytest.raises(OAuthError, match="certificate_thumbprint"):
        MsalTokenSource(oauth, env={}, app_factory=FakeFactory(FakeApp())).token()


def test_the_default_factory_builds_msal_confidential_client(tmp_path: Path, monkeypatch) -> None:
    import msal

    built: list[dict[str, Any]] = []

    def fake_confidential_client(client_id: str, **kwargs: Any) -> FakeApp:
        built.append({"client_id": client_id, **kwargs})
        return FakeApp()

    # msal's real constructor discovers the authority over the network; the arguments are what matter here.
    monkeypatch.setattr(msal, "ConfidentialClientApplication", fake_confidential_client)
    source = MsalTokenSource(OAUTH, env={"INTAKE_OAUTH_CLIENT_SECRET": SECRET})
    assert source.token() == "token-1"
    assert built == [
        {
            "client_id": OAUTH.client_id,
            "client_credential": SECRET,
            "authority": "https://login.microsoftonline.com/contoso-tenant",
            "timeout": 30.0,
        }
    ]


def test_build_xoauth2_matches_the_documented_format() -> None:
    assert build_xoauth2("intake@example.org", "abc") == "user=intake@example.org\x01auth=Bearer abc\x01\x01"


# --- a real XOAUTH2 login: Dovecot's oauth2 passdb asks a loopback introspection endpoint ----------------


@pytest.fixture
def oauth_dovecot() -> Iterator[tuple[DovecotServer, TokenIntrospection]]:
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    introspection = TokenIntrospection({"valid-access-token-1": "intake"}).start()
    server = DovecotServer(oauth2_introspection_url=introspection.url).start()
    yield server, introspection
    server.stop()
    introspection.stop()


def _oauth_account(server: DovecotServer) -> AccountSettings:
    return AccountSettings(
        name="m365-inbox",
        host=server.host,
        port=server.port,
        security=Security.NONE,
        username="intake",
        auth=AuthMethod.OAUTH2,
        oauth2=OAUTH,
        timeout_seconds=10,
    )


def test_mailbox_logs_in_with_xoauth2_and_the_token(oauth_dovecot: tuple[DovecotServer, TokenIntrospection]) -> None:
    server, introspection = oauth_dovecot
    server.append("intake", "INBOX", b"Subject: hello\r\n\r\nbody\r\n")
    with Mailbox(_oauth_account(server), token_source=StaticTokenSource("valid-access-token-1")) as mailbox:
        assert [m.uid for m in mailbox.fetch_after("INBOX", after_uid=0)] == [1]
    assert introspection.seen == ["valid-access-token-1"]
    assert "method=XOAUTH2" in server.log_path.read_text()


def test_a_refused_token_is_an_auth_error_naming_the_account(
    oauth_dovecot: tuple[DovecotServer, TokenIntrospection],
) -> None:
    server, introspection = oauth_dovecot
    with pytest.raises(MailboxAuthError, match="m365-inbox") as caught:
        Mailbox(_oauth_account(server), token_source=StaticTokenSource("expired-access-token-9")).connect()
    assert "expired-access-token-9" not in str(caught.value)
    assert introspection.seen == ["expired-access-token-9"]


def test_token_source_failures_map_to_mailbox_errors(oauth_dovecot: tuple[DovecotServer, TokenIntrospection]) -> None:
    server, _ = oauth_dovecot

    class Refusing:
        def token(self) -> str:
            raise OAuthError("tenant contoso-tenant: token refused: invalid_client")

    class Down:
        def token(self) -> str:
            raise OAuthUnavailableError("tenant contoso-tenant: identity platform unreachable")

    with pytest.raises(MailboxAuthError, match=r"m365-inbox.*invalid_client"):
        Mailbox(_oauth_account(server), token_source=Refusing()).connect()
    with pytest.raises(MailboxConnectionError, match="m365-inbox"):
        Mailbox(_oauth_account(server), token_source=Down()).connect()

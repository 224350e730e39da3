"""Sign-in with OpenID Connect in Debian's chromium, against a real provider on loopback (tests/support/
oidc_provider.py): a mapped-role round trip, and refusals for a wrong audience, an expired ID token, a replayed
state and a user whose groups map to no role. Each refusal is in the audit trail with the name tried."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from intake.store.models import AuditEvent, AuthSource, User
from tests.support.browser import chromium_missing, free_port, launch_chromium, seeded_runtime, served
from tests.support.oidc_provider import OidcProvider

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]

MANAGER_GROUP = "6f1c2a9e-0000-4000-8000-00000000a001"  # an Entra security group's object id


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    server = OidcProvider().start()
    yield server
    server.stop()


@pytest.fixture
def site(provider: OidcProvider, sqlite_url: str, tmp_path: Path) -> Iterator[tuple[str, object]]:
    port = free_port()
    provider.redirect_uris.append(f"http://127.0.0.1:{port}/signin/oidc/callback")
    extra = (f"web:\n  oidc:\n    issuer: {provider.issuer}\n    client_id: {provider.client_id}\n"
             f"    label: Sign in with your council account\n    roles_claim: groups\n"
             f"    role_map:\n      {MANAGER_GROUP}: manager\n      Intake.Admin: admin\n")
    runtime = seeded_runtime(tmp_path, sqlite_url, extra_yaml=extra,
                             env={"INTAKE_WEB_PORT": str(port), "INTAKE_OIDC_CLIENT_SECRET": provider.client_secret})
    with served(runtime, port) as base:
        yield base, runtime


def _user(name: str, groups: list[str]) -> dict[str, object]:
    return {"sub": "sub-" + name, "preferred_username": f"{name}@rbwm.example.org", "name": name.title(),
            "groups": groups}


def _refusals(runtime) -> list[dict]:
    with Session(runtime.engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == "sign_in_refused")
                            .order_by(col(AuditEvent.id))).all()
        return [r.detail for r in rows]


def test_oidc_round_trip_and_refusals(site, provider: OidcProvider) -> None:
    from playwright.sync_api import sync_playwright

    base, runtime = site
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        callbacks: list[str] = []
        page.on("request", lambda r: callbacks.append(r.url) if "/signin/oidc/callback" in r.url else None)

        provider.user = _user("mona.manager", ["unrelated-group", MANAGER_GROUP])
        page.goto(f"{base}/")
        page.click("text=Sign in with your council account")
        assert page.locator("h1").inner_text() == "Referral queue"
        assert "mona.manager@rbwm.example.org (manager)" in page.locator(".who").inner_text()
        request = provider.token_requests[-1]
        assert request["code_verifier"] and request["grant_type"] == "authorization_code"

        page.goto(callbacks[-1])  # the same response again: its state was used once already
        assert page.locator("h1").inner_text() == "Sign-in refused"
        assert "already used" in page.content()

        context = browser.new_context()  # a fresh browser for each refusal below
        page = context.new_page()
        provider.audience = "some-other-application"
        page.goto(f"{base}/signin/oidc")
        assert "Sign-in refused" in page.content() and "another application" in page.content()
        provider.audience = None

        provider.lifetime_seconds = -600
        page.goto(f"{base}/signin/oidc")
        assert "has expired" in page.content()
        provider.lifetime_seconds = 300

        provider.user = _user("nora.norole", ["unrelated-group"])
        page.goto(f"{base}/signin/oidc")
        assert "no role in this service" in page.content()
        page.goto(f"{base}/")
        assert page.url.endswith("/signin")  # refused means no session

        provider.user = _user("ada.admin", ["Intake.Admin"])
        page.click("text=Sign in with your council account")
        assert "ada.admin@rbwm.example.org (administrator)" in page.locator(".who").inner_text()
        browser.close()

    reasons = [(d.get("name_tried", ""), d["reason"]) for d in _refusals(runtime)]
    assert [r for _, r in reasons if "already used" in r]
    assert [r for _, r in reasons if "audience" in r]
    assert [r for _, r in reasons if "expired" in r]
    assert ("nora.norole@rbwm.example.org", "the account has no role in this service (no mapped group or app role)") \
        in reasons
    with Session(runtime.engine) as session:
        mona = session.exec(select(User).where(User.username == "mona.manager@rbwm.example.org")).one()
        assert (mona.role, mona.auth_source) == ("manager", AuthSource.OIDC)
        assert session.exec(select(User).where(User.username == "nora.norole@rbwm.example.org")).first() is None

"""The web UI's defences over HTTP: sessions, CSRF on every POST, roles on every route, headers, escaping."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from intake.store.models import CaseField
from tests.support.browser import PASSWORDS, csrf_from, seeded_runtime, served, signed_in_client


@pytest.fixture
def site(sqlite_url: str, tmp_path: Path):
    runtime = seeded_runtime(tmp_path, sqlite_url)
    with served(runtime) as base:
        yield runtime, base


def test_every_page_but_sign_in_needs_a_session(site) -> None:
    _, base = site
    client = httpx.Client(base_url=base)
    for path in ("/", "/cases/SAR-2026-0001", "/health", "/audit", "/export.csv", "/messages/1.eml"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/signin", path
    assert client.get("/signin").status_code == 200


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(site) -> None:
    _, base = site
    from intake.web.app import ROUTE_MODULES

    client = signed_in_client(base, "ada")
    routes = [r for m in ROUTE_MODULES for r in m.router.routes]
    posts = [r.path for r in routes if "POST" in r.methods and r.path != "/signin"]
    assert len(posts) >= 10
    for path in posts:
        url = path.replace("{reference}", "SAR-2026-0001").replace("{message_pk}", "3").replace("{outbox_id}", "1")
        for data in ({"text": "x"}, {"text": "x", "csrf_token": "f" * 64}):
            assert client.post(url, data=data).status_code == 403, url
    signin_client = httpx.Client(base_url=base)
    refused = signin_client.post("/signin", data={"username": "ada", "password": PASSWORDS["ada"]})
    assert refused.status_code == 403  # the sign-in form has its own token too


def test_roles_are_checked_on_every_action(site) -> None:
    _, base = site
    expected = {"tina": {"/": 200, "/health": 200, "/export.csv": 403, "/audit": 403},
                "mona": {"/": 200, "/health": 200, "/export.csv": 200, "/audit": 403},
                "ada": {"/": 200, "/health": 200, "/export.csv": 200, "/audit": 200}}
    for username, pages in expected.items():
        client = signed_in_client(base, username)
        assert {path: client.get(path).status_code for path in pages} == pages, username


def test_cookies_and_security_headers(site) -> None:
    _, base = site
    client = httpx.Client(base_url=base)
    token = csrf_from(client.get("/signin").text)
    response = client.post("/signin", data={"username": "ada", "password": PASSWORDS["ada"], "csrf_token": token},
                           headers={"X-Forwarded-Proto": "https"})
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "intake_session" in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    page = signed_in_client(base, "ada").get("/cases/SAR-2026-0001")
    csp = page.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in page.text and " style=" not in page.text


def test_what_a_referrer_wrote_is_escaped(site) -> None:
    runtime, base = site
    client = signed_in_client(base, "ada")
    page = client.get("/cases/SAR-2026-0001")
    client.post("/cases/SAR-2026-0001/fields", data={"name": "subject.surname", "value": "<script>alert(1)</script>",
                                                     "csrf_token": csrf_from(page.text)})
    html = client.get("/cases/SAR-2026-0001").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    with Session(runtime.engine) as session:
        rows = session.exec(select(CaseField).where(CaseField.name == "subject.surname", CaseField.current)).all()
    assert "<script>alert(1)</script>" in {r.value for r in rows}  # kept as written, escaped only on output


def test_wrong_passwords_make_this_address_wait_with_the_same_answer(site) -> None:
    _, base = site
    client = httpx.Client(base_url=base)
    for _ in range(5):
        token = csrf_from(client.get("/signin").text)
        assert client.post("/signin", data={"username": "tina", "password": "wrong", "csrf_token": token}
                           ).status_code == 401
    token = csrf_from(client.get("/signin").text)
    waiting = client.post("/signin", data={"username": "tina", "password": PASSWORDS["tina"], "csrf_token": token})
    assert waiting.status_code == 401 and re.search("locked", waiting.text)


def test_security_headers_hsts_over_https_and_a_permissions_policy(site) -> None:
    _, base = site
    client = httpx.Client(base_url=base)
    plain = client.get("/signin")
    assert "strict-transport-security" not in plain.headers  # browsers ignore it over http anyway
    policy = plain.headers["permissions-policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    behind_tls = client.get("/signin", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.headers["strict-transport-security"] == "max-age=31536000"
    assert "permissions-policy" in client.get("/static/app.css").headers


def test_hsts_when_the_base_url_is_https() -> None:
    from starlette.requests import Request

    from intake.config.settings import WebSettings
    from intake.web.security import Guard

    request = Request({"type": "http", "scheme": "http", "headers": [], "path": "/", "server": ("x", 80)})
    assert Guard(None, WebSettings(base_url="https://triage.example.org")).https(request)  # type: ignore[arg-type]
    assert not Guard(None, WebSettings(base_url="http://localhost:8000")).https(request)  # type: ignore[arg-type]


def test_only_known_notices_are_shown_never_text_from_the_link(site) -> None:
    _, base = site
    ada = signed_in_client(base, "ada")
    phishing = "Your session has expired. Call 0800 000 0000 to re-verify"
    for url in (f"/cases/SAR-2026-0001?done={phishing}", f"/?done={phishing}", f"/health?done={phishing}",
                f"/accounts?done={phishing}", f"/accounts?error={phishing}", f"/messages/3/file?error={phishing}",
                f"/admin/mappings?done={phishing}",
                f"/health?done=filed_as_case&message=3&ref={phishing}",  # a known key with a forged parameter
                "/accounts?done=user_added&user=call-0800-000-0000&role=admin",  # a name no account has
                "/cases/SAR-2026-0001?done=step_recorded&step=call-0800"):
        page = ada.get(url)
        assert page.status_code == 200, url
        assert "0800" not in page.text and 'class="notice"' not in page.text, url
    shown = {"/cases/SAR-2026-0001?done=decision_recorded": "decision recorded",
             "/health?done=filed_as_case&message=3&ref=SAR-2026-0001": "message 3: filed as SAR-2026-0001",
             "/accounts?done=user_added&user=tina&role=triage": "user tina added as triage",
             "/cases/SAR-2026-0001?done=attachment_read&count=4": "attachment read: 4 field(s)"}
    for url, text in shown.items():
        assert re.search(f'class="notice"[^>]*>{re.escape(text)}<', ada.get(url).text), url


def test_a_refused_account_change_says_why_on_the_page_itself(site) -> None:
    _, base = site
    ada = signed_in_client(base, "ada")
    page = ada.get("/accounts")
    refused = ada.post("/accounts", data={"username": "newbie", "password": "short", "role": "triage",
                                          "csrf_token": csrf_from(page.text)})
    assert refused.status_code == 400 and "at least 10 characters" in refused.text
    added = ada.post("/accounts", data={"username": "newbie", "password": "long enough pw", "role": "triage",
                                        "csrf_token": csrf_from(page.text)})
    assert added.status_code == 303 and "done=user_added" in added.headers["location"]
    assert "user newbie added as triage" in ada.get(added.headers["location"]).text


def test_bidi_overrides_and_control_characters_from_mail_are_shown_visibly(site) -> None:
    runtime, base = site
    from tests.support.browser import SAR_BODY, take_in
    from tests.support.mailfactory import make_email

    rlo = "\u202e"
    outcome = take_in(runtime, make_email(
        sender=f'"Sarah{rlo}snilloC" <sarah.collins@frimley.example.org>', subject=f"SAR referral {rlo}tnegru",
        body=SAR_BODY.replace("Margaret Testperson", "Margaret Test\u2066person\u0007"),
        message_id="<bidi-1@frimley.example.org>",
        attachments=[(f"referral{rlo}xcod.exe", b"MZ not really a program", "application/octet-stream")]))
    page = signed_in_client(base, "tina").get(f"/cases/{outcome.case_reference}")
    assert page.status_code == 200
    for hidden in (rlo, "\u2066", "\u0007"):
        assert hidden not in page.text
    assert "referral⟨U+202E⟩xcod.exe" in page.text  # the file name, as it really is
    assert "SAR referral ⟨U+202E⟩tnegru" in page.text  # the subject
    assert "⟨U+2066⟩" in page.text and "⟨U+0007⟩" in page.text  # a field value
    with Session(runtime.engine) as session:  # kept as it came: shown visibly, not changed
        values = {str(r.value) for r in session.exec(select(CaseField).where(CaseField.name == "subject.surname"))}
    assert any("\u2066" in v for v in values), values

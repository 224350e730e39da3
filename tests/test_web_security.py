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


def test_lock_out_after_repeated_wrong_passwords(site) -> None:
    _, base = site
    client = httpx.Client(base_url=base)
    for _ in range(5):
        token = csrf_from(client.get("/signin").text)
        assert client.post("/signin", data={"username": "tina", "password": "wrong", "csrf_token": token}
                           ).status_code == 401
    token = csrf_from(client.get("/signin").text)
    locked = client.post("/signin", data={"username": "tina", "password": PASSWORDS["tina"], "csrf_token": token})
    assert locked.status_code == 401 and re.search("locked", locked.text)

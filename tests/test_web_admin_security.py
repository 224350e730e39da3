"""The pages of accounts, reports, digest, quarantine filing and OIDC: sessions, roles and CSRF on each."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.browser import seeded_runtime, served, signed_in_client

PAGES = ("/accounts", "/reports", "/reports.csv", "/digest", "/messages/3/file")


@pytest.fixture
def site(sqlite_url: str, tmp_path: Path):
    runtime = seeded_runtime(tmp_path, sqlite_url)
    with served(runtime) as base:
        yield runtime, base


def test_sessions_and_roles(site) -> None:
    _, base = site
    anonymous = httpx.Client(base_url=base)
    for path in PAGES:
        response = anonymous.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/signin", path
    expected = {"tina": {"/accounts": 403, "/reports": 403, "/reports.csv": 403, "/digest": 403,
                         "/messages/3/file": 200},
                "mona": {"/accounts": 403, "/reports": 200, "/reports.csv": 200, "/digest": 200,
                         "/messages/3/file": 200},
                "ada": dict.fromkeys(PAGES, 200)}
    for username, pages in expected.items():
        client = signed_in_client(base, username)
        assert {path: client.get(path).status_code for path in pages} == pages, username
    # Without OIDC configured, its routes refuse rather than fail.
    assert anonymous.get("/signin/oidc").status_code == 401


def test_every_new_post_refuses_a_missing_or_wrong_csrf_token(site) -> None:
    _, base = site
    from intake.web import accounts, quarantine

    client = signed_in_client(base, "ada")
    posts = [r.path for m in (accounts, quarantine) for r in m.router.routes if "POST" in r.methods]
    assert len(posts) == 6
    for path in posts:
        url = path.replace("{username}", "tina").replace("{message_pk}", "3")
        for data in ({"role": "admin", "username": "eve", "password": "p" * 12},
                     {"role": "admin", "csrf_token": "f" * 64}):
            assert client.post(url, data=data).status_code == 403, url


def test_the_digest_page_allows_only_inline_styles_and_its_chart(site) -> None:
    _, base = site
    page = signed_in_client(base, "mona").get("/digest")
    csp = page.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp and "img-src data:" in csp
    assert "<script" not in page.text

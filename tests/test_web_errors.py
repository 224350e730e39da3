"""Error pages: a friendly page with a title, never a traceback, raw JSON or what the exception said."""

from __future__ import annotations

from pathlib import Path

from tests.support.browser import seeded_runtime


def test_an_unexpected_error_is_a_friendly_page_that_names_no_detail(sqlite_url: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from intake.web.app import create_app

    app = create_app(seeded_runtime(tmp_path, sqlite_url))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("Margaret Testperson's record is broken")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500 and "<title>Something went wrong" in response.text
    assert "Testperson" not in response.text and "Traceback" not in response.text

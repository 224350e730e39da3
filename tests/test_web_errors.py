"""Error pages: a friendly page with a title, never a traceback, raw JSON or what the exception said."""

from __future__ import annotations

import re
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


def test_staff_pages_word_every_code_and_show_no_raw_json(sqlite_url: str, tmp_path: Path) -> None:
    from tests.support.browser import served, signed_in_client

    runtime = seeded_runtime(tmp_path, sqlite_url)
    with served(runtime) as base:
        client = signed_in_client(base, "ada")
        case = client.get("/cases/SAR-2026-0001").text
        audit = client.get("/audit").text
        queue = client.get("/?status=all").text
    for page in (case, audit, queue):
        shown = re.sub(r"<[^>]+>", " ", page)  # what staff read: text, not attribute values
        for code in ("deadline_estimated", "needs_information", "not_applicable", "no_form", "False", '{"'):
            assert code not in shown, code
    assert "viewed the case" in audit and "viewed the case" not in case.split('id="history-h"')[1]
    assert "no form attached" in case and "SAR mandatory" in queue

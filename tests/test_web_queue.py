"""The queue: deadline order, filters, search, keyset pages — and a page that still renders at 100,000 cases."""

from __future__ import annotations

import re
import time
from pathlib import Path

from sqlmodel import Session

from intake.web.queue import Cursor, QueueFilter, queue_page
from tests.support.browser import bulk_cases, seeded_runtime, served, signed_in_client


def test_pages_follow_the_nearest_deadline_with_undated_cases_last(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    bulk_cases(runtime.engine, 120)
    seen, after = [], None
    with Session(runtime.engine) as session:
        while True:
            page = queue_page(session, QueueFilter(status="all"), after=after, size=25)
            seen += [(c.nearest_deadline, c.id) for c in page.cases]
            if page.next_cursor is None:
                break
            after = Cursor.decode(page.next_cursor.encode())
    dated = [s for s in seen if s[0] is not None]
    assert len(seen) == 122 and len({s[1] for s in seen}) == 122
    assert seen[:len(dated)] == sorted(dated) and all(s[0] is None for s in seen[len(dated):])


def test_filters_and_search(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    bulk_cases(runtime.engine, 60)
    with Session(runtime.engine) as session:
        def refs(**kwargs: str) -> list[str]:
            return [c.reference for c in queue_page(session, QueueFilter(**kwargs), size=500).cases]

        assert refs(q="testperson") == ["SAR-2026-0001"]
        assert refs(q="SAR-2026-0001") == ["SAR-2026-0001"]
        assert all(c.track == "child" for c in queue_page(session, QueueFilter(track="child"), size=500).cases)
        assert all(c.assignee is None for c in queue_page(session, QueueFilter(assignee="-"), size=500).cases)
        assert all(c.sar == "mandatory" for c in queue_page(session, QueueFilter(decision="sar:mandatory")).cases)
        flagged = queue_page(session, QueueFilter(flag="no_form"), size=500).cases
        assert flagged and all("no_form" in c.flags for c in flagged)
        assert refs(q="%") == [] and refs(q="_") == []  # LIKE wildcards are literal


def test_the_queue_renders_at_100000_cases(sqlite_url: str, tmp_path: Path, capsys) -> None:
    runtime = seeded_runtime(tmp_path, sqlite_url)
    started = time.perf_counter()
    bulk_cases(runtime.engine, 100_000)
    seeded = time.perf_counter() - started
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        timings = {}
        for name, path in (("first page", "/"), ("filtered", "/?track=child&status=new"),
                           ("name search", "/?q=Cobham"), ("unassigned", "/?assignee=-")):
            started = time.perf_counter()
            response = client.get(path)
            timings[name] = time.perf_counter() - started
            assert response.status_code == 200 and response.text.count("<tr>") >= 50, name
        next_link = re.search(r'rel="next" href="([^"]+)"', client.get("/").text).group(1).replace("&amp;", "&")
        for _ in range(3):
            page = client.get(next_link)
            assert page.status_code == 200 and page.text.count("<tr>") >= 50
            next_link = re.search(r'rel="next" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    with capsys.disabled():
        figures = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items())
        print(f"\n100k cases: seeded in {seeded:.1f}s; {figures}")


def test_search_by_name_nhs_number_date_of_birth_and_postcode(db_url: str, tmp_path: Path) -> None:
    from tests.support.desk import every_kind_case

    runtime = seeded_runtime(tmp_path, db_url)
    reference = every_kind_case(runtime)  # Margaret Ellen Whitfield, 12/03/1941, 943 476 5919, SL4 5UB
    with Session(runtime.engine) as session:
        def refs(q: str) -> list[str]:
            return [c.reference for c in queue_page(session, QueueFilter(q=q, status="all"), size=500).cases]

        for query in ("Margaret Whitfield", "whitfield margaret", "WHITF", "9434765919", "943 476 5919",
                      "12/03/1941", "12.3.41", "12 March 1941", "SL4 5UB", "sl45ub", reference):
            assert refs(query) == [reference], query
        assert refs("Margaret") == sorted(["SAR-2026-0001", reference])  # Margaret Testperson too
        assert refs("13/03/1941") == [] and refs("SL4 5UC") == []

"""Helpers for the web tests: a seeded runtime, uvicorn in a thread on a free port, and Playwright's chromium."""

from __future__ import annotations

import dataclasses
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import insert
from sqlmodel import Session

from intake.runtime import Runtime, build_runtime
from intake.store import ledger
from intake.store.models import Role
from intake.store.users import add_user
from intake.web.app import create_app
from tests.conftest import REPO, make_settings
from tests.support.mailfactory import make_email

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The README's screenshots are rewritten only when asked (`INTAKE_UPDATE_SCREENSHOTS=1 make test`): an ordinary
# run writes them to a scratch folder, so running the tests leaves the checkout as it was.
SCREENSHOTS = (REPO / "docs" / "screenshots" if os.environ.get("INTAKE_UPDATE_SCREENSHOTS") == "1"
               else Path(tempfile.gettempdir()) / f"intake-screenshots-{os.getuid()}")
PASSWORDS = {"tina": "triage-password-1", "mona": "manager-password-1", "ada": "admin-password-1"}
ROLES = {"tina": Role.TRIAGE, "mona": Role.MANAGER, "ada": Role.ADMIN}

SAR_BODY = """Please treat this as a SAR referral.

Name: Margaret Testperson
Date of birth: 01/02/1950
Date of death: 03/03/2026
Care and support needs: Yes
Abuse or neglect: suspected (neglect)
Concern about how agencies worked together: Yes
Referrer: Sarah Collins, Safeguarding Lead, Frimley ICB
"""

CHILD_BODY = """Children's case referral.

Name: Oliver Fictional
Date of birth: 05/06/2015
Date of incident: 02/03/2026
Seriously harmed: yes
Abuse or neglect: suspected
"""


def chromium_missing() -> str | None:
    """None when Debian's chromium is installed, else the skip reason."""
    return None if Path(CHROMIUM).exists() else "apt-get install chromium"


def seeded_runtime(tmp_path: Path, db_url: str, *, extra_yaml: str = "", env: dict[str, str] | None = None) -> Runtime:
    """A runtime with three users, two referrals (an adult's and a child's) and one quarantined message."""
    runtime = build_runtime(make_settings(tmp_path, db_url=db_url, extra_yaml=extra_yaml,
                                          env={"INTAKE_WEB_SECRET": "test-secret-" + "x" * 20, **(env or {})}))
    with Session(runtime.engine) as session:
        for name, password in PASSWORDS.items():
            add_user(session, username=name, password=password, role=ROLES[name])
    take_in(runtime, make_email(subject="SAR referral", body=SAR_BODY, message_id="<sar-1@frimley.example.org>"))
    take_in(runtime, make_email(subject="Child referral", body=CHILD_BODY, message_id="<child-1@example.org>"))
    quarantine_one(runtime)
    return runtime


def take_in(runtime: Runtime, raw: bytes):
    """Store and process one message, as the poller would."""
    with Session(runtime.engine) as session:
        stored = ledger.store_raw(session, raw, source="file")
    return runtime.pipeline.process(stored.message_pk)


def quarantine_one(runtime: Runtime) -> int:
    """A message that a broken stage quarantines (the stage is mended again afterwards)."""
    good = runtime.pipeline._stages

    def broken(text: str):
        raise RuntimeError("the reader fell over")

    runtime.pipeline._stages = dataclasses.replace(good, read_body=broken)
    try:
        outcome = take_in(runtime, make_email(subject="Referral", body="Name: Quentin Quarantine\nDate of birth: "
                                              "01/01/1960", message_id="<broken-1@example.org>"))
    finally:
        runtime.pipeline._stages = good
    return outcome.message_pk


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(runtime: Runtime, port: int | None = None) -> Iterator[str]:
    """The web app under uvicorn in a thread on a (free) loopback port; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning",
                                           **runtime.settings.web.server_options()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def signed_in_client(base_url: str, username: str) -> httpx.Client:
    """An httpx client that has signed in as `username` (with the sign-in form's CSRF token)."""
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
    token = csrf_from(client.get("/signin").text)
    response = client.post("/signin", data={"username": username, "password": PASSWORDS[username],
                                            "csrf_token": token})
    assert response.status_code == 303, response.text
    return client


def csrf_from(html: str) -> str:
    """The first CSRF token in a page."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def launch_chromium(playwright):
    """Debian's chromium, headless, without network side-traffic."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      env={**os.environ, "HOME": os.environ.get("HOME", "/tmp")})


SURNAMES = ("Ashdown", "Brightwell", "Cobham", "Dorney", "Eton", "Fifield", "Holyport", "Knowl", "Littlewick",
            "Maidenhead", "Oakley", "Pinkneys", "Sunningdale", "Touchen", "Waltham", "Woodlands")


def bulk_cases(engine, count: int, *, now: datetime | None = None, prefix: str = "SAR") -> None:
    """Insert `count` fictional cases (and a surname field each) in bulk: varied tracks, deadlines, statuses."""
    import random

    from intake.store.models import Case, CaseField

    now = now or datetime.now(UTC)
    rng = random.Random(7)
    statuses = ["new", "in_triage", "awaiting_information", "decided", "closed"]
    cases, fields = [], []
    for n in range(1, count + 1):
        child = n % 3 == 0
        received = now - timedelta(days=rng.randint(0, 83), hours=rng.randint(0, 23))
        deadline = (received + timedelta(days=rng.randint(5, 21))).date() if n % 4 else None
        cases.append({
            "id": 1000 + n, "reference": f"{'CSPR' if child else prefix}-{received.year}-B{n:06d}",
            "status": statuses[n % 5], "received_at": received, "sender": "referrer@example.org",
            "form_type": "child_referral" if child else "sar_referral", "track": "child" if child else "adult",
            "cspr": ("met" if n % 2 else "needs_information") if child else "not_applicable",
            "sar": "not_applicable" if child else ("mandatory", "discretionary", "needs_information")[n % 3],
            "reasons": ["bulk test case"], "signposts": [], "flags": ["no_form"] if n % 7 == 0 else [],
            "panel_notification": deadline, "rapid_review": None, "nearest_deadline": deadline, "triage": {},
            "duplicate_of": None, "acknowledged": True, "assignee": "tina" if n % 5 == 1 else None,
            "created_at": received, "updated_at": received})
        fields.append({"case_pk": 1000 + n, "name": "subject.surname", "value": SURNAMES[n % len(SURNAMES)],
                       "source": "bulk", "confidence": 0.9, "label": "Surname", "inferred": False, "current": True,
                       "corrected_by": None, "created_at": received})
    with engine.begin() as connection:
        for start in range(0, count, 5000):
            connection.execute(insert(Case), cases[start:start + 5000])
            connection.execute(insert(CaseField), fields[start:start + 5000])

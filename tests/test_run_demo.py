"""What `make run` starts: the service on the demo mailbox, its cases in the web UI, its mail kept locally."""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from demo.mailbox import demo_messages, write_maildir
from tests.conftest import REPO
from tests.support.browser import csrf_from, free_port


def _wait_until_up(base: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode(errors="replace")[-3000:]
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the service did not answer within {seconds}s")


def test_the_demo_service_shows_its_cases_to_the_demo_user_within_a_minute(tmp_path: Path) -> None:
    demo = tmp_path / "demo-mailbox"
    write_maildir(demo, demo_messages(datetime.now(UTC).replace(microsecond=0)))
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text("mailbox_address: safeguarding.partnership@rbwm.example.org\n"
                      f"web:\n  port: {port}\n  base_url: http://127.0.0.1:{port}\n")
    env = {**os.environ, "INTAKE_CONFIG": str(config), "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    sent = tmp_path / "sent"
    process = subprocess.Popen([sys.executable, str(REPO / "service.py"), "run", "--demo-user", "--demo-mail",
                                str(sent), "--ingest", str(demo)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, 60)
        client = httpx.Client(base_url=base, timeout=30)
        assert client.get("/").status_code in (302, 303)  # nothing without signing in
        token = csrf_from(client.get("/signin").text)
        signed_in = client.post("/signin", data={"username": "demo", "password": "demo-password",
                                                 "csrf_token": token})
        assert signed_in.status_code == 303
        queue = client.get("/").text
        assert queue.count('href="/cases/') >= 8 and "SAR-" in queue and "CSPR-" in queue
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(mailbox.Maildir(sent, create=False)) < 8:
            time.sleep(0.5)
        assert len(mailbox.Maildir(sent, create=False)) == 8  # one acknowledgement per case, none to robots
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    log = process.stderr.read().decode(errors="replace")
    assert "demo-password" in log  # make run says so on start-up

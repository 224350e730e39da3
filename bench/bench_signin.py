"""Benchmark: a case page while wrong sign-ins are posted (run by hand).

    .venv/bin/python bench/bench_signin.py [--clients 8] [--pages 40]

The web UI is served by uvicorn in a child process over a fresh SQLite database (the seeded test runtime: three
users, two cases). A signed-in reader fetches a case page `--pages` times, first with nothing else going on
(idle), then while `--clients` threads post wrong passwords as fast as the server answers (each argon2 check is
real work, and the throttle keeps checking them: a throttled attempt costs the same as any other). It prints the
median and worst case-page time in each phase and the rate of sign-ins answered. Issue 13's probe measured 0.9 s
median and 18.8 s worst under 8 such clients when every sign-in held SQLite's write lock during argon2; the
figures since are in README's Benchmarks section.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def serve(folder: str, port: int) -> None:
    """The child: seed a runtime and serve it until killed."""
    import uvicorn

    from intake.web.app import create_app
    from tests.support.browser import seeded_runtime

    runtime = seeded_runtime(Path(folder), f"sqlite:///{folder}/intake.db")
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="error",
                                           access_log=False, **runtime.settings.web.server_options()))
    server.run()


def page_times(client: httpx.Client, reference: str, count: int) -> list[float]:
    """Seconds for each of `count` case page fetches, one after another."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(f"/cases/{reference}")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return times


def _wait_for(base: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/signin", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def main() -> None:
    """Run both phases and print the figures."""
    from tests.support.browser import csrf_from, free_port, signed_in_client

    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        child = multiprocessing.get_context("spawn").Process(target=serve, args=(folder, port))
        child.start()
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base)
            reader = signed_in_client(base, "tina")
            reader.timeout = httpx.Timeout(120)
            page_times(reader, "SAR-2026-0001", 3)  # warm up
            idle = page_times(reader, "SAR-2026-0001", args.pages)
            stop = threading.Event()
            answered = [0] * args.clients

            def attack(n: int) -> None:
                client = httpx.Client(base_url=base, timeout=120)
                while not stop.is_set():
                    token = csrf_from(client.get("/signin").text)
                    name = "tina" if n % 2 else f"nobody{n}"  # a real name and unknown ones
                    client.post("/signin", data={"username": name, "password": "a wrong guess", "csrf_token": token})
                    answered[n] += 1

            attackers = [threading.Thread(target=attack, args=(n,), daemon=True) for n in range(args.clients)]
            started = time.perf_counter()
            for thread in attackers:
                thread.start()
            time.sleep(2)  # let the attack reach its pace
            loaded = page_times(reader, "SAR-2026-0001", args.pages)
            stop.set()
            elapsed = time.perf_counter() - started
            for thread in attackers:
                thread.join(120)
        finally:
            child.kill()
            child.join()
    print(f"idle:   median {statistics.median(idle) * 1000:.0f} ms, worst {max(idle) * 1000:.0f} ms "
          f"({len(idle)} pages)")
    print(f"attack: median {statistics.median(loaded) * 1000:.0f} ms, worst {max(loaded) * 1000:.0f} ms "
          f"({len(loaded)} pages) while {args.clients} clients had {sum(answered)} wrong sign-ins answered "
          f"({sum(answered) / elapsed:.1f}/s)")
    print(f"ratio of medians: {statistics.median(loaded) / statistics.median(idle):.1f}x")


if __name__ == "__main__":
    main()

"""Throughput against the floor, and arrival-to-acknowledgement latency (run by hand: `make bench`).

    .venv/bin/python bench/bench_throughput.py --messages 300 --latency 20

In one run, on a fresh Dovecot:
  floor      — one batched IMAP fetch, then pdfplumber's text of every PDF page and python-docx's paragraphs and
               cells of every Word file: the least any reader of these forms must do
  word/pdf   — `poll --once` (the service's own poll) on a backlog of Word and PDF forms, one worker per core
  mixed      — the same on a backlog of every layout (scans that need OCR and old .doc files that need
               LibreOffice too), with one worker, then one per core
  latency    — `service.py run` is started (IDLE on, SMTP to a local aiosmtpd sink); referrals are APPENDed one
               at a time and the time until each acknowledgement reaches the sink is taken; SQLite, then
               PostgreSQL when it answers on 127.0.0.1:5432
Peak memory is the whole service: the proportional set size (PSS) of its process and every descendant (the reader
processes, the forkserver, LibreOffice, Tesseract), sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import email
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from email.policy import default
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"
PG_ADMIN_URL = os.environ.get("INTAKE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# ---- backlogs ----

def _forms(mixed: bool) -> list[tuple[str, bytes, str]]:
    from demo.forms import CHILD_FORM, SAR_FORM, Layout, build

    layouts = [Layout.DOCX_TABLE, Layout.DOCX_LABEL_ABOVE, Layout.DOCX_CONTENT_CONTROLS, Layout.DOCX_LEGACY_FIELDS,
               Layout.PDF_ACROFORM_NAMED, Layout.PDF_ACROFORM_TOOLTIP, Layout.PDF_ACROFORM_POSITION,
               Layout.PDF_FLAT]
    if mixed:
        layouts.append(Layout.PDF_SCANNED)
    forms = []
    for form in (SAR_FORM, CHILD_FORM):
        for layout in layouts:
            name, data = build(form, layout)
            forms.append((name, data, PDF if name.endswith(".pdf") else DOCX))
    if mixed:
        forms.extend(_old_word(forms))
    return forms


def _old_word(forms: list[tuple[str, bytes, str]]) -> list[tuple[str, bytes, str]]:
    """Two old binary .doc forms, converted from Word tables by LibreOffice (skipped when it is absent)."""
    from tests.support.legacy_word import convert, libreoffice_missing

    if libreoffice_missing():
        print("note: LibreOffice absent; the mixed backlog has no .doc files")
        return []
    docx = [f for f in forms if f[0].endswith(".docx")][:2]
    with tempfile.TemporaryDirectory() as work:
        return [(name.replace(".docx", ".doc"), convert(data, "doc", Path(work)), DOC) for name, data, _ in docx]


def build_backlog(count: int, *, mixed: bool, tag: str) -> list[bytes]:
    """`count` referral emails cycling through the layouts, each from its own referrer."""
    from tests.support.mailfactory import make_email

    forms = _forms(mixed)
    return [make_email(message_id=f"<bench-{tag}-{n}@example.org>", subject=f"Referral {n}",
                       sender=f"referrer{n}@agency{n}.example.org", attachments=[forms[n % len(forms)]])
            for n in range(count)]


# ---- the floor ----

def run_floor(host: str, port: int, user: str, password: str, batch: int) -> dict:
    """One batched fetch, then the bare text of every PDF page and every Word paragraph and cell."""
    import docx
    import pdfplumber
    from imapclient import IMAPClient

    started = time.perf_counter()
    raws = []
    with IMAPClient(host, port, ssl=False, timeout=60) as imap:
        imap.login(user, password)
        imap.select_folder("INBOX", readonly=True)
        uids = sorted(imap.search(["UID", "1:*"]))
        for i in range(0, len(uids), batch):
            raws.extend(data[b"BODY[]"] for data in imap.fetch(uids[i:i + batch], ["BODY.PEEK[]"]).values())
    chars = 0
    for raw in raws:
        for part in email.message_from_bytes(raw, policy=default).iter_attachments():
            data = part.get_content()
            if part.get_content_type() == PDF:
                with pdfplumber.open(io.BytesIO(data)) as pdf:
                    chars += sum(len(page.extract_text() or "") for page in pdf.pages)
            elif part.get_content_type() == DOCX:
                document = docx.Document(io.BytesIO(data))
                chars += sum(len(p.text) for p in document.paragraphs)
                chars += sum(len(c.text) for t in document.tables for r in t.rows for c in r.cells)
    return {"messages": len(raws), "chars": chars, "seconds": time.perf_counter() - started}


# ---- the service's own poll ----

def _config(tmp: Path, name: str, *, host: str, port: int, user: str, workers: int | None,
            extra: str = "") -> Path:
    config = tmp / f"{name.replace('/', '-').replace(' ', '').replace(',', '-')}.yaml"
    config.write_text("mailbox_address: safeguarding.partnership@rbwm.example.org\n"
                      f"processing:\n  workers: {'null' if workers is None else workers}\n"
                      "accounts:\n"
                      f"  - name: bench\n    host: {host}\n    port: {port}\n    username: {user}\n"
                      "    security: none\n    after_processing: flag\n" + extra)
    return config


def run_poll(config: str, db_url: str, password: str) -> dict:
    """`poll --once`'s work in this process: every message taken in, read, classified and filed."""
    from intake.config.loader import load_settings
    from intake.runtime import build_runtime

    runtime = build_runtime(load_settings(Path(config), env={"INTAKE_DATABASE_URL": db_url,
                                                              "INTAKE_IMAP_PASSWORD": password}))
    started = time.perf_counter()
    [report] = runtime.poll_all()
    return {"messages": report.fetched, "processed": report.processed, "error": report.error,
            "seconds": time.perf_counter() - started}


class TreeSampler(threading.Thread):
    """The peak total resident set of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_bytes = pid, every, 0
        self.peak_parts: dict[str, int] = {}  # at the peak: bytes per program (python, soffice.bin, tesseract)
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.every):
            parts: dict[str, int] = {}
            for pid in _tree(self.pid):
                parts[_program(pid)] = parts.get(_program(pid), 0) + _rss(pid)
            if sum(parts.values()) > self.peak_bytes:
                self.peak_bytes, self.peak_parts = sum(parts.values()), parts

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak_bytes


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _parts(parts: dict[str, int]) -> str:
    """The peak's make-up, largest first: "python3 210 MB, soffice.bin 150 MB"."""
    return ", ".join(f"{name} {size / 2**20:.0f} MB" for name, size in sorted(parts.items(), key=lambda p: -p[1])
                     if size >= 2**20)


def _program(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def _rss(pid: int) -> int:
    """The process's proportional set size: its private pages plus its share of pages shared with others (the
    readers share the forkserver's imported parsers), so the sum over a tree is the memory it really holds."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def measure(command: list[str]) -> dict:
    """Run a child measurement, sampling its process tree's memory; its JSON result plus peak_mb."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    sampler = TreeSampler(process.pid)
    sampler.start()
    out, _ = process.communicate()
    peak = sampler.stop()
    if process.returncode:
        raise SystemExit(f"measurement failed: {' '.join(command)}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak / 2**20
    result["peak_parts"] = _parts(sampler.peak_parts)
    return result


# ---- arrival to acknowledgement ----

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_latency(server, tmp: Path, db_url: str, count: int, label: str) -> dict:
    """Start `service.py run`; APPEND referrals one at a time; seconds until each acknowledgement arrives."""
    from tests.support.smtp_server import SmtpServer

    smtp = SmtpServer().start()
    web_port = free_port()
    config = _config(tmp, f"run-{label}", host=server.host, port=server.port, user="intake", workers=None,
                     extra=f"smtp:\n  host: 127.0.0.1\n  port: {smtp.port}\n"
                           f"web:\n  port: {web_port}\npolling:\n  interval_seconds: 600\n")
    env = {**os.environ, "INTAKE_DATABASE_URL": db_url, "INTAKE_IMAP_PASSWORD": server.users["intake"],
           "INTAKE_CONFIG": str(config)}
    service = subprocess.Popen([sys.executable, str(REPO / "service.py"), "run"], env=env, cwd=str(REPO),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampler = TreeSampler(service.pid)
    sampler.start()
    try:
        _wait_ready(web_port)
        time.sleep(3)  # let IDLE settle after the start-up poll
        tag = uuid.uuid4().hex[:8]
        latencies = []
        for n, message in enumerate(build_backlog(count, mixed=False, tag=f"lat-{label}-{tag}")):
            recipient = f"referrer{n}@agency{n}.example.org"  # build_backlog's sender of message n
            started = time.perf_counter()
            server.append("intake", "INBOX", message)
            latencies.append(_wait_for(smtp, recipient, started, timeout=60))
            time.sleep(0.5)
    finally:
        service.terminate()
        service.wait(30)
        peak = sampler.stop()
        smtp.stop()
    latencies.sort()
    got = [x for x in latencies if x is not None]
    return {"count": count, "received": len(got), "p50": _percentile(got, 50), "p95": _percentile(got, 95),
            "max": max(got, default=None), "peak_mb": peak / 2**20, "peak_parts": _parts(sampler.peak_parts)}


def _wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("the service did not start")


def _wait_for(smtp, recipient: str, started: float, timeout: float) -> float | None:
    deadline = started + timeout
    while time.perf_counter() < deadline:
        with smtp.lock:
            if any(recipient in r.rcpt_tos for r in smtp.received):
                return time.perf_counter() - started
        time.sleep(0.02)
    return None


def _percentile(values: list[float], p: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def _pg_database() -> str | None:
    try:
        import sqlalchemy as sa

        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        name = "intake_bench_" + uuid.uuid4().hex[:8]
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        return sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    except Exception as exc:  # no PostgreSQL here: the SQLite figures stand alone
        print(f"note: PostgreSQL not reachable ({type(exc).__name__}); latency on SQLite only")
        return None


# ---- driver ----

def _child(args: argparse.Namespace) -> None:
    if args.child == "floor":
        result = run_floor(args.host, args.port, "intake", args.password, 25)
    else:
        result = run_poll(args.config, args.db, args.password)
    print(json.dumps(result))


def _backlog_run(server, tmp: Path, messages: list[bytes], runs: list[tuple[str, int]]) -> dict[str, dict]:
    """Empty the mailbox, load the backlog, then measure the floor and each (name, workers) service poll."""
    server.append("intake", "INBOX", messages)
    base = [sys.executable, __file__, "--host", server.host, "--port", str(server.port),
            "--password", server.users["intake"]]
    results = {"floor": measure([*base, "--child", "floor"])}
    for name, workers in runs:
        config = _config(tmp, name, host=server.host, port=server.port, user="intake", workers=workers)
        db = f"sqlite:///{config.with_suffix('.db')}"
        results[name] = measure([*base, "--child", "poll", "--config", str(config), "--db", db])
    return results


def main() -> None:
    """Every measurement of the issue in one run, printed as seconds and ratios to the floor."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--latency", type=int, default=20, help="referrals APPENDed while `run` is up")
    parser.add_argument("--only", choices=("word-pdf", "mixed", "latency"), action="append",
                        help="run only these parts (repeatable); all of them by default")
    parser.add_argument("--child", choices=("floor", "poll"), help=argparse.SUPPRESS)
    for name in ("host", "password", "config", "db"):
        parser.add_argument(f"--{name}", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    from tests.support.imap_server import DovecotServer

    cores = len(os.sched_getaffinity(0))
    parts = set(args.only or ("word-pdf", "mixed", "latency"))
    with tempfile.TemporaryDirectory() as work:
        tmp = Path(work)
        if "word-pdf" in parts:
            with DovecotServer() as server:
                word_pdf = _backlog_run(server, tmp, build_backlog(args.messages, mixed=False, tag="wp"),
                                        [("word/pdf", cores)])
            _print_backlog("Word/PDF backlog", word_pdf)
        if "mixed" in parts:
            with DovecotServer() as server:
                mixed = _backlog_run(server, tmp, build_backlog(args.messages, mixed=True, tag="mx"),
                                     [("mixed, 1 worker", 1), (f"mixed, {cores} workers", cores)])
            _print_backlog("mixed backlog", mixed)
            one, many = mixed["mixed, 1 worker"]["seconds"], mixed[f"mixed, {cores} workers"]["seconds"]
            print(f"  mixed speed-up with {cores} workers: {one / many:.2f}x")
        if "latency" in parts:
            _print_latency(tmp, args.latency)


def _print_latency(tmp: Path, count: int) -> None:
    from tests.support.imap_server import DovecotServer

    # A fresh Dovecot for each engine: on one mailbox the second service's start-up poll would take in the
    # first run's referrals again and acknowledge them before anything is APPENDed (a false 0.02 s).
    with DovecotServer() as server:
        lat = {"sqlite": run_latency(server, tmp, f"sqlite:///{tmp / 'run.db'}", count, "sqlite")}
    pg = _pg_database()
    if pg:
        with DovecotServer() as server:
            lat["postgresql"] = run_latency(server, tmp, pg, count, "postgresql")
    print("arrival to acknowledgement (`service.py run`, IDLE):")
    for name, r in lat.items():
        print(f"  {name:>10}: {r['received']}/{r['count']} acknowledged; p50 {_s(r['p50'])}, "
              f"p95 {_s(r['p95'])}, max {_s(r['max'])}; peak memory {r['peak_mb']:.0f} MB ({r['peak_parts']})")

def _print_backlog(title: str, results: dict[str, dict]) -> None:
    floor = results["floor"]["seconds"]
    print(f"{title}: {results['floor']['messages']} messages")
    for name, r in results.items():
        ratio = "" if name == "floor" else f" = {r['seconds'] / floor:.1f}x the floor"
        extra = f"; {r['messages']} fetched, {r['processed']}" if "processed" in r else ""
        extra += f"; ERROR {r['error']}" if r.get("error") else ""
        print(f"  {name:>18}: {r['seconds']:7.2f} s{ratio}; peak memory {r['peak_mb']:.0f} MB{extra}")
        print(f"  {'':>18}  at the peak: {r['peak_parts']}")


def _s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


if __name__ == "__main__":
    main()

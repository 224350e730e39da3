"""Benchmark of the intake spine on a real Dovecot (run by hand: `make bench` or this file).

    .venv/bin/python bench/bench_intake.py --messages 1000

A backlog of referral emails (Word and PDF forms from demo/forms.py) is appended to a fresh Dovecot;
then three runs, each in its own process so that peak memory (max RSS) is its own:
  bare      — imapclient alone: UID SEARCH, FETCH BODY.PEEK[] in batches; the floor for any take-in
  take-in   — intake.mail.mailbox + the ledger: every message fetched and committed raw to SQLite
  pipeline  — the whole poll: take-in, parse, extract, classify, file, move on the server
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def build_backlog(count: int) -> list[bytes]:
    """`count` referral emails cycling through the form layouts."""
    from demo.forms import CHILD_FORM, SAR_FORM, Layout, build
    from tests.support.mailfactory import make_email

    layouts = [Layout.DOCX_TABLE, Layout.DOCX_CONTENT_CONTROLS, Layout.PDF_ACROFORM_TOOLTIP, Layout.PDF_FLAT]
    forms = [build(form, layout) for form in (SAR_FORM, CHILD_FORM) for layout in layouts]
    ctype = {"pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    return [make_email(message_id=f"<bench-{n}@example.org>", subject=f"Referral {n}",
                       attachments=[(name, data, ctype[name.rsplit(".", 1)[1]])])
            for n, (name, data) in ((n, forms[n % len(forms)]) for n in range(count))]


def run_bare(host: str, port: int, user: str, password: str, batch: int) -> dict:
    """imapclient alone: the floor."""
    from imapclient import IMAPClient

    started = time.perf_counter()
    total = 0
    with IMAPClient(host, port, ssl=False, timeout=60) as imap:
        imap.login(user, password)
        imap.select_folder("INBOX", readonly=True)
        uids = sorted(imap.search(["UID", "1:*"]))
        for i in range(0, len(uids), batch):
            for data in imap.fetch(uids[i:i + batch], ["BODY.PEEK[]"]).values():
                total += len(data[b"BODY[]"])
    return {"messages": len(uids), "bytes": total, "seconds": time.perf_counter() - started}


def run_take_in(host: str, port: int, user: str, password: str, batch_size: int, db: str) -> dict:
    """intake.mail.mailbox + ledger: fetch and commit raw, nothing else."""
    from pydantic import SecretStr
    from sqlmodel import Session

    from intake.config.settings import AccountSettings, Security
    from intake.mail.mailbox import Mailbox
    from intake.store import ledger
    from intake.store.database import create_db_engine, migrate
    from intake.store.keyfile import ephemeral_keyring
    from intake.store.sealing import install_keyring

    install_keyring(ephemeral_keyring())  # sealed as the service seals: the cost is part of what is measured
    engine = create_db_engine(f"sqlite:///{db}")
    migrate(engine)
    account = AccountSettings(name="bench", host=host, port=port, security=Security.NONE, username=user,
                              password=SecretStr(password), batch_size=batch_size)
    started = time.perf_counter()
    count, batch = 0, []
    with Mailbox(account) as mailbox, Session(engine) as session:
        mailbox.open_folder("INBOX")
        for raw in mailbox.fetch_after("INBOX", after_uid=0, batch_size=batch_size):
            batch.append((raw.data, "imap:bench/INBOX",
                          ledger.Location("bench", "INBOX", raw.uidvalidity, raw.uid)))
            if len(batch) == batch_size:  # as the poller does: one commit per fetched batch
                count += len(ledger.store_batch(session, batch))
                batch = []
        count += len(ledger.store_batch(session, batch)) if batch else 0
    return {"messages": count, "seconds": time.perf_counter() - started}


def run_pipeline(host: str, port: int, user: str, password: str, batch: int, db: str) -> dict:
    """The whole poll, leaving the server copies flagged (so the backlog stays for the next run)."""
    from intake.config.loader import load_settings
    from intake.runtime import build_runtime

    env = {"INTAKE_DATABASE_URL": f"sqlite:///{db}", "INTAKE_IMAP_HOST": host, "INTAKE_IMAP_PORT": str(port),
           "INTAKE_IMAP_USERNAME": user, "INTAKE_IMAP_PASSWORD": password, "INTAKE_IMAP_SECURITY": "none"}
    config = Path(db).with_suffix(".yaml")
    config.write_text("mailbox_address: safeguarding.partnership@rbwm.example.org\naccounts:\n"
                      f"  - name: bench\n    host: {host}\n    username: {user}\n    security: none\n"
                      f"    batch_size: {batch}\n    after_processing: flag\n")
    runtime = build_runtime(load_settings(config, env=env))
    started = time.perf_counter()
    [report] = runtime.poll_all()
    return {"messages": report.fetched, "processed": report.processed, "error": report.error,
            "seconds": time.perf_counter() - started}


def child_main(args: argparse.Namespace) -> None:
    """One measured run in this process; prints its result and peak RSS as JSON."""
    runners: dict[str, Callable[..., dict]] = {"bare": run_bare, "take-in": run_take_in, "pipeline": run_pipeline}
    runner = runners[args.child]
    extra = (args.db,) if args.child != "bare" else ()
    result = runner(args.host, args.port, args.user, args.password, args.batch, *extra)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["children_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    """Build the backlog on a fresh Dovecot and run the three measurements."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--child", choices=("bare", "take-in", "pipeline"), help=argparse.SUPPRESS)
    for name in ("host", "user", "password", "db"):
        parser.add_argument(f"--{name}", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    from tests.support.imap_server import DovecotServer

    with DovecotServer() as server, tempfile.TemporaryDirectory() as tmp:
        backlog = build_backlog(args.messages)
        server.append("intake", "INBOX", backlog)
        size = sum(len(m) for m in backlog) / 2**20
        print(f"backlog: {len(backlog)} messages, {size:.1f} MiB, batch {args.batch}")
        for kind in ("bare", "take-in", "pipeline"):
            command = [sys.executable, __file__, "--child", kind, "--host", server.host, "--port", str(server.port),
                       "--user", "intake", "--password", server.users["intake"], "--batch", str(args.batch),
                       "--db", str(Path(tmp) / f"{kind}.db")]
            result = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
            rate = result["messages"] / result["seconds"]
            print(f"{kind:>9}: {result['messages']} msgs in {result['seconds']:.2f}s = {rate:.0f} msg/s; "
                  f"peak RSS {result['peak_rss_mb']:.0f} MB (children {result['children_peak_rss_mb']:.0f} MB)"
                  + (f"; {result['processed']}" if "processed" in result else ""))


if __name__ == "__main__":
    main()

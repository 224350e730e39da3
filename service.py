#!/usr/bin/env python3
"""Referral intake and triage service: the command line and composition root (see README)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from intake.config.loader import ConfigError, describe_settings, load_settings

if TYPE_CHECKING:
    from intake.runtime import Runtime
    from intake.store.purge import PurgePlan

log = logging.getLogger("service")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _runtime(args: argparse.Namespace) -> Runtime:
    from intake.runtime import build_runtime  # imported here so that --help and check-config stay fast

    return build_runtime(args.settings)


def cmd_check_config(args: argparse.Namespace) -> int:
    """Print the effective configuration, secrets masked."""
    print(json.dumps(describe_settings(args.settings), indent=2))
    return EXIT_OK


def cmd_poll(args: argparse.Namespace) -> int:
    """One pass over every mailbox."""
    runtime = _runtime(args)
    if not runtime.pollers:
        print("poll: no mailbox configured (set accounts in config.yaml or INTAKE_IMAP_HOST)", file=sys.stderr)
        return EXIT_FAILED
    reports = runtime.poll_all()
    for report in reports:
        done = ", ".join(f"{k} {v}" for k, v in sorted(report.processed.items())) or "nothing new"
        print(f"{report.account}: fetched {report.fetched}, new {report.stored}; {done}"
              + (f"; ERROR {report.error}" if report.error else ""))
    sent = runtime.send_due()  # what this pass queued, and earlier retries that are now due
    print(f"outbox: sent {len(sent.sent)}, retrying {len(sent.retrying)}, failed {len(sent.failed)}, "
          f"held as interrupted {len(sent.interrupted)}")
    failed = [r for r in reports if r.error]
    if failed:
        print(f"poll: {len(failed)} of {len(reports)} account(s) could not be polled: {failed[0].error}",
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    """Take in .eml files, Maildirs and mbox files."""
    from tqdm import tqdm

    from intake.worker.ingest import IngestError, count_sources, ingest_paths

    runtime = _runtime(args)
    total = count_sources(args.paths)
    try:
        with tqdm(total=total, unit="msg", disable=total < 20 or not sys.stderr.isatty(),
                  file=sys.stderr) as bar:
            summary = ingest_paths(runtime.engine, runtime.pipeline, args.paths, progress=bar,
                                   workers=runtime.workers)
    except IngestError as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_FAILED
    parts = ", ".join(f"{k} {v}" for k, v in sorted(summary.dispositions.items())) or "none processed"
    print(f"ingested {summary.seen} message(s): {summary.new} new, {summary.already_known} already known; {parts}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Every case, as JSON or CSV."""
    from sqlmodel import Session

    from intake.store.export import cases_csv, cases_json
    from intake.web.labels import field_label

    runtime = _runtime(args)
    with Session(runtime.engine) as session:
        text = cases_json(session) if args.format == "json" else cases_csv(session, label=field_label)
    _write(text, args.output)
    return EXIT_OK


def cmd_messages(args: argparse.Namespace) -> int:
    """The ledger: every message ever taken in and how it ended."""
    from sqlmodel import Session

    from intake.store.export import iter_messages

    runtime = _runtime(args)
    with Session(runtime.engine) as session:
        rows = list(iter_messages(session))
    if args.disposition:
        rows = [r for r in rows if r["disposition"] == args.disposition]
    if args.format == "json":
        _write(json.dumps(rows, indent=2, ensure_ascii=False), args.output)
    else:
        lines = [f"{r['id']:>6}  {r['disposition']:<11} {r['case_reference'] or '-':<15} {r['reason'][:70]}"
                 for r in rows]
        _write("\n".join(lines) + ("\n" if lines else ""), args.output)
    return EXIT_OK


def cmd_requeue(args: argparse.Namespace) -> int:
    """Run quarantined messages through the pipeline again."""
    from sqlmodel import Session

    from intake.store import ledger

    runtime = _runtime(args)
    status = EXIT_OK
    for message_pk in args.ids:
        with Session(runtime.engine) as session:
            if not ledger.requeue(session, message_pk):
                print(f"requeue: message {message_pk} is not in quarantine", file=sys.stderr)
                status = EXIT_FAILED
                continue
        outcome = runtime.pipeline.process(message_pk)
        if outcome is None:
            print(f"message {message_pk}: taken by another worker")
        else:
            print(f"message {message_pk}: {outcome.disposition} {outcome.case_reference or ''} {outcome.reason}")
    for poller in runtime.pollers:  # move the server copies out of Quarantine where they now belong
        poller.poll_once(limit=0)
    return status


def cmd_run(args: argparse.Namespace) -> int:
    """The long-running service: scheduler, IDLE watchers and the web UI."""
    from intake.supervisor import run_service

    if args.demo_mail:  # `make run`: acknowledgements go to a local folder, never to the world
        from intake.mail.mailsink import start_mail_sink

        _sink, port = start_mail_sink(args.demo_mail)
        smtp = args.settings.smtp.model_copy(update={"host": "127.0.0.1", "port": port, "security": "none",
                                                     "username": None, "password": None})
        args.settings = args.settings.model_copy(update={"smtp": smtp})
    return run_service(_runtime(args), ingest_paths=args.ingest, demo_user=args.demo_user)


def cmd_keys(args: argparse.Namespace) -> int:
    """Encryption keys of data at rest: new, status, rotate, seal, retire (see README "Data at rest")."""
    from intake.store import keyfile, rotation
    from intake.store.sealing import install_keyring

    if args.keys_command == "new":
        entry = keyfile.create_key_file(args.file)
        print(f"made key file {args.file} with key {entry.key_id}; keep it apart from the data and its backups, "
              f"and set INTAKE_ENCRYPTION_KEY_FILE={args.file}")
        return EXIT_OK
    from intake.runtime import open_database

    engine = open_database(args.settings)  # production refusal, and the demo key, as for every command
    path = keyfile.keyring_for(args.settings).path
    if args.keys_command == "status":
        content = keyfile.read_key_file(path)
        print(f"key file {path}: current key {content.current}; keys {', '.join(k.key_id for k in content.keys)}")
        for column in rotation.status(engine):
            counts = ", ".join(f"{key} {n}" for key, n in sorted(column.by_key.items())) or "empty"
            print(f"{column.column:<32} {counts}")
        return EXIT_OK
    if args.keys_command == "retire":
        left = rotation.still_using(engine, args.key_id)
        if left:
            print(f"keys retire: {left} value(s) are still sealed under {args.key_id}; run `keys seal` first",
                  file=sys.stderr)
            return EXIT_FAILED
        keyfile.retire_key(path, args.key_id)
        print(f"key {args.key_id} removed from {path}")
        return EXIT_OK
    if args.keys_command == "rotate":
        entry = keyfile.add_current_key(path)
        print(f"added key {entry.key_id} to {path} and made it current")
    keyring = keyfile.read_key_file(path).keyring(path)
    install_keyring(keyring)
    # A second pass takes what a running service sealed under the old key before it noticed the new one.
    reports = [rotation.reseal(engine, keyring) for _ in range(2)]
    print(f"re-wrapped {sum(r.rewrapped for r in reports)} value(s) under key {keyring.current}, "
          f"sealed {sum(r.sealed for r in reports)} left in plaintext")
    old = {k: n for s in rotation.status(engine) for k, n in s.by_key.items() if k != keyring.current and n}
    if old:
        print(f"still under other keys (changed while this ran; run `keys seal` again): {old}")
    return EXIT_OK


def cmd_outbox(args: argparse.Namespace) -> int:
    """List outgoing mail, send what is due, or put failed emails back in the queue."""
    from sqlmodel import Session

    from intake.outgoing import outbox

    runtime = _runtime(args)
    if args.outbox_command == "send":
        report = runtime.send_due()
        print(f"sent {len(report.sent)}, retrying {len(report.retrying)}, failed {len(report.failed)}, "
              f"held as interrupted {len(report.interrupted)}")
        return EXIT_OK
    with Session(runtime.engine) as session:
        if args.outbox_command == "retry":
            missing = [i for i in args.ids if not outbox.retry(session, i)]
            for outbox_pk in missing:
                print(f"outbox retry: email {outbox_pk} is not failed", file=sys.stderr)
            return EXIT_FAILED if missing else EXIT_OK
        rows = list(outbox.iter_outbox(session))
    if args.status:
        rows = [r for r in rows if r["status"] == args.status]
    _write(json.dumps(rows, indent=2, ensure_ascii=False), args.output)
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    """The form type and fields of one PDF or Word file, as JSON, read exactly as the pipeline reads it."""
    from intake.worker.isolation import extract_isolated
    from intake.worker.stages import extraction_limits
    from parsers.errors import AttachmentError
    from parsers.forms import form_to_dict
    from parsers.values import Attachment

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"extract: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED
    attachment = Attachment(args.file.name, "application/octet-stream", data)
    try:
        form = extract_isolated(attachment, vocabulary_path=args.settings.forms.vocabulary_file,
                                limits=extraction_limits(args.settings), password=args.password)
    except AttachmentError as exc:
        print(json.dumps({"filename": args.file.name, "error": exc.code, "reason": str(exc)}, indent=2))
        return EXIT_FAILED
    print(json.dumps(form_to_dict(form), indent=2, ensure_ascii=False))
    return EXIT_OK


def cmd_rules_explain(args: argparse.Namespace) -> int:
    """Every rule's verdict for a set of fields given as JSON."""
    from datetime import UTC, datetime

    from intake.worker.stages import configured_ruleset
    from rules.calendar import WorkingCalendar
    from rules.explain import explain

    try:
        data = json.loads(args.fields.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"rules explain: cannot read {args.fields}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    fields = data.get("fields", data) if isinstance(data, dict) else {}
    received = datetime.fromisoformat(args.received_at) if args.received_at else datetime.now(UTC)
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    form_type = args.form_type or (data.get("form_type") if isinstance(data.get("form_type"), str) else "unknown")
    result = explain(fields, form_type=form_type, received_at=received,
                     ruleset=configured_ruleset(args.settings), calendar=WorkingCalendar())
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return EXIT_OK


def cmd_users(args: argparse.Namespace) -> int:
    """Local web accounts: list, add, disable, enable, reset (passwords from the terminal or --password-stdin).

    Every change is audited with the actor `cli`, as the Accounts page audits an admin's.
    """
    from sqlmodel import Session

    from intake.store import accounts
    from intake.store.models import Role
    from intake.store.users import UserError, list_users

    runtime = _runtime(args)
    actor, name = accounts.CLI_ACTOR, getattr(args, "username", "")
    try:
        with Session(runtime.engine) as session:
            if args.users_command == "list":
                for user in list_users(session):
                    state = "disabled" if user.disabled else ("locked" if user.locked_until else "active")
                    print(f"{user.username:<40} {user.role:<8} {state:<8} {user.auth_source}")
            elif args.users_command == "disable":
                accounts.disable(session, actor=actor, username=name)
                print(f"user {name} disabled")
            elif args.users_command == "enable":
                accounts.enable(session, actor=actor, username=name)
                print(f"user {name} enabled")
            elif args.users_command == "add":
                accounts.add(session, actor=actor, username=name, password=_new_password(args), role=Role(args.role))
                print(f"user {name} added with role {args.role}")
            else:
                accounts.reset(session, actor=actor, username=name, password=_new_password(args))
                print(f"user {name}: password reset, account unlocked")
    except UserError as exc:
        print(f"users: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _new_password(args: argparse.Namespace) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("users: the passwords differ")
    return first


def cmd_digest(args: argparse.Namespace) -> int:
    """The managers' digest, now: --preview FILE writes the HTML, --send sends it."""
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from intake.mail.smtp import SmtpError
    from intake.outgoing.digest import digest_transport, gather, preview_html, send_now
    from intake.store.models import utcnow

    runtime = _runtime(args)
    settings = args.settings
    if args.preview:
        with Session(runtime.engine) as session:
            content = gather(session, now=utcnow(), tz=ZoneInfo(settings.digest.timezone),
                             base_url=settings.web.public_url)
        args.preview.write_text(preview_html(content), encoding="utf-8")
        print(f"digest preview written to {args.preview}")
    if args.send:
        if not settings.digest.recipients:
            print("digest: no recipients configured (digest.recipients in config.yaml)", file=sys.stderr)
            return EXIT_FAILED
        try:
            send_now(runtime.engine, settings, digest_transport(settings))
        except SmtpError as exc:
            print(f"digest: not sent: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"digest sent to {len(settings.digest.recipients)} recipient(s)")
    return EXIT_OK


def cmd_purge(args: argparse.Namespace) -> int:
    """Retention: list what is due (--dry-run), show the deletion log (--log), or purge what is due now."""
    from sqlmodel import Session

    from intake.store.accounts import CLI_ACTOR
    from intake.store.purge import deletion_log, plan, run_purge, tombstone_to_dict
    from intake.store.retention import Policy

    runtime = _runtime(args)
    retention = args.settings.retention
    policy = Policy.from_settings(retention)
    if args.log:
        with Session(runtime.engine) as session:
            rows = [tombstone_to_dict(row) for row in deletion_log(session)]
        _write(json.dumps(rows, indent=2, ensure_ascii=False), args.output)
        return EXIT_OK
    if args.dry_run:
        with Session(runtime.engine) as session:
            due = plan(session, policy)
        _write(_plan_json(due) if args.format == "json" else _plan_text(due), args.output)
        return EXIT_OK
    report = run_purge(runtime.engine, policy, actor=CLI_ACTOR, batch_size=retention.batch_size,
                       session_idle=timedelta(minutes=args.settings.web.idle_timeout_minutes))
    print(report.summary() + (": " + ", ".join(report.cases) if report.cases else ""))
    return EXIT_FAILED if report.skipped else EXIT_OK


def _plan_json(due: PurgePlan) -> str:
    """The dry run as JSON: references, ids, dates and rules; never personal data."""
    return json.dumps({
        "cases": [{"reference": c.reference, "status": c.status, "ended_at": c.ended_at.isoformat(),
                   "due_on": c.verdict.due_on.isoformat() if c.verdict.due_on else None, "rule": c.verdict.rule}
                  for c in due.cases],
        "held": [{"reference": c.reference, "status": c.status, "ended_at": c.ended_at.isoformat()} for c in due.held],
        "messages": [{"id": m.message_pk, "disposition": m.disposition, "received_at": m.received_at.isoformat(),
                      "resolved_at": m.resolved_at.isoformat(), "rule": m.verdict.rule} for m in due.messages],
        "audit_events": due.audit_events, "expired_sessions": due.sessions, "stale_sign_in_states": due.oidc_pending,
        "unused_stored_files": due.orphan_blobs}, indent=2)


def _plan_text(due: PurgePlan) -> str:
    """The dry run for a person: one line per case and message, then the counts."""
    lines = [f"would purge {len(due.cases)} case(s)"]
    lines += [f"  {c.reference:<16} {c.status:<17} ended {c.ended_at:%d/%m/%Y}  {c.verdict.rule}" for c in due.cases]
    if due.held:
        lines.append(f"kept under legal hold: {len(due.held)} case(s): " + ", ".join(c.reference for c in due.held))
    lines.append(f"would purge {len(due.messages)} message(s) never filed under a case")
    lines += [f"  message {m.message_pk:<8} {m.disposition:<9} received {m.received_at:%d/%m/%Y}  {m.verdict.rule}"
              for m in due.messages]
    lines.append(f"would remove {due.audit_events} audit entrie(s), {due.sessions} expired session(s), "
                 f"{due.oidc_pending} stale sign-in state(s) and {due.orphan_blobs} unused stored file(s)")
    return "\n".join(lines) + "\n"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")


def build_parser() -> argparse.ArgumentParser:
    """The command line of interfaces.md."""
    parser = argparse.ArgumentParser(prog="service.py", description=__doc__)
    parser.add_argument("--config", type=Path, help="config file (default: $INTAKE_CONFIG or ./config.yaml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("run", help="run the service: mailbox watching, scheduler and web UI")
    p.add_argument("--ingest", type=Path, nargs="*", default=[], help="ingest these paths first (the demo)")
    p.add_argument("--demo-mail", type=Path, metavar="DIR",
                   help="demo only: keep outgoing mail in this Maildir (a local SMTP sink) instead of sending it")
    p.add_argument("--demo-user", action="store_true",
                   help="create the web user demo / demo-password (role admin) if absent: the demo only")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("poll", help="one pass over every mailbox")
    p.add_argument("--once", action="store_true", required=True, help="one pass, then exit")
    p.set_defaults(func=cmd_poll)
    p = sub.add_parser("ingest", help="take in .eml files, Maildir folders or mbox files")
    p.add_argument("paths", type=Path, nargs="+")
    p.set_defaults(func=cmd_ingest)
    p = sub.add_parser("extract", help="print the form type and fields read from one PDF or Word file (JSON)")
    p.add_argument("file", type=Path)
    p.add_argument("--password", help="for an encrypted file (better: INTAKE_EXTRACT_PASSWORD)",
                   default=os.environ.get("INTAKE_EXTRACT_PASSWORD"))
    p.set_defaults(func=cmd_extract)
    p = sub.add_parser("export", help="every case, to stdout or --output")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--output", type=Path)
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("messages", help="the ledger of every message taken in")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.add_argument("--disposition", choices=("pending", "case", "follow_up", "ignored", "quarantined"))
    p.add_argument("--output", type=Path)
    p.set_defaults(func=cmd_messages)
    p = sub.add_parser("requeue", help="run quarantined messages again (ids from `messages`)")
    p.add_argument("ids", type=int, nargs="+", metavar="ID")
    p.set_defaults(func=cmd_requeue)
    p = sub.add_parser("outbox", help="outgoing mail: `outbox list`, `outbox send`, `outbox retry ID...`")
    outbox_sub = p.add_subparsers(dest="outbox_command", required=True, metavar="SUBCOMMAND")
    q = outbox_sub.add_parser("list", help="every outgoing email and its state, as JSON")
    q.add_argument("--status", choices=("pending", "sending", "sent", "failed", "suppressed"))
    q.add_argument("--output", type=Path)
    outbox_sub.add_parser("send", help="send the outgoing mail that is due, now")
    q = outbox_sub.add_parser("retry", help="queue failed emails again (after checking the sent folder)")
    q.add_argument("ids", type=int, nargs="+", metavar="ID")
    p.set_defaults(func=cmd_outbox)
    p = sub.add_parser("rules", help="the triage rules: `rules explain FIELDS.json`")
    rules_sub = p.add_subparsers(dest="rules_command", required=True, metavar="SUBCOMMAND")
    p = rules_sub.add_parser("explain", help="every rule's verdict for fields in a JSON file (or a case export)")
    p.add_argument("fields", type=Path, help='{"subject.date_of_birth": "2010-05-01", ...} or one exported case')
    p.add_argument("--form-type", choices=("sar_referral", "child_referral", "unknown"))
    p.add_argument("--received-at", help="ISO date-time the referral arrived (default: now)")
    p.set_defaults(func=cmd_rules_explain)
    p = sub.add_parser("users", help="web accounts: users list | add NAME --role ROLE | disable NAME | "
                                     "enable NAME | reset NAME")
    users_sub = p.add_subparsers(dest="users_command", required=True, metavar="SUBCOMMAND")
    users_sub.add_parser("list", help="every account: name, role, state, how it signs in").set_defaults(
        func=cmd_users)
    for name, text in (("add", "create an account"), ("disable", "disable an account and end its sessions"),
                       ("enable", "enable a disabled account again"),
                       ("reset", "set a new password and unlock the account")):
        q = users_sub.add_parser(name, help=text)
        q.add_argument("username")
        if name == "add":
            q.add_argument("--role", choices=("triage", "manager", "admin"), required=True)
        if name in ("add", "reset"):
            q.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        q.set_defaults(func=cmd_users)
    p = sub.add_parser("digest", help="the managers' daily digest, now")
    p.add_argument("--send", action="store_true", help="send it to digest.recipients now")
    p.add_argument("--preview", type=Path, metavar="FILE", help="write the HTML to FILE")
    p.set_defaults(func=cmd_digest)
    p = sub.add_parser("keys", help="encryption keys of data at rest: keys new --file PATH | status | rotate | "
                                    "seal | retire KEY_ID")
    keys_sub = p.add_subparsers(dest="keys_command", required=True, metavar="SUBCOMMAND")
    q = keys_sub.add_parser("new", help="make a new key file (mode 0600); point INTAKE_ENCRYPTION_KEY_FILE at it")
    q.add_argument("--file", type=Path, required=True)
    keys_sub.add_parser("status", help="the key file's keys, and how many values each sealed column holds per key")
    keys_sub.add_parser("rotate", help="add a new current key, then re-wrap every value under it (safe while "
                                       "the service runs; run again or `keys seal` if stopped)")
    keys_sub.add_parser("seal", help="re-wrap values still under older keys and seal any plaintext left "
                                     "(after an upgrade, or to finish a stopped rotation)")
    q = keys_sub.add_parser("retire", help="remove an old key from the key file once no value uses it")
    q.add_argument("key_id")
    p.set_defaults(func=cmd_keys)
    p = sub.add_parser("purge", help="retention: delete what is due now; --dry-run lists it, --log shows the "
                                     "deletion log")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted (no personal data); "
                                                          "delete nothing")
    p.add_argument("--log", action="store_true", help="the deletion log (tombstones), as JSON")
    p.add_argument("--format", choices=("text", "json"), default="text", help="of --dry-run")
    p.add_argument("--output", type=Path)
    p.set_defaults(func=cmd_purge)
    p = sub.add_parser("check-config", help="print the effective configuration, secrets masked")
    p.set_defaults(func=cmd_check_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load and validate the configuration, run the command."""
    args = build_parser().parse_args(argv)
    os.umask(0o077)  # every file the service makes (database, WAL, key file, demo mail) is its own alone
    try:
        args.settings = load_settings(args.config)
        if args.settings.rules.file is not None or args.command != "check-config":
            from rules.ruleset import load_ruleset

            load_ruleset(args.settings.rules.file)  # validated at start-up, whatever the command
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:  # RulesetError: the message names the file and the key
        print(f"rules configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from intake.config.logs import configure_logging

    configure_logging(args.settings.logging.level)
    from intake.store.database import DatabaseError
    from intake.store.keyfile import KeyFileError
    from intake.store.sealing import SealError

    try:
        return args.func(args)
    except DatabaseError as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyFileError as exc:
        print(f"encryption: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SealError as exc:
        print(f"encryption: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

"""Every MIME message of the shared corpus, taken in through IMAP, ends with a disposition."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from imapclient.exceptions import IMAPClientError
from sqlmodel import Session, col, select

from intake.store import ledger
from intake.store.database import create_db_engine
from intake.store.models import Disposition, Message, MessageLocation, Outbox, OutboxStatus, ServerState
from parsers.message import parse_message
from rules.screen import robot_reason
from tests.support.imap_server import DovecotServer
from tests.support.intake_helpers import run_service, service_env
from tests.support.mailfactory import PARTNERSHIP
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 - the fixture

RATE_LIMITS_OFF = ("acknowledgements:\n  max_per_hour: 1000\n  max_per_day: 1000\n"
                   "  per_domain_per_hour: 100000\n  per_domain_per_day: 100000\n"
                   "  overall_per_hour: 100000\n  overall_per_day: 100000\n")  # no flood caps either


def mime_messages(corpus: Path) -> list[Path]:
    """The corpus's message files per its manifest: all but the Outlook .msg files and the raw TNEF blobs."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [corpus / row["file"] for row in rows
            if row["file"].startswith("emails/") and not row["file"].startswith("emails/tnef/")
            and not row["file"].endswith(".msg")]


ROBOT_FLAGS = ("bounce", "autoreply", "read-receipt", "abuse-report")


def manifest_robot_ids(corpus: Path) -> set[str]:
    """Message-IDs of the messages the manifest flags as bounces, auto-replies and reports."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t")
                if r["file"].startswith("emails/") and any(flag in r["flags"] for flag in ROBOT_FLAGS)]
    ids = {parse_message((corpus / r["file"]).read_bytes()).message_id for r in rows}
    return ids - {""}


@pytest.mark.slow
@pytest.mark.timeout(900)  # the whole corpus: minutes on a loaded 2-core machine, more than the suite's 300 s
def test_every_corpus_message_taken_in_through_imap_ends_with_a_disposition_and_no_robot_is_answered(
        corpus: Path, dovecot: DovecotServer, tmp_path: Path, sqlite_url: str,
        smtp_server: SmtpServer) -> None:  # noqa: F811 - the fixture
    files = mime_messages(corpus)
    assert len(files) == 518
    refused = []
    with dovecot.client() as imap:
        for path in files:
            try:
                imap.append("INBOX", path.read_bytes())
            except IMAPClientError as exc:  # the server's own refusal (e.g. NUL bytes) is not ours to judge
                refused.append((path.name, str(exc)))
    delivered = len(files) - len(refused)
    assert len(refused) < 10, refused
    env = {**service_env(tmp_path, dovecot, sqlite_url, extra_yaml=RATE_LIMITS_OFF),
           "INTAKE_SMTP_HOST": "127.0.0.1", "INTAKE_SMTP_PORT": str(smtp_server.port)}
    result = run_service(["poll", "--once"], env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    with Session(create_db_engine(sqlite_url)) as session:
        rows = session.exec(select(MessageLocation.server_state, Message.disposition)
                            .join(Message, col(Message.id) == col(MessageLocation.message_pk))).all()
    # One location per server copy; copies the server made byte-identical share one ledger row.
    assert len(rows) == delivered
    assert {Disposition(d) for _, d in rows} <= {Disposition.CASE, Disposition.FOLLOW_UP, Disposition.IGNORED,
                                                 Disposition.QUARANTINED}
    assert {ServerState(s) for s, _ in rows} == {ServerState.DONE}
    assert dovecot.folder_uids("intake", "INBOX") == []
    _assert_no_robot_answered(sqlite_url, manifest_robot_ids(corpus), smtp_server)


def _assert_no_robot_answered(db_url: str, robot_ids: set[str], server: SmtpServer) -> None:
    """No acknowledgement queued or sent to a message the manifest or the screen calls a robot."""
    live = {OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT}
    with Session(create_db_engine(db_url)) as session:
        answered = {row.message_pk for row in session.exec(select(Outbox)) if OutboxStatus(row.status) in live}
        for message in session.exec(select(Message).where(col(Message.id).in_(answered))):
            assert message.id is not None
            raw = ledger.load_raw(session, message.id)
            assert message.message_id not in robot_ids, message.message_id
            assert robot_reason(parse_message(raw), own_address=PARTNERSHIP) == "", message.message_id
    replied_to = {r.message["In-Reply-To"] for r in server.received}
    assert not replied_to & robot_ids
    assert server.received, "the people in the corpus were answered"

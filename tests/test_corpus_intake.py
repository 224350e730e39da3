"""Every MIME message of the shared corpus, taken in through IMAP, ends with a disposition."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from imapclient.exceptions import IMAPClientError
from sqlmodel import Session, select

from intake.database import create_db_engine
from intake.models import Disposition, Message, MessageLocation, ServerState
from tests.imap_server import DovecotServer
from tests.intake_helpers import run_service, service_env


def mime_messages(corpus: Path) -> list[Path]:
    """The corpus's message files per its manifest: all but the Outlook .msg files and the raw TNEF blobs."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [corpus / row["file"] for row in rows
            if row["file"].startswith("emails/") and not row["file"].startswith("emails/tnef/")
            and not row["file"].endswith(".msg")]


@pytest.mark.slow
def test_every_corpus_message_taken_in_through_imap_ends_with_a_disposition(
        corpus: Path, dovecot: DovecotServer, tmp_path: Path, sqlite_url: str) -> None:
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
    env = service_env(tmp_path, dovecot, sqlite_url)
    result = run_service(["poll", "--once"], env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    with Session(create_db_engine(sqlite_url)) as session:
        rows = session.exec(select(MessageLocation.server_state, Message.disposition)
                            .join(Message, Message.id == MessageLocation.message_pk)).all()
    # One location per server copy; copies the server made byte-identical share one ledger row.
    assert len(rows) == delivered
    assert {Disposition(d) for _, d in rows} <= {Disposition.CASE, Disposition.FOLLOW_UP, Disposition.IGNORED,
                                                 Disposition.QUARANTINED}
    assert {ServerState(s) for s, _ in rows} == {ServerState.DONE}
    assert dovecot.folder_uids("intake", "INBOX") == []

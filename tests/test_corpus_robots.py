"""Over the whole shared corpus: no bounce, auto-reply or other robot is ever acknowledged, and the
export and the ledger say, for every case and every message, whether it was answered and why."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from intake.store import ledger
from intake.store.export import cases_json, iter_messages
from intake.store.models import Outbox, OutboxStatus
from intake.worker.ingest import iter_sources
from parsers.message import parse_message
from rules.screen import robot_reason
from tests.support.mailfactory import PARTNERSHIP
from tests.support.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)
from tests.test_outbox import smtp_runtime

ROBOT_FLAGS = ("bounce", "autoreply", "read-receipt", "abuse-report")
LIVE = {OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT}


def _manifest_robots(corpus: Path) -> tuple[list[Path], set[Path]]:
    """Every message file of the corpus, and those the manifest flags as robots."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t")
                if r["file"].startswith("emails/") and not r["file"].startswith("emails/tnef/")]
    robots = {corpus / r["file"] for r in rows if any(flag in r["flags"] for flag in ROBOT_FLAGS)}
    return [corpus / r["file"] for r in rows], robots


@pytest.mark.slow
@pytest.mark.timeout(900)  # the whole corpus: minutes on a loaded 2-core machine, more than the suite's 300 s
def test_no_robot_in_the_corpus_is_ever_acknowledged(corpus: Path, sqlite_url: str, tmp_path: Path,
                                                     smtp_server: SmtpServer) -> None:  # noqa: F811
    files, robot_files = _manifest_robots(corpus)
    assert len(robot_files) > 100  # the manifest flags 115 bounces and a handful of auto-replies and reports
    runtime = smtp_runtime(tmp_path, sqlite_url, smtp_server,
                           "acknowledgements:\n  max_per_hour: 1000\n  max_per_day: 1000\n"
                           "  per_domain_per_hour: 100000\n  per_domain_per_day: 100000\n"
                           "  overall_per_hour: 100000\n  overall_per_day: 100000\n")
    robot_pks: dict[int, str] = {}
    for path in files:
        for _, raw in iter_sources([path]):
            with Session(runtime.engine) as session:
                pk = ledger.store_raw(session, raw, source=f"file:{path.name}").message_pk
            runtime.pipeline.process(pk)
            reason = robot_reason(parse_message(raw), own_address=PARTNERSHIP)
            if path in robot_files or reason:
                robot_pks[pk] = path.name
    runtime.send_due()
    with Session(runtime.engine) as session:
        answered = {row.message_pk: row for row in session.exec(select(Outbox))
                    if row.message_pk is not None and OutboxStatus(row.status) in LIVE}  # None: a digest
        cases = json.loads(cases_json(session))
        messages = list(iter_messages(session))
    wrongly = sorted(robot_pks[pk] for pk in answered.keys() & robot_pks.keys())
    assert wrongly == [], f"acknowledgements queued to robots: {wrongly}"
    sent_for = {row.message_pk for row in answered.values() if OutboxStatus(row.status) == OutboxStatus.SENT}
    assert len(smtp_server.received) == len(sent_for) > 0  # the humans were answered, once each
    robot_ids = {m["message_id"] for m in messages if m["id"] in robot_pks} - {""}
    human_ids = {m["message_id"] for m in messages if m["id"] not in robot_pks}
    replied_to = {r.message["In-Reply-To"] for r in smtp_server.received}
    assert not (replied_to & (robot_ids - human_ids))
    assert all(isinstance(c["acknowledged"], bool) for c in cases)
    assert all(m["reply"] and m["reply_reason"] for m in messages)
    for message in messages:
        if message["id"] in robot_pks:
            assert message["reply"] in {"none", "suppressed"}, message

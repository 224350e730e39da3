"""The ledger's promises on SQLite and PostgreSQL: raw bytes first, once; one claim; requeue."""

from __future__ import annotations

from sqlmodel import Session, select

from intake.store import ledger
from intake.store.database import create_db_engine, migrate
from intake.store.ledger import Location
from intake.store.models import Blob, Disposition, Message, MessageLocation, Stage
from tests.support.mailfactory import referral_email


def _engine(url: str):
    engine = create_db_engine(url)
    migrate(engine)
    return engine


def test_storing_the_same_message_twice_keeps_one_row_and_one_blob(db_url: str) -> None:
    engine = _engine(db_url)
    raw = referral_email(1)
    with Session(engine) as session:
        first = ledger.store_raw(session, raw, source="file")
        second = ledger.store_raw(session, raw, source="file")
        assert first.created and not second.created
        assert first.message_pk == second.message_pk
        assert len(session.exec(select(Message)).all()) == 1
        assert len(session.exec(select(Blob)).all()) == 1
        assert ledger.load_raw(session, first.message_pk) == raw


def test_a_server_copy_is_recorded_once_per_uid_and_again_under_a_new_uidvalidity(db_url: str) -> None:
    engine = _engine(db_url)
    raw = referral_email(2)
    with Session(engine) as session:
        ledger.store_raw(session, raw, source="imap", location=Location("a", "INBOX", 1, 7))
        ledger.store_raw(session, raw, source="imap", location=Location("a", "INBOX", 1, 7))
        ledger.store_raw(session, raw, source="imap", location=Location("a", "INBOX", 2, 1))
        assert len(session.exec(select(Message)).all()) == 1
        assert len(session.exec(select(MessageLocation)).all()) == 2


def test_only_one_worker_can_claim_a_message(db_url: str) -> None:
    engine = _engine(db_url)
    with Session(engine) as session:
        stored = ledger.store_raw(session, referral_email(3), source="file")
    with Session(engine) as one, Session(engine) as two:
        assert ledger.claim(one, stored.message_pk, worker="otherhost:1")
        assert not ledger.claim(two, stored.message_pk, worker="otherhost:2")


def test_a_claim_left_by_a_dead_local_process_is_taken_over(db_url: str) -> None:
    engine = _engine(db_url)
    with Session(engine) as session:
        stored = ledger.store_raw(session, referral_email(4), source="file")
        dead = f"{ledger.worker_identity().rpartition(':')[0]}:999999999"
        assert ledger.claim(session, stored.message_pk, worker=dead)
        assert ledger.claim(session, stored.message_pk, worker=ledger.worker_identity())


def test_quarantine_then_requeue_makes_the_message_pending_again(db_url: str) -> None:
    engine = _engine(db_url)
    with Session(engine) as session:
        stored = ledger.store_raw(session, referral_email(5), source="file")
        assert ledger.claim(session, stored.message_pk, worker="w")
        ledger.quarantine(session, stored.message_pk, worker="w", stage=Stage.EXTRACT, reason="corrupt: x", trace="tb")
        row = session.get(Message, stored.message_pk)
        session.refresh(row)
        assert row.disposition == Disposition.QUARANTINED and row.stage == "extract"
        assert ledger.requeue(session, stored.message_pk)
        session.refresh(row)
        assert row.disposition == Disposition.PENDING
        assert not ledger.requeue(session, stored.message_pk)


def test_message_id_is_read_from_folded_headers() -> None:
    raw = b"Subject: x\r\nMessage-ID:\r\n <abc@example.org>\r\n\r\nbody"
    assert ledger.message_id_of(raw) == "<abc@example.org>"
    assert ledger.message_id_of(b"Subject: none\r\n\r\nMessage-ID: <not-a-header@x>") == ""

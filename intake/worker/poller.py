"""One pass over one IMAP account: take new mail in, process it, then tidy the server copies.

Order matters (architecture invariant 1): raw bytes are committed, then the message is processed and
its disposition committed, and only then is the server copy moved or flagged. A crash anywhere
leaves either a pending ledger row (processed on the next pass) or a pending server action (redone
on the next pass); neither loses nor duplicates anything.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from intake.config.settings import AccountSettings, AfterProcessing
from intake.mail.connections import token_expiry
from intake.mail.mailbox import FolderStatus, Mailbox, MailboxError, RawMessage
from intake.store import ledger
from intake.store.dialect import insert_ignore
from intake.store.ledger import Location
from intake.store.models import Disposition, MailboxState, ServerState, utcnow
from intake.worker.concurrency import ProcessingRun
from intake.worker.pipeline import MessageOutcome, Pipeline

log = logging.getLogger(__name__)

MailboxFactory = Callable[[AccountSettings], Mailbox]


@dataclass
class PollReport:
    """What one pass over one account did."""

    account: str
    fetched: int = 0
    stored: int = 0
    processed: dict[str, int] = field(default_factory=dict)
    error: str = ""

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, disposition: Disposition) -> None:
        """Tally one processed message (safe from several worker threads)."""
        with self._lock:
            self.processed[str(disposition)] = self.processed.get(str(disposition), 0) + 1

    def count_outcome(self, outcome: MessageOutcome) -> None:
        """Tally one pipeline outcome."""
        self.count(outcome.disposition)


class Poller:
    """Polls one account; safe to run beside another poller of the same account (the ledger dedups)."""

    def __init__(self, engine: Engine, pipeline: Pipeline, account: AccountSettings,
                 mailbox_factory: MailboxFactory, *, workers: int = 1) -> None:
        self._engine = engine
        self._workers = workers
        self._pipeline = pipeline
        self.account = account
        self._mailbox_factory = mailbox_factory

    def poll_once(self, *, limit: int | None = None) -> PollReport:
        """Take in every new message of every folder; errors are reported, not raised."""
        report = PollReport(self.account.name)
        self.process_pending(report)
        try:
            with self._mailbox_factory(self.account) as mailbox:
                for folder in self.account.folders:
                    # Batches are processed while the next ones are fetched; the server copies are moved once
                    # every message of the folder is filed.
                    with self._run(report) as run:
                        self._sync_folder(mailbox, folder, report, run, limit=limit)
                    self._act_on_server(mailbox, folder)
        except MailboxError as exc:
            report.error = str(exc)
            log.error("account %s: %s", self.account.name, exc)
        except Exception as exc:  # a database or programming error: this account fails, the others go on
            report.error = f"account {self.account.name!r}: unexpected {type(exc).__name__}: {exc}"[:2000]
            log.exception("account %s: poll failed", self.account.name)
        self._record_poll(report)
        return report

    def process_pending(self, report: PollReport | None = None) -> None:
        """Finish messages stored earlier but never processed (a crash, or another worker's leftovers)."""
        with Session(self._engine) as session:
            pending = ledger.pending_ids(session)
        with self._run(report) as run:
            run.submit(pending)

    def _run(self, report: PollReport | None) -> ProcessingRun:
        return ProcessingRun(self._engine, self._pipeline, workers=self._workers,
                             on_outcome=report.count_outcome if report is not None else None)

    def _sync_folder(self, mailbox: Mailbox, folder: str, report: PollReport, run: ProcessingRun, *,
                     limit: int | None) -> None:
        status = mailbox.open_folder(folder)
        after_uid = self._checked_state(folder, status)
        batch: list[RawMessage] = []
        for raw in mailbox.fetch_after(folder, after_uid=after_uid, batch_size=self.account.batch_size,
                                       limit=limit):
            report.fetched += 1
            batch.append(raw)
            if len(batch) >= self.account.batch_size:
                self._take_in(batch, folder, report, run)
                batch = []
        if batch:
            self._take_in(batch, folder, report, run)

    def _take_in(self, batch: list[RawMessage], folder: str, report: PollReport, run: ProcessingRun) -> None:
        """Commit a batch raw (and the UID watermark with it), then hand its messages to the run."""
        source = f"imap:{self.account.name}/{folder}"
        items = [(raw.data, source, Location(raw.account, raw.folder, raw.uidvalidity, raw.uid)) for raw in batch]
        highest = max(raw.uid for raw in batch)
        with Session(self._engine) as session:
            stored = ledger.store_batch(session, items,
                                        on_commit=lambda s: _advance(s, self.account.name, folder, highest))
        report.stored += sum(int(item.created) for item in stored)
        run.submit([item.message_pk for item in stored if item.disposition is Disposition.PENDING])

    def _checked_state(self, folder: str, status: FolderStatus) -> int:
        """The UID to fetch after; a changed UIDVALIDITY starts a full resync (dedup keeps it idempotent)."""
        with Session(self._engine) as session:
            state = folder_state(session, self.account.name, folder)
            if state.uidvalidity != status.uidvalidity:
                if state.uidvalidity is not None:
                    log.warning("account %s folder %s: UIDVALIDITY changed (%s -> %s); resyncing",
                                self.account.name, folder, state.uidvalidity, status.uidvalidity)
                state.uidvalidity = status.uidvalidity
                state.last_uid = 0
            session.add(state)
            session.commit()
            return state.last_uid

    def _act_on_server(self, mailbox: Mailbox, folder: str) -> None:
        """Move (or flag) server copies whose messages are committed; stale UIDs are marked, not retried."""
        status = mailbox.open_folder(folder)
        groups: dict[str, list[tuple[int, int]]] = defaultdict(list)
        stale: list[int] = []
        with Session(self._engine) as session:
            for location, disposition in ledger.locations_to_act_on(session, self.account.name):
                if location.folder != folder:
                    continue
                if location.uidvalidity != status.uidvalidity:
                    stale.append(location.id)
                    continue
                groups[self._destination(disposition)].append((location.id, location.uid))
            ledger.mark_locations(session, stale, ServerState.FAILED, "UIDVALIDITY changed; copy re-found by resync")
        for destination, pairs in groups.items():
            ids, uids = [p[0] for p in pairs], [p[1] for p in pairs]
            if self.account.after_processing is AfterProcessing.FLAG:
                mailbox.add_flag(folder, uids, self.account.flag)
            else:
                mailbox.move(folder, uids, destination)
            with Session(self._engine) as session:
                ledger.mark_locations(session, ids, ServerState.DONE)

    def _destination(self, disposition: Disposition) -> str:
        if disposition is Disposition.QUARANTINED:
            return self.account.quarantine_folder
        return self.account.processed_folder

    def _record_poll(self, report: PollReport) -> None:
        with Session(self._engine) as session:
            for folder in self.account.folders:
                state = folder_state(session, self.account.name, folder)
                state.token_expires_at = token_expiry(self.account)
                state.last_poll_at = utcnow()
                state.last_error = report.error[:2000]
                if not report.error:
                    state.last_success_at = state.last_poll_at
                session.add(state)
            session.commit()


def folder_state(session: Session, account: str, folder: str) -> MailboxState:
    """The sync state row of a folder, created if missing (by INSERT .. ON CONFLICT: pollers may race)."""
    insert_ignore(session, MailboxState.__table__,
                  {"account": account, "folder": folder, "last_uid": 0, "last_error": "", "idle_active": False},
                  ["account", "folder"])
    return session.get(MailboxState, (account, folder))


def _advance(session: Session, account: str, folder: str, uid: int) -> None:
    """Move the UID watermark forward in the caller's transaction (it never moves back)."""
    state = session.get(MailboxState, (account, folder))
    if state is not None and uid > state.last_uid:
        state.last_uid = uid
        session.add(state)

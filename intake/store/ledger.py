"""The message ledger: raw bytes first, then exactly one disposition per message.

Idempotency lives in unique constraints: a server copy is known by (account, folder, UIDVALIDITY,
UID), a message by (Message-ID, sha256). Processing is claimed with a conditional UPDATE so two
workers never take the same message; a claim left by a dead worker is taken over.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from intake.store.dialect import insert_ignore, insert_ignore_many
from intake.store.models import (
    Blob,
    Case,
    Disposition,
    MailboxState,
    Message,
    MessageLocation,
    ServerState,
    Stage,
    utcnow,
)

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=15)  # a claim older than this is taken over whoever held it


@dataclass(frozen=True)
class Location:
    """Where on an IMAP server a message was found."""

    account: str
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class LoadedMessage:
    """A ledger message as the pipeline reads it: its identity, when it was taken in, and its bytes."""

    message_pk: int
    message_id: str
    taken_in: datetime
    raw: bytes


@dataclass(frozen=True)
class Filing:
    """What is kept with a filed message beside its disposition, so the case page never parses it again."""

    body_text: str | None = None  # the text staff read (None: not kept, e.g. ignored mail)
    mail_date: datetime | None = None  # the Date header
    flags: tuple[str, ...] = ()  # what was wrong with the message itself (different_sender, subject_cut ...)
    warnings: tuple[str, ...] = ()  # the same in words


@dataclass(frozen=True)
class Stored:
    """The ledger row a raw message landed in, and whether this call created it."""

    message_pk: int
    created: bool
    disposition: Disposition


def worker_identity() -> str:
    """This process's claim name: host and pid, so a claim of a dead local process can be recognised."""
    return f"{socket.gethostname()}:{os.getpid()}"


def message_id_of(raw: bytes) -> str:
    """The Message-ID header of raw bytes, read cheaply before full parsing (the dedup key)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    for index, line in enumerate(lines):
        if line[:11].lower() == b"message-id:":
            value = line[11:]
            for cont in lines[index + 1 :]:
                if cont[:1] not in (b" ", b"\t"):
                    break
                value += cont
            text = value.decode("utf-8", "replace").strip()
            return text.split()[0][:998] if text else ""
    return ""


def store_blob(session: Session, data: bytes) -> str:
    """Keep bytes once, keyed by their sha256; returns the digest."""
    digest = hashlib.sha256(data).hexdigest()
    insert_ignore(session, Blob.__table__, {"sha256": digest, "size": len(data), "data": data,
                                            "created_at": utcnow()}, ["sha256"])
    return digest


def store_raw(session: Session, raw: bytes, *, source: str, location: Location | None = None) -> Stored:
    """Commit the raw message to the ledger (idempotently) before anything else looks at it."""
    [stored] = store_batch(session, [(raw, source, location)])
    return stored


def store_batch(session: Session, items: Sequence[tuple[bytes, str, Location | None]],
                on_commit: Callable[[Session], None] | None = None) -> list[Stored]:
    """Commit several raw messages in one transaction (a fetched IMAP batch); `on_commit` adds to it.

    One commit and a handful of multi-row statements per batch, rather than per message, is what keeps
    take-in close to the speed of the bare IMAP fetch; the bytes are still committed before any of them
    is parsed.
    """
    now = utcnow()
    keyed = [(raw, source, location, message_id_of(raw), hashlib.sha256(raw).hexdigest())
             for raw, source, location in items]
    blobs = {digest: {"sha256": digest, "size": len(raw), "data": raw, "created_at": now}
             for raw, _, _, _, digest in keyed}
    insert_ignore_many(session, Blob.__table__, list(blobs.values()), ["sha256"])
    messages = {(mid, digest): {
        "sha256": digest, "message_id": mid, "source": source[:300], "size": len(raw), "received_at": now,
        "created_at": now, "disposition": Disposition.PENDING, "attempts": 0, "sender": "", "subject": "",
        "reason": "", "stage": Stage.NONE, "error": "", "traceback": ""} for raw, source, _, mid, digest in keyed}
    created = insert_ignore_many(session, Message.__table__, list(messages.values()), ["message_id", "sha256"])
    rows = session.exec(select(Message.id, Message.disposition, Message.message_id, Message.sha256).where(
        sa.tuple_(col(Message.message_id), col(Message.sha256)).in_(list(messages)))).all()
    found = {(mid, digest): (pk, disposition) for pk, disposition, mid, digest in rows}
    locations = [{"message_pk": found[(mid, digest)][0], "account": loc.account, "folder": loc.folder,
                  "uidvalidity": loc.uidvalidity, "uid": loc.uid, "server_state": ServerState.PENDING,
                  "server_error": "", "created_at": now}
                 for _, _, loc, mid, digest in keyed if loc is not None]
    insert_ignore_many(session, MessageLocation.__table__, locations, ["account", "folder", "uidvalidity", "uid"])
    if on_commit is not None:
        on_commit(session)
    session.commit()
    stored, seen = [], set()
    for _, _, _, mid, digest in keyed:
        pk, disposition = found[(mid, digest)]
        stored.append(Stored(pk, (mid, digest) in created and (mid, digest) not in seen, Disposition(disposition)))
        seen.add((mid, digest))
    return stored


def claim(session: Session, message_pk: int, *, worker: str, now: datetime | None = None) -> bool:
    """Take a pending message for processing; False when it is done or another live worker has it."""
    now = now or utcnow()
    current = session.exec(select(Message.claimed_by, Message.claimed_at, Message.disposition)
                           .where(Message.id == message_pk)).one_or_none()
    if current is None or current[2] != Disposition.PENDING:
        return False
    holder, claimed_at = current[0], current[1]
    free = holder is None or holder == worker or _holder_is_dead(holder)
    if not free and claimed_at is not None and now - claimed_at < CLAIM_LEASE:
        return False
    statement = (
        sa.update(Message)
        .where(col(Message.id) == message_pk, col(Message.disposition) == Disposition.PENDING)
        .where(col(Message.claimed_by).is_(None) if holder is None else col(Message.claimed_by) == holder)
        .values(claimed_by=worker, claimed_at=now, attempts=Message.attempts + 1)
    )
    won = session.execute(statement).rowcount == 1
    session.commit()
    return won


def _holder_is_dead(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def finish(session: Session, message_pk: int, *, worker: str, disposition: Disposition, reason: str,
           case_pk: int | None = None, sender: str = "", subject: str = "", filing: Filing | None = None) -> bool:
    """Record the disposition inside the caller's transaction; False if this worker no longer holds it.

    The caller commits only when this returns True, so a case is never filed twice.
    """
    filing = filing or Filing()
    statement = (
        sa.update(Message)
        .where(col(Message.id) == message_pk, col(Message.disposition) == Disposition.PENDING,
               col(Message.claimed_by) == worker)
        .values(disposition=disposition, reason=reason[:2000], case_pk=case_pk, processed_at=utcnow(),
                sender=sender[:320], subject=subject, stage=Stage.NONE, error="", traceback="",
                body_text=filing.body_text, mail_date=filing.mail_date, flags=list(filing.flags),
                warnings=list(filing.warnings))
    )
    return session.execute(statement).rowcount == 1


def quarantine(session: Session, message_pk: int, *, worker: str, stage: Stage, reason: str, trace: str) -> None:
    """Keep a message that could not be processed, with the stage, a one-line reason and the traceback."""
    session.rollback()
    session.execute(
        sa.update(Message)
        .where(col(Message.id) == message_pk, col(Message.disposition) == Disposition.PENDING,
               col(Message.claimed_by) == worker)
        .values(disposition=Disposition.QUARANTINED, stage=stage, reason=reason[:2000], error=reason[:2000],
                traceback=trace[-20000:], processed_at=utcnow())
    )
    session.commit()


def requeue(session: Session, message_pk: int) -> bool:
    """Make a quarantined message pending again; False when there is no such quarantined message."""
    result = session.execute(
        sa.update(Message)
        .where(col(Message.id) == message_pk, col(Message.disposition) == Disposition.QUARANTINED)
        .values(disposition=Disposition.PENDING, claimed_by=None, claimed_at=None, processed_at=None)
    )
    session.commit()
    return result.rowcount == 1


def file_quarantined(session: Session, *, message_pk: int, case_pk: int, reason: str) -> bool:
    """Mark a quarantined message filed under a case staff made by hand (in the caller's transaction);
    False when it is no longer in quarantine."""
    result = session.execute(
        sa.update(Message)
        .where(col(Message.id) == message_pk, col(Message.disposition) == Disposition.QUARANTINED)
        .values(disposition=Disposition.CASE, case_pk=case_pk, processed_at=utcnow(), reason=reason[:2000])
    )
    return result.rowcount == 1


def pending_ids(session: Session, *, limit: int = 1000) -> list[int]:
    """Messages still waiting for a disposition (after a crash, or stored but not yet processed)."""
    statement = (select(Message.id).where(Message.disposition == Disposition.PENDING)
                 .order_by(col(Message.id)).limit(limit))
    return list(session.exec(statement))


def locations_to_act_on(session: Session, account: str) -> Sequence[tuple[MessageLocation, Disposition]]:
    """Server copies whose message is committed but not yet moved or flagged on the server."""
    statement = (
        select(MessageLocation, Message.disposition)
        .join(Message, col(Message.id) == MessageLocation.message_pk)
        .where(MessageLocation.account == account, MessageLocation.server_state == ServerState.PENDING,
               Message.disposition != Disposition.PENDING)
        .order_by(col(MessageLocation.id))
    )
    return [(loc, Disposition(disp)) for loc, disp in session.exec(statement)]


def mark_locations(session: Session, location_ids: Sequence[int], state: ServerState, error: str = "") -> None:
    """Record what was done to server copies."""
    if location_ids:
        session.execute(sa.update(MessageLocation).where(col(MessageLocation.id).in_(location_ids))
                        .values(server_state=state, server_error=error[:2000]))
        session.commit()


def load_raw(session: Session, message_pk: int) -> bytes:
    """The raw bytes of a ledger message."""
    statement = select(Blob.data).join(Message, col(Message.sha256) == Blob.sha256).where(Message.id == message_pk)
    return session.exec(statement).one()


def load_message(session: Session, message_pk: int) -> LoadedMessage:
    """A ledger message's Message-ID, take-in time and raw bytes, in one query."""
    statement = (select(Message.message_id, Message.received_at, Blob.data)
                 .join(Blob, col(Message.sha256) == Blob.sha256).where(Message.id == message_pk))
    message_id, taken_in, raw = session.exec(statement).one()
    return LoadedMessage(message_pk, message_id, taken_in, raw)


def quarantined(session: Session, *, limit: int) -> list[Message]:
    """Quarantined messages, newest first."""
    statement = (select(Message).where(Message.disposition == Disposition.QUARANTINED)
                 .order_by(col(Message.id).desc()).limit(limit))
    return list(session.exec(statement))


def search(session: Session, *, text: str, disposition: str, limit: int) -> list[tuple[Message, str | None]]:
    """Messages whose Message-ID or sender contains `text`, optionally of one disposition, newest first, each with
    the reference of its case (or None)."""
    statement = (select(Message, Case.reference).join(Case, col(Case.id) == Message.case_pk, isouter=True)
                 .order_by(col(Message.id).desc()).limit(limit))
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(sa.or_(sa.func.lower(Message.message_id).like(pattern, escape="\\"),
                                           sa.func.lower(Message.sender).like(pattern, escape="\\")))
    if disposition in {d.value for d in Disposition}:
        statement = statement.where(Message.disposition == disposition)
    return list(session.exec(statement))


def mailbox_states(session: Session) -> list[MailboxState]:
    """The sync state of every folder of every account, by account."""
    return list(session.exec(select(MailboxState).order_by(col(MailboxState.account))))

"""The outbox: outgoing mail queued inside the filing transaction, and the job that sends it at most once.

Sending is a small state machine on each row: `pending` -> `sending` (a conditional UPDATE, committed
before any byte goes to the SMTP server) -> `sent`, or back to `pending` with a later `next_attempt_at`
after a temporary failure, or `failed` after a permanent one. The Message-ID is fixed when the row is
queued, so a bounce or a reply can always be traced to its case.

A crash between the SMTP server accepting a message and our recording it leaves the row in `sending`.
Nothing can tell from the database whether the server took the message, so such a row is never resent
on its own: once its claim is older than the lease (longer than any SMTP conversation can last) it is
marked `failed` with a reason that asks staff to look in the sent folder, and `outbox retry ID` sends
it again if they find it was not sent. One missed acknowledgement, seen by staff, is better than two.

Floods: an acknowledgement over a per-domain or overall cap is queued `held` (never sent by the job); a manager
releases it (`held` -> `pending`, a conditional UPDATE, so once only) or discards it (`held` -> `suppressed`).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from intake.config.settings import AcknowledgementSettings, OutboxSettings
from intake.mail.oauth import OAuthError
from intake.mail.smtp import SmtpPermanentError, SmtpTemporaryError
from intake.outgoing.doorbell import ring_after_commit
from intake.store.audit import SYSTEM, AuditAction, record
from intake.store.dialect import insert_ignore
from intake.store.ledger import worker_identity
from intake.store.models import Case, MailKind, Outbox, OutboxStatus, utcnow
from parsers.addresses import domain_of, mailbox_key, registrable_domain, valid_address
from rules.screen import LOOP_HEADER, OWN_MESSAGE_ID_PREFIX

log = logging.getLogger(__name__)

ACK_BOUNCED = "acknowledgement_bounced"  # case flag: the referrer's address failed
INTERRUPTED = "interrupted during send; check the sent folder before retrying (outbox retry ID)"
NO_VALID_RECIPIENT = "permanent failure: no valid recipient address (nothing was sent)"
_LIVE = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT)


class Transport(Protocol):
    """Delivers one message (intake.mail.smtp.SmtpTransport), raising SmtpTemporaryError or SmtpPermanentError."""

    def send(self, message: EmailMessage) -> None:
        """Send one message."""


@dataclass(frozen=True)
class Draft:
    """An email to queue: everything but its Message-ID and delivery state."""

    kind: MailKind
    recipient: str
    subject: str
    body_text: str
    body_html: str
    in_reply_to: str = ""
    references: str = ""


@dataclass
class SendReport:
    """What one run of the sender job did, by row id."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    interrupted: list[int] = field(default_factory=list)


def new_message_id(own_address: str) -> str:
    """A fresh Message-ID in our own recognisable form, so that screening knows our mail when it returns."""
    domain = own_address.rsplit("@", 1)[-1].lower()
    return f"{OWN_MESSAGE_ID_PREFIX}{uuid.uuid4().hex}@{domain}>"


def rate_limit_reason(session: Session, recipient: str, limits: AcknowledgementSettings,
                      now: datetime | None = None) -> str:
    """Why one more email to this mailbox would exceed the per-recipient limits, or "" when it would not.

    The mailbox is keyed without case or plus-tag (parsers.addresses.mailbox_key): x+1@ and X+2@ are one.
    """
    now = now or utcnow()
    for window, limit, label in ((timedelta(hours=1), limits.max_per_hour, "hour"),
                                 (timedelta(days=1), limits.max_per_day, "day")):
        statement = select(func.count()).select_from(Outbox).where(
            Outbox.recipient_key == mailbox_key(recipient)[:320], col(Outbox.status).in_(_LIVE),
            Outbox.created_at >= now - window)
        if session.exec(statement).one() >= limit:
            return f"rate limit: {limit} emails to this address in the last {label} already"
    return ""


def flood_cap_reason(session: Session, recipient: str, limits: AcknowledgementSettings,
                     now: datetime | None = None) -> str:
    """Why one more acknowledgement would go over a per-domain or overall flood cap, or "" when it would not.

    Counts acknowledgements queued to be sent, being sent or sent in the window (held, suppressed and failed
    ones do not count: they reached no one).
    """
    now = now or utcnow()
    domain = registrable_domain(domain_of(recipient))[:255]
    live = (Outbox.kind == MailKind.ACKNOWLEDGEMENT, col(Outbox.status).in_(_LIVE))
    windows = ((timedelta(hours=1), "an hour", limits.per_domain_per_hour, limits.overall_per_hour),
               (timedelta(days=1), "a day", limits.per_domain_per_day, limits.overall_per_day))
    for window, label, domain_cap, overall_cap in windows:
        since = Outbox.created_at >= now - window
        if domain and domain not in {registrable_domain(d) for d in limits.uncapped_domains}:
            count = session.exec(select(func.count()).select_from(Outbox)
                                 .where(*live, since, Outbox.recipient_domain == domain)).one()
            if count >= domain_cap:
                return f"held: per-domain flood cap reached ({domain_cap} acknowledgements to {domain} in {label})"
        if session.exec(select(func.count()).select_from(Outbox).where(*live, since)).one() >= overall_cap:
            return f"held: overall flood cap reached ({overall_cap} acknowledgements in {label})"
    return ""


def queue(session: Session, *, key: str, draft: Draft, own_address: str, case_pk: int | None,
          message_pk: int | None, suppressed: str = "", held: str = "") -> Outbox:
    """Queue an email in the caller's transaction (once per key); `suppressed` records it as not to be sent,
    `held` as kept back for a manager (a flood cap), each with its reason."""
    status = (OutboxStatus.SUPPRESSED if suppressed else OutboxStatus.HELD if held else OutboxStatus.PENDING)
    now = utcnow()
    insert_ignore(session, Outbox.__table__, {
        "idempotency_key": key, "case_pk": case_pk, "message_pk": message_pk, "kind": str(draft.kind),
        "recipient": draft.recipient[:320], "recipient_key": mailbox_key(draft.recipient)[:320],
        "recipient_domain": registrable_domain(domain_of(draft.recipient))[:255],
        "message_id": new_message_id(own_address), "subject": draft.subject, "body_text": draft.body_text,
        "body_html": draft.body_html, "in_reply_to": draft.in_reply_to[:998],
        "thread_references": draft.references, "status": status, "reason": (suppressed or held)[:2000],
        "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now,
    }, ["idempotency_key"])
    row = session.exec(select(Outbox).where(Outbox.idempotency_key == key)).one()
    if row.status == OutboxStatus.PENDING:
        ring_after_commit(session)  # the sender wakes as this transaction commits, not a timer later
    if suppressed and row.status == OutboxStatus.SUPPRESSED and case_pk is not None:
        record(session, actor=SYSTEM, action=AuditAction(f"{draft.kind}_suppressed"), case_pk=case_pk,
               message_pk=message_pk, detail={"outbox": row.id, "reason": suppressed})
    if held and row.status == OutboxStatus.HELD and case_pk is not None:
        record(session, actor=SYSTEM, action=AuditAction.ACKNOWLEDGEMENT_HELD, case_pk=case_pk,
               message_pk=message_pk, detail={"outbox": row.id, "reason": held})
    return row


def build_email(row: Outbox, *, own_address: str, sender_name: str) -> EmailMessage:
    """The email for an outbox row, marked so that no well-behaved robot answers it (RFC 3834)."""
    message = EmailMessage()
    message["From"] = f"{sender_name} <{own_address}>" if sender_name else own_address
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = row.message_id
    if row.in_reply_to:
        message["In-Reply-To"] = row.in_reply_to
    if row.thread_references:
        message["References"] = row.thread_references
    if row.kind != MailKind.REFERRER_REPLY:
        # A person's letter is answered by a person: only our automatic mail is marked as automatic.
        # RFC 3834: an acknowledgement answers a message; an alert is generated, not a reply.
        replied = row.kind == MailKind.ACKNOWLEDGEMENT
        message["Auto-Submitted"] = "auto-replied" if replied else "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
        message["Precedence"] = "auto_reply" if replied else "bulk"
    message[LOOP_HEADER] = f"{row.kind}; outbox {row.id}"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


def backoff_delay(attempts: int, settings: OutboxSettings) -> timedelta:
    """How long to wait after the n-th failed try: doubling from the base, capped."""
    seconds = settings.backoff_base_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.backoff_max_seconds))


class OutboxSender:
    """Sends the rows that are due, one at a time; safe beside another sender (claims are conditional)."""

    def __init__(self, engine: Engine, transport: Transport, settings: OutboxSettings, *, own_address: str,
                 sender_name: str = "", worker: str | None = None) -> None:
        self._engine = engine
        self._transport = transport
        self._settings = settings
        self._own_address = own_address
        self._sender_name = sender_name
        self.worker = worker or worker_identity()

    def send_due(self, now: datetime | None = None) -> SendReport:
        """Hold interrupted sends for staff, then send every pending row whose time has come."""
        now = now or utcnow()
        report = SendReport(interrupted=self._hold_interrupted(now))
        with Session(self._engine) as session:
            due = list(session.exec(
                select(Outbox.id).where(Outbox.status == OutboxStatus.PENDING, Outbox.next_attempt_at <= now)
                .order_by(col(Outbox.id)).limit(self._settings.batch_size)))
        for outbox_pk in due:
            row = self._claim(outbox_pk, now)
            if row is not None:
                self._deliver(row, report)
        return report

    def _hold_interrupted(self, now: datetime) -> list[int]:
        cutoff = now - timedelta(seconds=self._settings.sending_lease_seconds)
        with Session(self._engine) as session:
            stale = list(session.exec(select(Outbox.id).where(
                Outbox.status == OutboxStatus.SENDING, col(Outbox.claimed_at) < cutoff)))
            for outbox_pk in stale:
                self._finish(session, outbox_pk, OutboxStatus.FAILED, reason=INTERRUPTED)
            session.commit()
        for outbox_pk in stale:
            log.warning("outbox %s: found interrupted during send; held for staff, not resent", outbox_pk)
        return stale

    def _claim(self, outbox_pk: int, now: datetime) -> Outbox | None:
        """pending -> sending, committed before sending: a second sender (or a restart) never sends it too."""
        with Session(self._engine) as session:
            won = session.execute(
                sa.update(Outbox).where(col(Outbox.id) == outbox_pk, col(Outbox.status) == OutboxStatus.PENDING)
                .values(status=OutboxStatus.SENDING, claimed_by=self.worker, claimed_at=now,
                        attempts=Outbox.attempts + 1)).rowcount == 1
            session.commit()
            row = session.get(Outbox, outbox_pk) if won else None
            if row is not None:
                session.expunge(row)
            return row

    def _deliver(self, row: Outbox, report: SendReport) -> None:
        if not valid_address(row.recipient):
            # Known before any byte is sent: a clear permanent failure, never "interrupted" (which invites a retry).
            self._record_failure(row, NO_VALID_RECIPIENT)
            report.failed.append(row.id)
            return
        try:
            self._transport.send(build_email(row, own_address=self._own_address, sender_name=self._sender_name))
        except (SmtpTemporaryError, OAuthError) as exc:  # nothing reached the recipient: safe to try again
            self._after_temporary(row, str(exc), report)
            return
        except SmtpPermanentError as exc:
            self._record_failure(row, f"permanent failure: {exc}")
            report.failed.append(row.id)
            return
        except Exception as exc:  # unknown: it may have been sent, so it is held for staff, not retried
            self._record_failure(row, f"unexpected {type(exc).__name__} while sending; {INTERRUPTED}")
            report.failed.append(row.id)
            return
        self.mark_sent(row)
        report.sent.append(row.id)
        log.info("outbox %s: sent (%s, case %s)", row.id, row.kind, row.case_pk)

    def mark_sent(self, row: Outbox) -> None:
        """Record delivery, and on the case that it was acknowledged, in one transaction."""
        with Session(self._engine) as session:
            # A send slower than the lease may have been held as interrupted meanwhile: it was sent all the same.
            self._finish(session, row.id, OutboxStatus.SENT, expect=(OutboxStatus.SENDING, OutboxStatus.FAILED),
                         sent_at=utcnow(), reason="")
            if row.kind == MailKind.ACKNOWLEDGEMENT and row.case_pk is not None:
                session.execute(sa.update(Case).where(col(Case.id) == row.case_pk).values(acknowledged=True))
                record(session, actor=SYSTEM, action=AuditAction.ACKNOWLEDGEMENT_SENT, case_pk=row.case_pk,
                       message_pk=row.message_pk, detail={"outbox": row.id})
            elif row.kind == MailKind.LIVE_CONCERN_ALERT and row.case_pk is not None:
                record(session, actor=SYSTEM, action=AuditAction.LIVE_CONCERN_ALERT_SENT, case_pk=row.case_pk,
                       detail={"outbox": row.id})
            session.commit()

    def _after_temporary(self, row: Outbox, error: str, report: SendReport) -> None:
        if row.attempts >= self._settings.max_attempts:
            self._record_failure(row, f"gave up after {row.attempts} attempts: {error}")
            report.failed.append(row.id)
            return
        later = utcnow() + backoff_delay(row.attempts, self._settings)
        with Session(self._engine) as session:
            self._finish(session, row.id, OutboxStatus.PENDING, last_error=error[:2000], next_attempt_at=later,
                         claimed_by=None, claimed_at=None)
            session.commit()
        report.retrying.append(row.id)
        log.warning("outbox %s: temporary failure (attempt %d); next try %s", row.id, row.attempts,
                    later.isoformat(timespec="seconds"))

    def _record_failure(self, row: Outbox, reason: str) -> None:
        with Session(self._engine) as session:
            self._finish(session, row.id, OutboxStatus.FAILED, reason=reason[:2000], last_error=reason[:2000])
            if row.case_pk is not None:
                record(session, actor=SYSTEM, action=AuditAction(f"{row.kind}_failed"), case_pk=row.case_pk,
                       message_pk=row.message_pk, detail={"outbox": row.id, "reason": reason})
            session.commit()
        log.error("outbox %s: failed: %s", row.id, reason)

    @staticmethod
    def _finish(session: Session, outbox_pk: int, status: OutboxStatus, *,
                expect: tuple[OutboxStatus, ...] = (OutboxStatus.SENDING,), **values: Any) -> None:
        session.execute(sa.update(Outbox).where(col(Outbox.id) == outbox_pk, col(Outbox.status).in_(expect))
                        .values(status=status, **values))


def record_bounce(session: Session, *, case: Case, message_pk: int, quoted_ids: Sequence[str]) -> None:
    """A bounce of our mail: the case shows the referrer's address failed and is no longer acknowledged."""
    bounced = list(session.exec(select(Outbox).where(Outbox.case_pk == case.id,
                                                     col(Outbox.message_id).in_(list(quoted_ids)))))
    for row in bounced:
        row.last_error = f"bounced: delivery failure report in message {message_pk}"
        session.add(row)
    if any(row.kind == MailKind.ACKNOWLEDGEMENT for row in bounced):
        case.flags = sorted({*case.flags, ACK_BOUNCED})
        case.acknowledged = False
        case.updated_at = utcnow()
        session.add(case)
    record(session, actor=SYSTEM, action=AuditAction.ACKNOWLEDGEMENT_BOUNCED, case_pk=case.id, message_pk=message_pk,
           detail={"outbox": [row.id for row in bounced]})


def retry(session: Session, outbox_pk: int) -> bool:
    """Put a failed email back in the queue (staff checked it was not sent); False if it is not failed."""
    result = session.execute(
        sa.update(Outbox).where(col(Outbox.id) == outbox_pk, col(Outbox.status) == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow(), claimed_by=None,
                claimed_at=None, reason=""))
    session.commit()
    return result.rowcount == 1


def iter_outbox(session: Session) -> Iterator[dict[str, Any]]:
    """Every outgoing email with its state, oldest first (no bodies: they are in the database)."""
    for row in session.exec(select(Outbox).order_by(col(Outbox.id))):
        reference = session.get(Case, row.case_pk).reference if row.case_pk else None
        yield {"id": row.id, "kind": row.kind, "case_reference": reference, "message_pk": row.message_pk,
               "status": str(row.status), "reason": row.reason, "attempts": row.attempts,
               "next_attempt_at": row.next_attempt_at.isoformat(), "last_error": row.last_error,
               "message_id": row.message_id, "sent_at": row.sent_at.isoformat() if row.sent_at else None}


def failed_mail(session: Session, *, limit: int) -> list[tuple[Outbox, str | None]]:
    """Outgoing mail that failed, newest first, each with the reference of its case (or None)."""
    statement = (select(Outbox, Case.reference).join(Case, col(Case.id) == Outbox.case_pk, isouter=True)
                 .where(Outbox.status == OutboxStatus.FAILED).order_by(col(Outbox.id).desc()).limit(limit))
    return list(session.exec(statement))


@dataclass(frozen=True)
class HeldSummary:
    """Acknowledgements held by the flood caps: how many, since when, why (reason -> count), the oldest first."""

    count: int
    since: datetime | None
    reasons: list[tuple[str, int]]
    rows: list[tuple[Outbox, str | None]]


def held_mail(session: Session, *, limit: int) -> HeldSummary:
    """The held acknowledgements, for the intake health page and the digest."""
    held = Outbox.status == OutboxStatus.HELD
    count = session.exec(select(func.count()).select_from(Outbox).where(held)).one()
    since = session.exec(select(func.min(Outbox.created_at)).where(held)).one()
    reasons = Counter(session.exec(select(Outbox.reason).where(held)))
    statement = (select(Outbox, Case.reference).join(Case, col(Case.id) == Outbox.case_pk, isouter=True)
                 .where(held).order_by(col(Outbox.id)).limit(limit))
    return HeldSummary(count, since, reasons.most_common(), list(session.exec(statement)))


def release_held(session: Session, outbox_pks: Sequence[int], *, actor: str) -> list[int]:
    """Let held acknowledgements go: held -> pending, due now (conditional: each is released once only).

    Audited per case; the caller commits. Returns the ids released.
    """
    return _leave_held(session, outbox_pks, actor=actor, status=OutboxStatus.PENDING,
                       action=AuditAction.HELD_MAIL_RELEASED, values={"next_attempt_at": utcnow(), "reason": ""})


def discard_held(session: Session, outbox_pks: Sequence[int], *, actor: str) -> list[int]:
    """Decide held acknowledgements are not to be sent: held -> suppressed, with who discarded them."""
    return _leave_held(session, outbox_pks, actor=actor, status=OutboxStatus.SUPPRESSED,
                       action=AuditAction.HELD_MAIL_DISCARDED,
                       values={"reason": f"discarded by {actor} after being held by a flood cap"[:2000]})


def held_ids(session: Session, *, up_to: int) -> list[int]:
    """Every held email's id up to and including `up_to` (what a page listed: later arrivals are not touched)."""
    return list(session.exec(select(Outbox.id).where(Outbox.status == OutboxStatus.HELD, col(Outbox.id) <= up_to)
                             .order_by(col(Outbox.id))))


def _leave_held(session: Session, outbox_pks: Sequence[int], *, actor: str, status: OutboxStatus,
                action: AuditAction, values: dict[str, Any]) -> list[int]:
    done: list[int] = []
    for outbox_pk in outbox_pks:
        won = session.execute(sa.update(Outbox).where(col(Outbox.id) == outbox_pk,
                                                      col(Outbox.status) == OutboxStatus.HELD)
                              .values(status=status, **values)).rowcount == 1
        if not won:
            continue
        done.append(outbox_pk)
        row = session.get(Outbox, outbox_pk)
        record(session, actor=actor, action=action, case_pk=row.case_pk if row else None,
               message_pk=row.message_pk if row else None, detail={"outbox": outbox_pk})
    if done and status == OutboxStatus.PENDING:
        ring_after_commit(session)
    return done

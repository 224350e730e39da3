"""The queue database: SQLModel tables and the status enums they use.

Every timestamp is timezone-aware UTC (`UtcDateTime`). JSON columns hold values exactly as they are
exported. Raw bytes (messages and attachments) live once each in `blob`, keyed by their sha256.

Person data is sealed at rest (intake/store/sealing.py): the columns typed SealedBytes, SealedText and SealedJSON
are encrypted on write and opened on read, and are never compared in SQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from intake.store.sealing import SealedBytes, SealedJSON, SealedText
from parsers.values import FormType
from rules.review import ClockStage
from rules.values import CsprDecision, SarDecision, Track


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A DateTime that refuses naive values and always comes back timezone-aware UTC (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(**kwargs: Any) -> Any:
    return Field(sa_type=UtcDateTime, **kwargs)


def _json(**kwargs: Any) -> Any:
    return Field(sa_type=sa.JSON, **kwargs)


class Disposition(StrEnum):
    """How a message ended. `pending` only until the worker has committed one of the others."""

    PENDING = "pending"
    CASE = "case"
    FOLLOW_UP = "follow_up"
    IGNORED = "ignored"
    QUARANTINED = "quarantined"


class ServerState(StrEnum):
    """What has been done to the server copy of a message."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class CaseStatus(StrEnum):
    """Where a case stands in triage."""

    NEW = "new"
    IN_TRIAGE = "in_triage"
    AWAITING_INFORMATION = "awaiting_information"
    DECIDED = "decided"
    CLOSED = "closed"
    # The review after triage (rules/review.py): statuses that follow from the recorded steps.
    IN_REVIEW = "in_review"
    WITHDRAWN = "withdrawn"
    TRANSFERRED = "transferred"
    ROUTED_ELSEWHERE = "routed_elsewhere"


class OutboxStatus(StrEnum):
    """Delivery state of one outgoing email."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    HELD = "held"  # over a flood cap: kept, not sent, until a manager releases (-> pending) or discards it


class Stage(StrEnum):
    """Where processing of a message stopped: empty unless it was quarantined."""

    NONE = ""
    LOAD = "load"
    PARSE = "parse"
    SCREEN = "screen"
    EXTRACT = "extract"
    CLASSIFY = "classify"
    FILE = "file"


class StaffCspr(StrEnum):
    """A person's decision on a child's case: notify the national panel or not."""

    NOTIFY = "notify"
    DO_NOT_NOTIFY = "do_not_notify"


class StaffSar(StrEnum):
    """A person's decision on an adult's case under Care Act s44."""

    MANDATORY = "mandatory"
    DISCRETIONARY = "discretionary"
    NOT_MET = "not_met"


class MailKind(StrEnum):
    """What an outgoing email is."""

    ACKNOWLEDGEMENT = "acknowledgement"
    REFERRER_REPLY = "referrer_reply"  # a letter a person wrote on the case page
    LIVE_CONCERN_ALERT = "live_concern_alert"  # to the duty address: reference and link only (issue 11)


SYSTEM = "system"  # the actor of everything the service does by itself (filing, sending, flagging)


class AuditAction(StrEnum):
    """What a person did, or what the service did by itself (recorded with the actor `SYSTEM`)."""

    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    SIGN_IN_REFUSED = "sign_in_refused"
    SIGN_IN_THROTTLED = "sign_in_throttled"  # many refused sign-ins for one name: slowed, and admins told
    CASE_VIEWED = "case_viewed"
    EMAIL_DOWNLOADED = "email_downloaded"
    ATTACHMENT_DOWNLOADED = "attachment_downloaded"
    FIELD_CORRECTED = "field_corrected"
    FIELD_ADDED = "field_added"
    REFERRER_REPLIED_TO = "referrer_replied_to"
    DECISION_RECORDED = "decision_recorded"
    CASE_ASSIGNED = "case_assigned"
    STATUS_CHANGED = "status_changed"
    NOTE_ADDED = "note_added"
    DUPLICATE_LINKED = "duplicate_linked"
    DUPLICATE_UNLINKED = "duplicate_unlinked"
    MESSAGE_REQUEUED = "message_requeued"
    MESSAGE_NOT_REFERRAL = "message_not_referral"
    MAIL_RETRIED = "mail_retried"
    QUEUE_EXPORTED = "queue_exported"
    ATTACHMENT_UNLOCKED = "attachment_unlocked"
    ATTACHMENT_UNLOCK_REFUSED = "attachment_unlock_refused"
    ANSWER_MAPPED = "answer_mapped"
    MAPPING_UNDONE = "mapping_undone"
    USER_ADDED = "user_added"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    USER_PASSWORD_RESET = "user_password_reset"
    USER_ROLE_CHANGED = "user_role_changed"
    CASE_FILED_BY_HAND = "case_filed_by_hand"
    REPORT_EXPORTED = "report_exported"
    STEP_RECORDED = "step_recorded"  # a step of the review after triage (intake/store/steps.py)
    # The service's own actions.
    CASE_CREATED = "case_created"
    FOLLOW_UP_RECEIVED = "follow_up_received"
    BOUNCE_RECEIVED = "bounce_received"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    ACKNOWLEDGEMENT_SENT = "acknowledgement_sent"
    ACKNOWLEDGEMENT_SUPPRESSED = "acknowledgement_suppressed"
    ACKNOWLEDGEMENT_FAILED = "acknowledgement_failed"
    ACKNOWLEDGEMENT_BOUNCED = "acknowledgement_bounced"
    LIVE_CONCERN_ALERT_SENT = "live_concern_alert_sent"
    LIVE_CONCERN_ALERT_SUPPRESSED = "live_concern_alert_suppressed"
    LIVE_CONCERN_ALERT_FAILED = "live_concern_alert_failed"
    # Retention (issue 13): legal holds by managers, and the purge (actor SYSTEM, or `cli` for `service.py purge`).
    LEGAL_HOLD_PLACED = "legal_hold_placed"
    LEGAL_HOLD_RELEASED = "legal_hold_released"
    DATA_PURGED = "data_purged"
    ACKNOWLEDGEMENT_HELD = "acknowledgement_held"  # over a flood cap (issue 13)
    HELD_MAIL_RELEASED = "held_mail_released"  # a manager let held acknowledgements go
    HELD_MAIL_DISCARDED = "held_mail_discarded"  # a manager decided they are not to be sent
    # Follow-ups from a different sender (issue 13): their fields are proposed until a person decides.
    PROPOSED_FIELD_ACCEPTED = "proposed_field_accepted"
    PROPOSED_FIELD_REJECTED = "proposed_field_rejected"
    DIFFERENT_SENDER_REVIEWED = "different_sender_reviewed"



class Blob(SQLModel, table=True):
    """Raw bytes, stored once per content (message sources and attachments)."""

    __tablename__ = "blobs"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    data: bytes = Field(sa_type=SealedBytes)
    created_at: datetime = _ts(default_factory=utcnow)


class Message(SQLModel, table=True):
    """The ledger: one row per message ever taken in, with exactly one disposition once processed."""

    __tablename__ = "messages"

    __table_args__ = (sa.UniqueConstraint("message_id", "sha256", name="uq_message_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    # No foreign key to `blobs`: a purged message keeps its sha256 (with the Message-ID, the ledger's identity, so a
    # copy delivered again is still known) after its bytes are deleted (migration 0016b, intake/store/purge.py).
    sha256: str = Field(max_length=64, index=True)
    message_id: str = Field(default="", max_length=998, index=True)
    source: str = Field(max_length=300)  # "imap:account/folder" or "file"
    received_at: datetime = _ts(default_factory=utcnow)
    sender: str = Field(default="", max_length=320)
    subject: str = Field(default="", sa_type=SealedText)
    size: int = 0
    disposition: Disposition = Field(default=Disposition.PENDING, sa_type=sa.String(20), index=True)
    reason: str = Field(default="", sa_type=sa.Text)
    stage: Stage = Field(default=Stage.NONE, sa_type=sa.String(40))
    error: str = Field(default="", sa_type=sa.Text)
    traceback: str = Field(default="", sa_type=sa.Text)
    # The case's primary key, case_pk as everywhere in Python; the column keeps its name (case_id).
    case_pk: int | None = Field(
        default=None, sa_column=sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), index=True))
    attempts: int = 0
    # How it was wrapped (parsers.values.Envelope.to_dict): S/MIME signer, secure-email service, links.
    envelope: dict[str, Any] | None = Field(default=None, sa_type=SealedJSON)
    # Filed with the message (issue 13), so the case page never parses the raw email again: the text staff
    # read (None: filed before this was kept, read from the raw bytes), the Date header, and what was wrong
    # with the message itself (flags such as different_sender, and warnings in words).
    body_text: str | None = Field(default=None, sa_type=SealedText)
    mail_date: datetime | None = _ts(default=None)
    flags: list[str] = _json(default_factory=list)
    warnings: list[str] = _json(default_factory=list)
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = _ts(default=None)
    processed_at: datetime | None = _ts(default=None)
    created_at: datetime = _ts(default_factory=utcnow)


class MessageLocation(SQLModel, table=True):
    """Where a server copy of a ledger message was found: (account, folder, UIDVALIDITY, UID) is seen once."""

    __tablename__ = "message_locations"

    __table_args__ = (
        sa.UniqueConstraint("account", "folder", "uidvalidity", "uid", name="uq_location_uid"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="messages.id", index=True)
    account: str = Field(max_length=64)
    folder: str = Field(max_length=300)
    uidvalidity: int = Field(sa_type=sa.BigInteger)
    uid: int = Field(sa_type=sa.BigInteger)
    server_state: ServerState = Field(default=ServerState.PENDING, sa_type=sa.String(20), index=True)
    server_error: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = _ts(default_factory=utcnow)


class MailboxState(SQLModel, table=True):
    """Sync state of one folder of one account, and what the web UI shows of its health."""

    __tablename__ = "mailbox_states"

    account: str = Field(primary_key=True, max_length=64)
    folder: str = Field(primary_key=True, max_length=300)
    uidvalidity: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_uid: int = Field(default=0, sa_type=sa.BigInteger)
    last_poll_at: datetime | None = _ts(default=None)
    last_success_at: datetime | None = _ts(default=None)
    last_error: str = Field(default="", sa_type=sa.Text)
    idle_active: bool = False
    token_expires_at: datetime | None = _ts(default=None)


class StoredAttachment(SQLModel, table=True):
    """A file found in a message (nested ones included), and what reading it gave."""

    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="messages.id", index=True)
    filename: str = Field(sa_type=SealedText)  # names of files often name the person
    content_type: str = Field(max_length=200)
    origin: str = Field(default="", max_length=300)
    sha256: str = Field(foreign_key="blobs.sha256", max_length=64, index=True)
    size: int
    is_form: bool = False
    form_type: FormType = Field(default=FormType.UNKNOWN, sa_type=sa.String(40))
    flags: list[str] = _json(default_factory=list)
    warnings: list[str] = _json(default_factory=list)


class ReferenceCounter(SQLModel, table=True):
    """The last number given for each reference prefix and year (SAR-2026-0007)."""

    __tablename__ = "reference_counters"

    prefix: str = Field(primary_key=True, max_length=10)
    year: int = Field(primary_key=True)
    last: int = 0


class Case(SQLModel, table=True):
    """One referral in the queue, with the service's recommendation."""

    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40, unique=True)
    status: CaseStatus = Field(default=CaseStatus.NEW, sa_type=sa.String(30), index=True)
    received_at: datetime = _ts()
    sender: str = Field(default="", max_length=320)
    form_type: FormType = Field(default=FormType.UNKNOWN, sa_type=sa.String(40))
    track: Track = Field(default=Track.UNKNOWN, sa_type=sa.String(20), index=True)
    cspr: CsprDecision = Field(default=CsprDecision.NEEDS_INFORMATION, sa_type=sa.String(30))
    sar: SarDecision = Field(default=SarDecision.NEEDS_INFORMATION, sa_type=sa.String(30))
    reasons: list[str] = _json(default_factory=list)
    signposts: list[str] = _json(default_factory=list)
    flags: list[str] = _json(default_factory=list)
    panel_notification: date | None = None
    rapid_review: date | None = None
    nearest_deadline: date | None = Field(default=None, index=True)  # the live clock's due date (steps stop it)
    clock: ClockStage = Field(default=ClockStage.NONE, sa_type=sa.String(30))  # the live clock (rules/review.py)
    live_concern: bool = Field(default=False, index=True)  # current risk: shown first everywhere, alerted once
    # Every rule hit, suggestion and question (suggestions quote sentences of the referral).
    triage: dict[str, Any] = Field(default_factory=dict, sa_type=SealedJSON)
    duplicate_of: str | None = Field(default=None, max_length=40)
    acknowledged: bool = False
    assignee: str | None = Field(default=None, max_length=100, index=True)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class Proposal(StrEnum):
    """A field from a follow-up whose sender the case does not trust: proposed until staff decide."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class CaseField(SQLModel, table=True):
    """One extracted (or corrected) canonical field. A correction adds a row and supersedes the old one.

    A field from a follow-up "from a different sender" is kept with `proposal` set: never current until a
    person accepts it. `message_pk` names the email a field was read from, where known.
    """

    __tablename__ = "case_fields"

    id: int | None = Field(default=None, primary_key=True)
    case_pk: int = Field(foreign_key="cases.id", index=True)
    name: str = Field(max_length=80)
    value: Any = Field(default=None, sa_type=SealedJSON)
    source: str = Field(default="", sa_type=SealedText)
    confidence: float = 1.0
    label: str = Field(default="", max_length=300)
    inferred: bool = False
    current: bool = True
    corrected_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = _ts(default_factory=utcnow)
    proposal: Proposal | None = Field(default=None, sa_type=sa.String(20))
    message_pk: int | None = Field(default=None, foreign_key="messages.id")


class Decision(SQLModel, table=True):
    """A staff decision on a case, with its rationale."""

    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    case_pk: int = Field(foreign_key="cases.id", index=True)
    cspr: StaffCspr | None = Field(default=None, sa_type=sa.String(30))
    sar: StaffSar | None = Field(default=None, sa_type=sa.String(30))
    rationale: str = Field(default="", sa_type=SealedText)
    decided_by: str = Field(max_length=100)
    decided_at: datetime = _ts(default_factory=utcnow)


class Outbox(SQLModel, table=True):
    """One outgoing email, queued in the same transaction as what caused it; sent at most once."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    case_pk: int | None = Field(default=None, foreign_key="cases.id", index=True)
    kind: MailKind = Field(sa_type=sa.String(40))
    recipient: str = Field(max_length=320)
    message_id: str = Field(max_length=300)
    subject: str = Field(sa_type=SealedText)
    body_text: str = Field(sa_type=SealedText)
    body_html: str = Field(default="", sa_type=SealedText)
    in_reply_to: str = Field(default="", max_length=998)
    thread_references: str = Field(default="", sa_type=sa.Text)  # the References header to send
    message_pk: int | None = Field(default=None, foreign_key="messages.id", index=True)  # what it answers
    recipient_key: str = Field(default="", max_length=320, index=True)  # one key per mailbox, for the rate limit
    recipient_domain: str = Field(default="", max_length=255, index=True)  # registrable domain, for the flood caps
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = _ts(default=None)  # when it went to "sending": the crash lease starts here
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=sa.String(20), index=True)
    reason: str = Field(default="", sa_type=sa.Text)
    attempts: int = 0
    next_attempt_at: datetime = _ts(default_factory=utcnow)
    last_error: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = _ts(default_factory=utcnow)
    sent_at: datetime | None = _ts(default=None)


class AuditEvent(SQLModel, table=True):
    """Who did what, when: every change (and, with the web UI, every view) of a case or message."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100)  # "system" or a user name
    action: AuditAction = Field(sa_type=sa.String(60))
    case_pk: int | None = Field(default=None, foreign_key="cases.id", index=True)
    message_pk: int | None = Field(default=None, foreign_key="messages.id", index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=SealedJSON)  # a correction's old and new values


# --- Web UI and digest (issue 6) ------------------------------------------------------------------------------


class Role(StrEnum):
    """What a web user may do: triage works cases; manager also exports; admin also reads the audit."""

    TRIAGE = "triage"
    MANAGER = "manager"
    ADMIN = "admin"


class User(SQLModel, table=True):
    """A local web account: an argon2 hash, a role, and the failed sign-ins that lock it."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    password_hash: str = Field(max_length=300)
    role: Role = Field(sa_type=sa.String(20))
    disabled: bool = False
    failed_attempts: int = 0
    locked_until: datetime | None = _ts(default=None)
    last_login_at: datetime | None = _ts(default=None)
    created_at: datetime = _ts(default_factory=utcnow)
    password_changed_at: datetime = _ts(default_factory=utcnow)
    auth_source: str = Field(default="local", max_length=20)  # AuthSource: local password, or oidc


class WebSession(SQLModel, table=True):
    """A signed-in browser, kept server-side so that sign-out and disabling an account end it at once."""

    __tablename__ = "web_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie; the cookie itself is not kept
    username: str = Field(max_length=100, index=True)
    created_at: datetime = _ts(default_factory=utcnow)
    expires_at: datetime = _ts()
    # The last request seen (for the idle timeout), refreshed at most once a minute so reads stay reads.
    last_seen_at: datetime | None = _ts(default=None)


class SignInFailure(SQLModel, table=True):
    """One refused password sign-in, kept for the throttle's sliding window (then pruned).

    The name is kept as a sha256 of its case-folded form: a password typed into the name box is not stored,
    and unknown and real names are counted alike.
    """

    __tablename__ = "sign_in_failures"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    address: str = Field(max_length=64, index=True)
    name_key: str = Field(max_length=64, index=True)


class CaseNote(SQLModel, table=True):
    """A note a person wrote on a case."""

    __tablename__ = "case_notes"

    id: int | None = Field(default=None, primary_key=True)
    case_pk: int = Field(foreign_key="cases.id", index=True)
    author: str = Field(max_length=100)
    text: str = Field(sa_type=SealedText)
    created_at: datetime = _ts(default_factory=utcnow)


class DigestRun(SQLModel, table=True):
    """One managers' digest. A scheduled run claims its date (unique) before sending; manual runs have none."""

    __tablename__ = "digest_runs"

    id: int | None = Field(default=None, primary_key=True)
    run_date: date | None = Field(default=None, unique=True)
    manual: bool = False
    started_at: datetime = _ts(default_factory=utcnow)
    sent_at: datetime | None = _ts(default=None)
    recipients: list[str] = _json(default_factory=list)
    error: str = Field(default="", sa_type=sa.Text)
    body_html: str = Field(default="", sa_type=sa.Text)  # the HTML as sent (chart inline), for the web page
    message_id: str = Field(default="", max_length=300)  # ours (intake.outgoing.outbox.new_message_id), as sent


class AuthSource(StrEnum):
    """Where an account signs in: a local password, or the OpenID Connect provider."""

    LOCAL = "local"
    OIDC = "oidc"


class OidcPending(SQLModel, table=True):
    """A sign-in sent to the OpenID Connect provider and not yet back: each state is used once."""

    __tablename__ = "oidc_pending"

    state_hash: str = Field(primary_key=True, max_length=64)  # sha256 of the state sent
    browser_hash: str = Field(max_length=64)  # sha256 of the cookie that binds it to the browser that started it
    nonce: str = Field(max_length=100)
    code_verifier: str = Field(max_length=200)  # PKCE
    created_at: datetime = _ts(default_factory=utcnow)


# --- The triage desk (issue 12) --------------------------------------------------------------------------------


class DocumentPreview(SQLModel, table=True):
    """An attachment converted to PDF for the case page's preview, once per content (keyed by its sha256).

    `pdf_sha256` names the PDF in `blobs`; when conversion failed it is None and `error` says why, so a
    document LibreOffice cannot read is not converted again on every view.
    """

    __tablename__ = "document_previews"

    source_sha256: str = Field(primary_key=True, max_length=64)
    pdf_sha256: str | None = Field(default=None, foreign_key="blobs.sha256", max_length=64)
    error: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = _ts(default_factory=utcnow)


# --- Retention (issue 13) ---------------------------------------------------------------------------------------


class PurgeKind(StrEnum):
    """What a deletion-log row stands for."""

    CASE = "case"
    MESSAGE = "message"


class DeletionRecord(SQLModel, table=True):
    """A tombstone: what was purged, when, by whom and why, with no personal data (intake/store/purge.py).

    A case row names the case (`case_pk`), a message row the ledger message (`message_pk`); each is purged once
    (unique). The case and message rows themselves stay, emptied of personal data, so references and the ledger
    still prove that nothing was lost.
    """

    __tablename__ = "deletion_log"

    id: int | None = Field(default=None, primary_key=True)
    kind: PurgeKind = Field(sa_type=sa.String(20))
    case_pk: int | None = Field(default=None, foreign_key="cases.id", unique=True)
    message_pk: int | None = Field(default=None, foreign_key="messages.id", unique=True)
    reference: str = Field(default="", max_length=40, index=True)  # the case's, or the message's case (if any)
    received_at: datetime = _ts()
    ended_at: datetime | None = _ts(default=None)  # a case: when it ended; a message: when it was resolved
    status: str = Field(default="", max_length=30)  # the case's status, or the message's disposition
    track: str = Field(default="", max_length=20)
    decision: str = Field(default="", max_length=200)  # the recommendation and the staff decision, as codes
    purged_at: datetime = _ts(default_factory=utcnow, index=True)
    purged_by: str = Field(max_length=100)  # "system" (the schedule), "cli", or a user
    why: str = Field(default="", max_length=300)  # the policy, e.g. "retention.cases.closed: 6 years"
    removed: dict[str, Any] = _json(default_factory=dict)  # counts of what went: fields, attachments, blobs ...


class LegalHold(SQLModel, table=True):
    """A case that must not be purged whatever its age (litigation, an inquest, a review still running)."""

    __tablename__ = "legal_holds"

    case_pk: int = Field(foreign_key="cases.id", primary_key=True)
    reason: str = Field(sa_type=SealedText)  # typed by a manager: it may name the person
    placed_by: str = Field(max_length=100)
    placed_at: datetime = _ts(default_factory=utcnow)

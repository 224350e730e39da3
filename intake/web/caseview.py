"""What the case page shows, read in one session into plain values: the summary band, documents with their
previews, fields with where they came from, the conversation, and the history staff need.

Everything a template reads is loaded here, inside the session: a template never touches a lazy attribute
after the session has closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from intake.store import ledger
from intake.store.audit import AuditAction, case_history
from intake.store.models import (
    AuditEvent,
    Case,
    CaseField,
    CaseNote,
    Decision,
    Message,
    Outbox,
    Proposal,
    StoredAttachment,
    User,
    utcnow,
)
from intake.store.rows import pk
from intake.web.fieldkinds import CANONICAL
from intake.worker.preview import PreviewKind, preview_kind
from parsers.message import parse_message, readable_text
from parsers.values import Flag

LONDON = ZoneInfo("Europe/London")
_PAGE = re.compile(r"\bpage (\d{1,4})\b", re.IGNORECASE)
# What the case history leaves out: reading a case is audited, but is not something that happened to it.
QUIET_ACTIONS = frozenset({AuditAction.CASE_VIEWED, AuditAction.ATTACHMENT_DOWNLOADED,
                           AuditAction.EMAIL_DOWNLOADED})


@dataclass(frozen=True)
class Badge:
    """A deadline in words and a tone for its colour."""

    text: str
    tone: str  # overdue, today, week, later


def deadline_badge(due: date | None, today: date) -> Badge | None:
    """"Overdue by 5 days" (red), "Due today" (amber), "Due in 3 days" (yellow), else the date (plain)."""
    if due is None:
        return None
    days = (due - today).days
    if days < 0:
        return Badge(f"Overdue by {-days} day{'s' if days != -1 else ''}", "overdue")
    if days == 0:
        return Badge("Due today", "today")
    if days <= 7:
        return Badge(f"Due in {days} day{'s' if days != 1 else ''}", "week")
    return Badge(f"Due {due.strftime('%d/%m/%Y')}", "later")


def london_today() -> date:
    """Today's date in Europe/London."""
    return utcnow().astimezone(LONDON).date()


@dataclass(frozen=True)
class AttachmentView:
    """One attachment as the page lists it."""

    id: int
    filename: str
    size_kib: float
    is_form: bool
    preview: PreviewKind
    encrypted: bool
    warnings: list[str]


@dataclass(frozen=True)
class ConversationItem:
    """One email on the case, in or out, in time order."""

    at: datetime
    incoming: bool
    who: str
    subject: str
    text: str
    message_pk: int | None = None
    status: str = ""
    kind: str = ""
    label: str = ""
    attachments: list[AttachmentView] = field(default_factory=list)
    reason: str = ""  # outgoing mail not sent (suppressed, held, failed): why, in the outbox's words
    flags: list[str] = field(default_factory=list)  # what was wrong with the email itself (different_sender ...)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FieldView:
    """A current field, its earlier values, and where it came from (a preview link where the format allows)."""

    row: CaseField
    history: list[CaseField]
    source_href: str


@dataclass(frozen=True)
class ProposedView:
    """A field a follow-up from a different sender proposed: not applied, shown beside the current value."""

    row: CaseField
    current: CaseField | None
    sender: str
    received_at: datetime | None


@dataclass(frozen=True)
class NextDeadline:
    """The nearest statutory deadline: what, when, counted from which date, and whether that date is estimated."""

    what: str
    due: date
    badge: Badge
    counted_from: date | None
    estimated: bool


@dataclass
class CaseView:
    """Everything the case page shows."""

    case: Case
    conversation: list[ConversationItem]
    attachments: list[AttachmentView]
    fields: list[FieldView]
    missing: list[str]
    decisions: list[Decision]
    notes: list[CaseNote]
    duplicates: list[str]
    events: list[AuditEvent]
    next_deadline: NextDeadline | None
    live_concern: bool
    users: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    proposed: list[ProposedView] = field(default_factory=list)  # waiting for staff to accept or reject
    different_sender: bool = False  # the case has mail from a different sender not yet reviewed


def read_email(raw: bytes, taken_in: datetime) -> tuple[str, datetime]:
    """The readable text of an email (the plain part, else the HTML part without its tags) and the date it was
    received as the pipeline counts it: the Date header when earlier than take-in, so the case's "received" and
    its first email's date agree. Only for mail filed before the text was kept with it (see `email_text`)."""
    parsed = parse_message(raw)
    return readable_text(parsed), min(parsed.date, taken_in) if parsed.date is not None else taken_in


def email_text(session: Session, message: Message) -> tuple[str, datetime]:
    """The text and date of a filed email as kept at filing; mail filed before then is parsed from its bytes."""
    if message.body_text is not None:
        date = message.mail_date
        return message.body_text, min(date, message.received_at) if date is not None else message.received_at
    return read_email(ledger.load_raw(session, pk(message)), message.received_at)


def load_case_view(session: Session, case: Case, *, today: date | None = None) -> CaseView:
    """Read a case and everything around it."""
    today = today or london_today()
    conversation, attachments = _conversation(session, case)
    all_fields = list(session.exec(select(CaseField).where(CaseField.case_pk == case.id)
                                   .order_by(col(CaseField.name), col(CaseField.id))))
    order = {name: n for n, name in enumerate(CANONICAL)}  # the person first, then referrer, event, needs
    current = sorted((f for f in all_fields if f.current), key=lambda f: (order.get(f.name, len(order)), f.name))
    # Earlier values: superseded rows only; a proposal not accepted was never the case's value.
    history = [o for o in all_fields if not o.current and o.proposal in (None, Proposal.ACCEPTED)]
    fields = [FieldView(f, [o for o in history if o.name == f.name],
                        source_link(case.reference, f.source, attachments)) for f in current]
    have = {f.name for f in current}
    events = [e for e in case_history(session, pk(case), limit=200) if e.action not in QUIET_ACTIONS][:60]
    return CaseView(
        case=case, conversation=conversation, attachments=attachments, fields=fields,
        missing=[n for n in CANONICAL if n not in have],
        decisions=_newest(session, Decision, Decision.case_pk == case.id, Decision.id),
        notes=_newest(session, CaseNote, CaseNote.case_pk == case.id, CaseNote.id),
        duplicates=list(session.exec(select(Case.reference).where(Case.duplicate_of == case.reference))),
        events=events, next_deadline=next_deadline(case, today), live_concern="live_concern" in case.signposts,
        users=list(session.exec(select(User.username).where(col(User.disabled).is_(False))
                                .order_by(col(User.username)))),
        reply_to=_reply_addresses(case, current),
        proposed=_proposed(all_fields, current, conversation),
        different_sender=Flag.DIFFERENT_SENDER in case.flags,
    )


def _proposed(all_fields: list[CaseField], current: list[CaseField],
              conversation: list[ConversationItem]) -> list[ProposedView]:
    by_name = {f.name: f for f in current}
    mails = {m.message_pk: m for m in conversation if m.message_pk is not None}
    order = {name: n for n, name in enumerate(CANONICAL)}
    waiting = sorted((f for f in all_fields if f.proposal == Proposal.PROPOSED),
                     key=lambda f: (order.get(f.name, len(order)), f.id or 0))
    return [ProposedView(f, by_name.get(f.name), mails[f.message_pk].who if f.message_pk in mails else "",
                         mails[f.message_pk].at if f.message_pk in mails else None) for f in waiting]


def next_deadline(case: Case, today: date) -> NextDeadline | None:
    """The nearest deadline of the case, with the date it is counted from."""
    dated = [(d, w) for d, w in ((case.panel_notification, "Panel notification"),
                                 (case.rapid_review, "Rapid review")) if d]
    if not dated:
        return None
    due, what = min(dated)
    aware = case.triage.get("aware_on") if isinstance(case.triage, dict) else None
    estimated = bool(case.triage.get("deadlines_estimated")) or "deadline_estimated" in case.flags
    counted_from = date.fromisoformat(aware) if aware else case.received_at.astimezone(LONDON).date()
    badge = deadline_badge(due, today) or Badge("", "later")
    return NextDeadline(what, due, badge, counted_from, estimated)


def _conversation(session: Session, case: Case) -> tuple[list[ConversationItem], list[AttachmentView]]:
    items: list[ConversationItem] = []
    every: list[AttachmentView] = []
    messages = list(session.exec(select(Message).where(Message.case_pk == case.id).order_by(col(Message.id))))
    for n, message in enumerate(messages):
        rows = session.exec(select(StoredAttachment).where(StoredAttachment.message_pk == message.id)
                            .order_by(col(StoredAttachment.id)))
        views = [AttachmentView(pk(a), a.filename, round(a.size / 1024, 1), a.is_form,
                                preview_kind(a.filename, a.content_type, a.flags),
                                "encrypted_attachment" in a.flags, list(a.warnings)) for a in rows]
        every += views
        text, at = email_text(session, message)
        different = Flag.DIFFERENT_SENDER in (message.flags or [])
        label = "Original referral" if n == 0 else "Follow-up from a different sender" if different else "Follow-up"
        items.append(ConversationItem(at, True, message.sender, message.subject, text, message.id, label=label,
                                      attachments=views, flags=list(message.flags or []),
                                      warnings=list(message.warnings or [])))
    for mail in session.exec(select(Outbox).where(Outbox.case_pk == case.id).order_by(col(Outbox.id))):
        items.append(ConversationItem(mail.sent_at or mail.created_at, False, mail.recipient, mail.subject,
                                      mail.body_text, status=str(mail.status), kind=str(mail.kind),
                                      label="We wrote", reason=mail.reason if mail.status != "sent" else ""))
    items.sort(key=lambda i: i.at)
    return items, every


def source_link(reference: str, source: str, attachments: list[AttachmentView]) -> str:
    """A link that opens the field's document in the preview, at its page where the format allows."""
    name = source.split(":", 1)[0].strip() if ":" in source else ""
    match = next((a for a in attachments if name and a.filename == name and a.preview != PreviewKind.NONE), None)
    if match is None:
        return ""
    href = f"/cases/{reference}/attachments/{match.id}/preview"
    page = _PAGE.search(source)
    return f"{href}#page={page[1]}" if page and match.preview != PreviewKind.IMAGE else href


def _reply_addresses(case: Case, fields: list[CaseField]) -> list[str]:
    found = [case.sender] + [str(f.value) for f in fields if f.name == "referrer.email" and f.value]
    return [a for a in dict.fromkeys(a.strip().lower() for a in found) if "@" in a]


def _newest(session: Session, model: Any, where: Any, order: Any) -> list[Any]:
    return list(session.exec(select(model).where(where).order_by(col(order).desc())))


def age_days(received_at: datetime) -> int:
    """Whole days since a case was received."""
    return max((utcnow() - received_at) // timedelta(days=1), 0)

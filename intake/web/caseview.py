"""What the case page shows, read in one session into plain values: the summary band, documents with their
previews, fields with where they came from, the conversation, and the history staff need.

Everything a template reads is loaded here, inside the session: a template never touches a lazy attribute
after the session has closed.
"""

from __future__ import annotations

import html
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
    StoredAttachment,
    User,
    utcnow,
)
from intake.store.rows import pk
from intake.web.fieldkinds import CANONICAL
from intake.worker.preview import PreviewKind, preview_kind
from parsers.message import parse_message

LONDON = ZoneInfo("Europe/London")
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
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


@dataclass(frozen=True)
class FieldView:
    """A current field, its earlier values, and where it came from (a preview link where the format allows)."""

    row: CaseField
    history: list[CaseField]
    source_href: str


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


def read_email(raw: bytes, taken_in: datetime) -> tuple[str, datetime]:
    """The readable text of an email (the plain part, else the HTML part without its tags) and the date it was
    received as the pipeline counts it: the Date header when earlier than take-in, so the case's "received" and
    its first email's date agree."""
    parsed = parse_message(raw)
    text = parsed.text_body if parsed.text_body.strip() else html.unescape(_TAG.sub(" ", parsed.html_body)).strip()
    return text, min(parsed.date, taken_in) if parsed.date is not None else taken_in


def load_case_view(session: Session, case: Case, *, today: date | None = None) -> CaseView:
    """Read a case and everything around it."""
    today = today or london_today()
    conversation, attachments = _conversation(session, case)
    all_fields = list(session.exec(select(CaseField).where(CaseField.case_pk == case.id)
                                   .order_by(col(CaseField.name), col(CaseField.id))))
    order = {name: n for n, name in enumerate(CANONICAL)}  # the person first, then referrer, event, needs
    current = sorted((f for f in all_fields if f.current), key=lambda f: (order.get(f.name, len(order)), f.name))
    fields = [FieldView(f, [o for o in all_fields if o.name == f.name and not o.current],
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
    )


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
        text, at = read_email(ledger.load_raw(session, pk(message)), message.received_at)
        items.append(ConversationItem(at, True, message.sender, message.subject, text, message.id,
                                      label="Original referral" if n == 0 else "Follow-up", attachments=views))
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

"""The case export (interfaces.md, case-export.schema.json) and the ledger listing."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from intake.config.labels import code_label
from intake.store.cases import current_fields, message_ids_of
from intake.store.models import (
    AuditAction,
    AuditEvent,
    Case,
    CaseNote,
    Decision,
    DeletionRecord,
    Disposition,
    MailKind,
    Message,
    Outbox,
    OutboxStatus,
)
from intake.store.purge import not_purged
from intake.store.steps import step_to_dict, steps_of

LONDON = ZoneInfo("Europe/London")
BOM = "\ufeff"  # so that Excel reads the file as UTF-8 and names with accents survive
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def case_to_dict(session: Session, case: Case) -> dict[str, Any]:
    """One case as the export contract spells it."""
    fields = {
        f.name: {"value": f.value, "source": f.source, "confidence": round(float(f.confidence), 3)}
        for f in current_fields(session, case.id)
    }
    return {
        "reference": case.reference,
        "status": str(case.status),
        "received_at": case.received_at.isoformat(),
        "sender": case.sender,
        "message_ids": message_ids_of(session, case.id),
        "form_type": case.form_type,
        "track": case.track,
        "fields": fields,
        "decisions": {"cspr": case.cspr, "sar": case.sar},
        "reasons": list(case.reasons),
        "signposts": list(case.signposts),
        "deadlines": {
            "panel_notification": case.panel_notification.isoformat() if case.panel_notification else None,
            "rapid_review": case.rapid_review.isoformat() if case.rapid_review else None,
        },
        "flags": list(case.flags),
        "duplicate_of": case.duplicate_of,
        "acknowledged": bool(case.acknowledged),
        "assignee": case.assignee,
        "triage": case.triage,
        # Issue 11 (extra keys): the live concern, the live clock and the review after triage.
        "live_concern": bool(case.live_concern),
        "clock": {"stage": case.clock or None,
                  "due": case.nearest_deadline.isoformat() if case.clock and case.nearest_deadline else None},
        "provisional_deadlines": (case.triage or {}).get("provisional_deadlines"),
        "questions": list((case.triage or {}).get("questions", [])),
        "steps": [step_to_dict(s) for s in steps_of(session, case_pk=case.id)],
    }


def iter_cases(session: Session) -> Iterator[dict[str, Any]]:
    """Every case whose data is held, oldest first (a purged case is in the deletion log instead: `purge --log`)."""
    for case in session.exec(select(Case).where(not_purged()).order_by(col(Case.id))):
        yield case_to_dict(session, case)


def cases_json(session: Session) -> str:
    """The whole export as one JSON array."""
    return json.dumps(list(iter_cases(session)), indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class CaseRecord:
    """What one CSV row needs beyond the exported case: staff decisions, notes and the date of each step."""

    case: dict[str, Any]
    decisions: list[Decision]
    notes: int
    steps: dict[str, datetime]  # step key (STEP_COLUMNS) -> when it happened

    @property
    def latest(self) -> Decision | None:
        """The staff decision in force (the latest recorded)."""
        return self.decisions[-1] if self.decisions else None


@dataclass(frozen=True)
class Column:
    """One CSV column: its header as people read it, and how a record gives its cell."""

    header: str
    value: Callable[[CaseRecord], Any]


def _decided(record: CaseRecord, attribute: str) -> Any:
    latest = record.latest
    return getattr(latest, attribute) if latest is not None else None


def _words(value: object) -> str:
    """Codes in the words staff read on the pages (one label table: intake.config.labels); lists with '; '."""
    return code_label(value).replace(", ", "; ") if value not in (None, "", []) else ""


def _step(key: str) -> Callable[[CaseRecord], Any]:
    return lambda record: record.steps.get(key)


CASE_COLUMNS: tuple[Column, ...] = (
    Column("Reference", lambda r: r.case["reference"]),
    Column("Status", lambda r: _words(r.case["status"])),
    Column("Sender", lambda r: r.case["sender"]),
    Column("Form type", lambda r: _words(r.case["form_type"])),
    Column("Track", lambda r: _words(r.case["track"])),
    Column("Recommended CSPR", lambda r: _words(r.case["decisions"]["cspr"])),
    Column("Recommended SAR", lambda r: _words(r.case["decisions"]["sar"])),
    Column("Staff CSPR decision", lambda r: _decided(r, "cspr")),
    Column("Staff SAR decision", lambda r: _decided(r, "sar")),
    Column("Rationale", lambda r: _decided(r, "rationale")),
    Column("Decided by", lambda r: _decided(r, "decided_by")),
    Column("Decisions recorded", lambda r: len(r.decisions)),
    Column("Panel notification due", lambda r: r.case["deadlines"]["panel_notification"]),
    Column("Rapid review due", lambda r: r.case["deadlines"]["rapid_review"]),
    Column("Signposts", lambda r: _words(r.case["signposts"])),
    Column("Flags", lambda r: _words(r.case["flags"])),
    Column("Duplicate of", lambda r: r.case["duplicate_of"]),
    Column("Assignee", lambda r: r.case["assignee"]),
    Column("Notes", lambda r: r.notes),
    Column("Message-IDs", lambda r: r.case["message_ids"]),
    Column("Live concern", lambda r: "yes" if r.case["live_concern"] else "no"),
    Column("Clock running", lambda r: _words(r.case["clock"]["stage"])),
    Column("Clock due", lambda r: r.case["clock"]["due"]),
    Column("Questions for the referrer", lambda r: "; ".join(r.case["questions"])),
)

# The date of each step of a case, in order: one entry per step. Review steps (issue 11: panel notification,
# rapid review, ...) are added here with their key once they are recorded, and `_steps` fills them.
STEP_COLUMNS: tuple[Column, ...] = (
    Column("Received", _step("received")),
    Column("Acknowledged", _step("acknowledged")),
    Column("First assigned", _step("assigned")),
    Column("First decision", _step("first_decision")),
    Column("Latest decision", _step("latest_decision")),
    Column("Closed", _step("closed")),
    # The review after triage (issue 11): every step recorded, in order, as "date kind".
    Column("Review steps", lambda r: "; ".join(f"{_cell(s['on'])} {_words(s['kind'])}" for s in r.case["steps"])),
)


def _steps(session: Session) -> dict[int, dict[str, datetime]]:
    """When each case reached each step, from the outbox, the decisions and the audit trail."""
    steps: dict[int, dict[str, datetime]] = defaultdict(dict)
    for case_pk, when in session.exec(select(Outbox.case_pk, func.min(Outbox.sent_at))
                                      .where(Outbox.kind == MailKind.ACKNOWLEDGEMENT, col(Outbox.sent_at).is_not(None))
                                      .group_by(col(Outbox.case_pk))):
        steps[case_pk]["acknowledged"] = when
    stepped = [AuditAction.CASE_ASSIGNED, AuditAction.STATUS_CHANGED]
    for event in session.exec(select(AuditEvent).where(col(AuditEvent.case_pk).is_not(None),
                                                       col(AuditEvent.action).in_(stepped))
                              .order_by(col(AuditEvent.id))):
        target = (event.detail or {}).get("to")
        if event.action == AuditAction.CASE_ASSIGNED and target:
            steps[event.case_pk].setdefault("assigned", event.at)
        elif event.action == AuditAction.STATUS_CHANGED:
            if target == "closed":
                steps[event.case_pk]["closed"] = event.at
            else:
                steps[event.case_pk].pop("closed", None)  # reopened: the later close counts
    return steps


def _records(session: Session) -> Iterator[CaseRecord]:
    decisions: dict[int, list[Decision]] = defaultdict(list)
    for decision in session.exec(select(Decision).order_by(col(Decision.decided_at), col(Decision.id))):
        decisions[decision.case_pk].append(decision)
    notes = dict(session.exec(select(CaseNote.case_pk, func.count()).group_by(col(CaseNote.case_pk))).all())
    steps = _steps(session)
    for case in session.exec(select(Case).where(not_purged()).order_by(col(Case.id))):
        made = decisions.get(case.id, [])
        dates = {"received": case.received_at, **steps.get(case.id, {})}
        if made:
            dates |= {"first_decision": made[0].decided_at, "latest_decision": made[-1].decided_at}
        yield CaseRecord(case_to_dict(session, case), made, notes.get(case.id, 0), dates)


def cases_csv(session: Session, *, label: Callable[[str], str] = lambda name: name) -> str:
    """One row per case for a spreadsheet: readable headers (`label` names the fields), UK dates in London
    time, staff decisions and the date of each step; UTF-8 with a byte-order mark; formula-safe."""
    records = list(_records(session))
    field_names = sorted({name for record in records for name in record.case["fields"]})
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([c.header for c in (*CASE_COLUMNS, *STEP_COLUMNS)] + [label(n) for n in field_names])
    for record in records:
        cells = [_cell(c.value(record)) for c in (*CASE_COLUMNS, *STEP_COLUMNS)]
        cells += [_cell(record.case["fields"].get(n, {}).get("value")) for n in field_names]
        writer.writerow([_defuse(c) for c in cells])
    return out.getvalue()


def _cell(value: Any) -> str:
    """A value as a spreadsheet shows it: UK dates (London time), lists joined with '; ', yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    text = str(value)
    if _ISO_DATE.match(text):
        return date.fromisoformat(text).strftime("%d/%m/%Y")
    return text


def _defuse(cell: str) -> str:
    """Stop spreadsheet formula injection: a cell starting with = + - @ is read as text."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


NO_REPLY = "none"
_UNANSWERED = {
    Disposition.FOLLOW_UP: "filed under its case; follow-ups are not acknowledged "
                           "(acknowledgements.acknowledge_follow_ups is off)",
    Disposition.QUARANTINED: "not answered: quarantined for staff to look at",
    Disposition.PENDING: "not processed yet",
    Disposition.CASE: "no acknowledgement was queued (filed without the outbox)",
}
_SENT_STATES = {OutboxStatus.PENDING: "acknowledgement queued", OutboxStatus.SENDING: "acknowledgement being sent",
                OutboxStatus.SENT: "acknowledgement sent"}


def reply_of(message: Message, row: Outbox | None) -> tuple[str, str]:
    """Whether a message was answered (the outbox status, or "none") and why, for `messages`."""
    if row is not None:
        status = OutboxStatus(row.status)
        reason = "; ".join(r for r in (_SENT_STATES.get(status, ""), row.reason, row.last_error) if r)
        return str(status), reason
    disposition = Disposition(message.disposition)
    if disposition is Disposition.IGNORED:
        return NO_REPLY, f"not answered: {message.reason}"
    return NO_REPLY, _UNANSWERED[disposition]


def message_to_dict(session: Session, message: Message, reply: Outbox | None = None) -> dict[str, Any]:
    """One ledger row for `messages`: enough to prove no message was lost, and why it was or was not answered."""
    reference = session.get(Case, message.case_pk).reference if message.case_pk else None
    reply_status, reply_reason = reply_of(message, reply)
    return {
        "id": message.id,
        "message_id": message.message_id,
        "received_at": message.received_at.isoformat(),
        "sender": message.sender,
        "disposition": str(message.disposition),
        "reason": message.reason,
        "case_reference": reference,
        "stage": message.stage or None,
        "source": message.source,
        "sha256": message.sha256,
        "size": message.size,
        "attempts": message.attempts,
        "processed_at": message.processed_at.isoformat() if message.processed_at else None,
        "reply": reply_status,
        "reply_reason": reply_reason,
        "flags": list(message.flags or []),  # what was wrong with the email itself (different_sender, limits met)
    }


def iter_messages(session: Session) -> Iterator[dict[str, Any]]:
    """Every ledger message, oldest first."""
    replies = {row.message_pk: row for row in session.exec(
        select(Outbox).where(col(Outbox.message_pk).is_not(None)).order_by(col(Outbox.id)))}
    # A purged message keeps its ledger row (the proof it came in and how it ended), not its content.
    purged = dict(session.exec(select(DeletionRecord.message_pk, DeletionRecord.purged_at)
                               .where(col(DeletionRecord.message_pk).is_not(None))).all())
    for message in session.exec(select(Message).order_by(col(Message.id))):
        row = message_to_dict(session, message, replies.get(message.id))
        when = purged.get(message.id)
        row["purged_at"] = when.isoformat() if when else None
        yield row

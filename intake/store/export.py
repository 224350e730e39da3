"""The case export (interfaces.md, case-export.schema.json) and the ledger listing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from intake.store.cases import current_fields, message_ids_of
from intake.store.models import Case, Disposition, Message, Outbox, OutboxStatus
from intake.store.steps import step_to_dict, steps_of

CSV_COLUMNS = ("reference", "status", "received_at", "sender", "form_type", "track", "cspr", "sar",
               "panel_notification", "rapid_review", "signposts", "flags", "duplicate_of", "acknowledged",
               "assignee", "message_ids", "live_concern", "clock", "clock_due", "questions", "steps")


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
    """Every case, oldest first."""
    for case in session.exec(select(Case).order_by(col(Case.id))):
        yield case_to_dict(session, case)


def cases_json(session: Session) -> str:
    """The whole export as one JSON array."""
    return json.dumps(list(iter_cases(session)), indent=2, ensure_ascii=False)


def cases_csv(session: Session) -> str:
    """The export flattened to one row per case (fields as `field:<name>` columns)."""
    rows = list(iter_cases(session))
    field_names = sorted({name for row in rows for name in row["fields"]})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS, *(f"field:{n}" for n in field_names)])
    for row in rows:
        flat = {**row, "cspr": row["decisions"]["cspr"], "sar": row["decisions"]["sar"], **row["deadlines"],
                "clock": row["clock"]["stage"], "clock_due": row["clock"]["due"],
                "steps": [f"{s['on']} {s['kind']}" for s in row["steps"]]}
        cells = [_cell(flat.get(c)) for c in CSV_COLUMNS]
        cells += [_cell(row["fields"].get(n, {}).get("value")) for n in field_names]
        writer.writerow([_defuse(c) for c in cells])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


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
    }


def iter_messages(session: Session) -> Iterator[dict[str, Any]]:
    """Every ledger message, oldest first."""
    replies = {row.message_pk: row for row in session.exec(
        select(Outbox).where(col(Outbox.message_pk).is_not(None)).order_by(col(Outbox.id)))}
    for message in session.exec(select(Message).order_by(col(Message.id))):
        yield message_to_dict(session, message, replies.get(message.id))

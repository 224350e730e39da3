"""The case page and its downloads: the original email, attachments, fields, recommendation and history."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from intake.store import audit, ledger
from intake.store.audit import AuditAction
from intake.store.cases import case_by_reference
from intake.store.models import (
    AuditEvent,
    Blob,
    Case,
    CaseField,
    CaseNote,
    CaseStatus,
    Decision,
    Message,
    Outbox,
    StaffCspr,
    StaffSar,
    StoredAttachment,
    User,
)
from intake.web.context import CAN_VIEW, SessionDep, web_of
from intake.web.otherpanel import other_answers_panel
from intake.web.review import TEMPLATE_GLOBALS, review_view
from intake.web.security import PDF_CSP, WebUser
from parsers.message import parse_message

router = APIRouter()

_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)


@dataclass
class MessageView:
    """One email filed under the case, with its text and attachments."""

    message: Message
    text: str
    attachments: list[StoredAttachment]


@dataclass
class CaseView:
    """Everything the case page shows."""

    case: Case
    messages: list[MessageView]
    fields: list[CaseField]
    history: dict[str, list[CaseField]]
    decisions: list[Decision]
    notes: list[CaseNote]
    outbox: list[Outbox]
    duplicates: list[str]
    events: list[AuditEvent]
    users: list[str] = field(default_factory=list)


def body_text(raw: bytes) -> str:
    """The readable text of an email: the plain part, else the HTML part with its tags removed."""
    parsed = parse_message(raw)
    if parsed.text_body.strip():
        return parsed.text_body
    return html.unescape(_TAG.sub(" ", parsed.html_body)).strip()


def load_case_view(session: Session, case: Case) -> CaseView:
    """Read a case and everything around it."""
    messages = list(session.exec(select(Message).where(Message.case_pk == case.id).order_by(col(Message.id))))
    views = []
    for message in messages:
        attachments = list(session.exec(select(StoredAttachment).where(StoredAttachment.message_pk == message.id)
                                        .order_by(col(StoredAttachment.id))))
        views.append(MessageView(message, body_text(ledger.load_raw(session, message.id)), attachments))
    all_fields = list(session.exec(select(CaseField).where(CaseField.case_pk == case.id)
                                   .order_by(col(CaseField.name), col(CaseField.id))))
    history: dict[str, list[CaseField]] = {}
    for row in all_fields:
        if not row.current:
            history.setdefault(row.name, []).append(row)
    return CaseView(
        case=case, messages=views, fields=[f for f in all_fields if f.current], history=history,
        decisions=_newest(session, Decision, Decision.case_pk == case.id, Decision.id),
        notes=_newest(session, CaseNote, CaseNote.case_pk == case.id, CaseNote.id),
        outbox=_newest(session, Outbox, Outbox.case_pk == case.id, Outbox.id),
        duplicates=list(session.exec(select(Case.reference).where(Case.duplicate_of == case.reference))),
        events=list(audit.case_history(session, case.id, limit=50)),
        users=list(session.exec(select(User.username).where(col(User.disabled).is_(False))
                                .order_by(col(User.username)))),
    )


def _newest(session: Session, model: Any, where: Any, order: Any) -> list[Any]:
    return list(session.exec(select(model).where(where).order_by(col(order).desc())))


def case_or_404(session: Session, reference: str) -> Case:
    """The case, or a 404."""
    case = case_by_reference(session, reference=reference)
    if case is None:
        raise HTTPException(status_code=404, detail="no such case")
    return case


@router.get("/cases/{reference}")
def case_page(reference: str, request: Request, session: SessionDep, user: WebUser = CAN_VIEW) -> Response:
    """The case page; the view is recorded in the audit trail."""
    web = web_of(request)
    case = case_or_404(session, reference)
    view = load_case_view(session, case)
    others = other_answers_panel(session, case, web.runtime.settings.forms.vocabulary_file)
    audit.record(session, actor=user.username, action=AuditAction.CASE_VIEWED, case_pk=case.id)
    session.commit()
    review = review_view(session, case, web.runtime.settings.alerts.panel_notification_url)
    return web.render(user, "case.html", view=view, statuses=list(CaseStatus), staff_cspr=list(StaffCspr),
                      staff_sar=list(StaffSar), is_pdf=is_pdf, notice=request.query_params.get("done", ""),
                      other_answers=others, review=review, **TEMPLATE_GLOBALS)


def _message_of_case(session: Session, case: Case, message_pk: int) -> Message:
    message = session.get(Message, message_pk)
    if message is None or message.case_pk != case.id:
        raise HTTPException(status_code=404, detail="no such message in this case")
    return message


@router.get("/cases/{reference}/messages/{message_pk}.eml")
def case_email(reference: str, message_pk: int, session: SessionDep,
               user: WebUser = CAN_VIEW) -> Response:
    """The raw email as it arrived, as a download."""
    case = case_or_404(session, reference)
    _message_of_case(session, case, message_pk)
    raw = ledger.load_raw(session, message_pk)
    audit.record(session, actor=user.username, action=AuditAction.EMAIL_DOWNLOADED, case_pk=case.id,
                 message_pk=message_pk)
    session.commit()
    return Response(raw, media_type="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="{reference}-{message_pk}.eml"'})


@router.get("/cases/{reference}/attachments/{attachment_id}")
def case_attachment(reference: str, attachment_id: int, session: SessionDep, inline: bool = False,
                    user: WebUser = CAN_VIEW) -> Response:
    """An attachment as a download; a PDF may be shown inline (in the case page's frame) under a strict CSP."""
    case = case_or_404(session, reference)
    attachment = session.get(StoredAttachment, attachment_id)
    if attachment is None:
        raise HTTPException(status_code=404, detail="no such attachment")
    _message_of_case(session, case, attachment.message_pk)
    data = session.exec(select(Blob.data).where(Blob.sha256 == attachment.sha256)).one()
    audit.record(session, actor=user.username, action=AuditAction.ATTACHMENT_DOWNLOADED, case_pk=case.id,
                 message_pk=attachment.message_pk, detail={"attachment": attachment_id, "inline": inline})
    session.commit()
    safe_name = re.sub(r"[^A-Za-z0-9._ -]", "_", attachment.filename)[:150] or "attachment"
    if inline and is_pdf(attachment):
        return Response(data, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{safe_name}"', "Content-Security-Policy": PDF_CSP,
            "X-Frame-Options": "SAMEORIGIN"})
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{safe_name}"'})


def is_pdf(attachment: StoredAttachment) -> bool:
    """Whether an attachment is a PDF (by type or name)."""
    return attachment.content_type == "application/pdf" or attachment.filename.lower().endswith(".pdf")

"""The case page and its downloads: the original email, attachments and their previews, and the print summary.

Each route reads everything it serves inside its session and records the audit entry only once the bytes
are in hand, so the audit never shows a download that was not served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from intake.store import audit, ledger
from intake.store.audit import AuditAction
from intake.store.cases import case_by_reference
from intake.store.holds import hold_of
from intake.store.models import (
    Blob,
    Case,
    CaseStatus,
    MailKind,
    Message,
    Outbox,
    OutboxStatus,
    StaffCspr,
    StaffSar,
    StoredAttachment,
    utcnow,
)
from intake.store.purge import tombstone_of
from intake.web.caseview import load_case_view
from intake.web.context import CAN_VIEW, SessionDep, london, web_of
from intake.web.envelopeview import mail_envelopes
from intake.web.fieldkinds import KINDS, kind_of, shown
from intake.web.notices import notice_of
from intake.web.otherpanel import other_answers_panel
from intake.web.review import TEMPLATE_GLOBALS, review_view
from intake.web.security import PAGE_CSP, PDF_CSP, WebUser
from intake.worker.preview import PreviewKind, converted_pdf, image_type, preview_kind

router = APIRouter()
IMAGE_CSP = "default-src 'none'; frame-ancestors 'self'; base-uri 'none'"


class CaseNotFoundError(HTTPException):
    """No case with that reference (the app shows a friendly page)."""

    def __init__(self) -> None:
        super().__init__(status_code=404, detail="There is no case with that reference.")


class CasePurgedError(HTTPException):
    """The case's data was deleted under the retention policy: nothing can be done to it any more."""

    def __init__(self) -> None:
        super().__init__(status_code=410, detail="This case's data was deleted under the retention policy; its "
                                                 "page shows the record of the deletion.")


def case_or_404(session: Session, reference: str) -> Case:
    """The case, or a 404 (a 410 when its data was purged: only its page, the tombstone, is left)."""
    case = case_by_reference(session, reference=reference)
    if case is None:
        raise CaseNotFoundError()
    if case.id is not None and tombstone_of(session, case.id) is not None:
        raise CasePurgedError()
    return case


def page_values(request: Request) -> dict[str, object]:
    """What every case page render needs besides the view."""
    return {"statuses": list(CaseStatus), "staff_cspr": list(StaffCspr), "staff_sar": list(StaffSar),
            "kind_of": kind_of, "shown": shown, "canonical": KINDS,
            "notice": notice_of(request)}


@router.get("/cases/{reference}")
def case_page(reference: str, request: Request, session: SessionDep, user: WebUser = CAN_VIEW) -> Response:
    """The case page; the view is recorded in the audit trail (not in the case history). A purged case shows its
    tombstone: reference, dates, decision, and when and why its data was deleted."""
    found = case_by_reference(session, reference=reference)
    tombstone = tombstone_of(session, found.id) if found is not None and found.id is not None else None
    if found is not None and tombstone is not None:
        audit.record(session, actor=user.username, action=AuditAction.CASE_VIEWED, case_pk=found.id,
                     detail={"tombstone": True})
        session.commit()
        return web_of(request).render(user, "case_purged.html", case=found, tombstone=tombstone)
    case = case_or_404(session, reference)
    view = load_case_view(session, case)
    audit.record(session, actor=user.username, action=AuditAction.CASE_VIEWED, case_pk=case.id)
    session.commit()
    return web_of(request).render(user, "case.html", view=view, **case_page_values(request, session, case))


def duty_alert_status(session: Session, case: Case) -> OutboxStatus | None:
    """Where the live-concern alert to the duty address stands (None: none was queued, e.g. no address is set)."""
    if not case.live_concern:
        return None
    return session.exec(select(Outbox.status).where(Outbox.case_pk == case.id,
                                                    Outbox.kind == MailKind.LIVE_CONCERN_ALERT)
                        .order_by(col(Outbox.id).desc()).limit(1)).first()


def case_page_values(request: Request, session: Session, case: Case) -> dict[str, Any]:
    """What case.html needs beside the case view: other answers, mail envelopes, the review after triage."""
    settings = web_of(request).runtime.settings
    return {"other_answers": other_answers_panel(session, case, settings.forms.vocabulary_file),
            "mail_envelopes": mail_envelopes(session, case, settings.secure_mail.catalogue_file),
            "review": review_view(session, case, settings.alerts.panel_notification_url),
            "legal_hold": hold_of(session, case),
            "duty_alert": duty_alert_status(session, case),
            **TEMPLATE_GLOBALS, **page_values(request)}


@router.get("/cases/{reference}/print")
def case_print(reference: str, request: Request, session: SessionDep, user: WebUser = CAN_VIEW) -> Response:
    """A one-page summary for the panel meeting: no menus, no form controls."""
    case = case_or_404(session, reference)
    view = load_case_view(session, case)
    audit.record(session, actor=user.username, action=AuditAction.CASE_VIEWED, case_pk=case.id,
                 detail={"print": True})
    session.commit()
    return web_of(request).render(user, "case_print.html", view=view, now_london=london(utcnow()),
                                  **page_values(request))


def _message_of_case(session: Session, case: Case, message_pk: int) -> Message:
    message = session.get(Message, message_pk)
    if message is None or message.case_pk != case.id:
        raise HTTPException(status_code=404, detail="There is no such email on this case.")
    return message


@router.get("/cases/{reference}/messages/{message_pk}.eml")
def case_email(reference: str, message_pk: int, session: SessionDep, user: WebUser = CAN_VIEW) -> Response:
    """The raw email as it arrived, as a download."""
    case = case_or_404(session, reference)
    _message_of_case(session, case, message_pk)
    raw = ledger.load_raw(session, message_pk)
    audit.record(session, actor=user.username, action=AuditAction.EMAIL_DOWNLOADED, case_pk=case.id,
                 message_pk=message_pk)
    session.commit()
    return Response(raw, media_type="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="{reference}-{message_pk}.eml"'})


@dataclass(frozen=True)
class Served:
    """An attachment read out of its session: its name, type, bytes and where it belongs."""

    id: int
    filename: str
    content_type: str
    flags: list[str]
    sha256: str
    data: bytes
    case_pk: int
    message_pk: int

    @property
    def safe_name(self) -> str:
        """The file name with anything a header could misread replaced."""
        return re.sub(r"[^A-Za-z0-9._ -]", "_", self.filename)[:150] or "attachment"


def _read_attachment(session: Session, reference: str, attachment_id: int) -> Served:
    case = case_or_404(session, reference)
    row = session.get(StoredAttachment, attachment_id)
    if row is None:
        raise HTTPException(status_code=404, detail="There is no such attachment on this case.")
    _message_of_case(session, case, row.message_pk)
    data = session.exec(select(Blob.data).where(Blob.sha256 == row.sha256)).one()
    return Served(attachment_id, row.filename, row.content_type, list(row.flags), row.sha256, data, case.id,
                  row.message_pk)


def _audit_served(session: Session, user: WebUser, item: Served, *, inline: bool) -> None:
    audit.record(session, actor=user.username, action=AuditAction.ATTACHMENT_DOWNLOADED, case_pk=item.case_pk,
                 message_pk=item.message_pk, detail={"attachment": item.id, "inline": inline})
    session.commit()


@router.get("/cases/{reference}/attachments/{attachment_id}")
def case_attachment(reference: str, attachment_id: int, request: Request, session: SessionDep,
                    inline: bool = False, user: WebUser = CAN_VIEW) -> Response:
    """An attachment as a download (`?inline=true` is the preview, kept for old links)."""
    if inline:
        return attachment_preview(reference, attachment_id, request, session, user)
    item = _read_attachment(session, reference, attachment_id)
    _audit_served(session, user, item, inline=False)
    return Response(item.data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{item.safe_name}"'})


@router.get("/cases/{reference}/attachments/{attachment_id}/preview")
def attachment_preview(reference: str, attachment_id: int, request: Request, session: SessionDep,
                       user: WebUser = CAN_VIEW) -> Response:
    """The attachment shown in the case page's preview frame: PDFs and images as they are, documents as PDF."""
    web = web_of(request)
    item = _read_attachment(session, reference, attachment_id)
    session.rollback()  # nothing written yet: no transaction (and no SQLite write lock) while LibreOffice runs
    kind = preview_kind(item.filename, item.content_type, item.flags)
    headers = {"Content-Disposition": f'inline; filename="{item.safe_name}"', "X-Frame-Options": "SAMEORIGIN"}
    if kind is PreviewKind.IMAGE and (media := image_type(item.data)):
        body, headers["Content-Security-Policy"] = item.data, IMAGE_CSP
    elif kind is PreviewKind.PDF and item.data.startswith(b"%PDF"):
        body, media, headers["Content-Security-Policy"] = item.data, "application/pdf", PDF_CSP
    elif kind is PreviewKind.CONVERTED and (pdf := converted_pdf(web.runtime.engine, sha256=item.sha256,
                                                                 filename=item.filename, data=item.data)):
        body, media, headers["Content-Security-Policy"] = pdf, "application/pdf", PDF_CSP
    else:
        refused = web.render(user, "error.html", status_code=415, title="No preview", bare=True,
                             message="This attachment cannot be shown here; download it instead.")
        refused.headers["X-Frame-Options"] = "SAMEORIGIN"  # it is shown in the case page's preview frame
        refused.headers["Content-Security-Policy"] = PAGE_CSP.replace("frame-ancestors 'none'",
                                                                      "frame-ancestors 'self'")
        return refused
    _audit_served(session, user, item, inline=True)
    return Response(body, media_type=media, headers=headers)

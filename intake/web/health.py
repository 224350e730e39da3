"""Intake health: the quarantine, failed and held outgoing mail, the mailboxes' state and a ledger search."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col

from intake.config.checks import deployment_warnings
from intake.outgoing import outbox
from intake.store import audit, ledger
from intake.store.audit import AuditAction
from intake.store.models import Disposition, Message, Outbox, OutboxStatus, utcnow
from intake.store.purge import is_purged_message
from intake.web.context import CAN_WORK_INTAKE, POST_INTAKE_WORK, POST_RELEASE_HELD, SessionDep, web_of
from intake.web.notices import Notice, notice_of, redirect
from intake.web.quarantine import outcome_notice, quarantine_rows
from intake.web.security import WebUser

log = logging.getLogger(__name__)
router = APIRouter()
WORK = POST_INTAKE_WORK
LIST_LIMIT = 200


def _back(done: Notice, **parameters: str | int) -> RedirectResponse:
    return redirect("/health", done, **parameters)


@router.get("/health")
def health_page(request: Request, session: SessionDep, user: WebUser = CAN_WORK_INTAKE) -> Response:
    """The intake health page."""
    web = web_of(request)
    text = request.query_params.get("q", "").strip()[:300]
    disposition = request.query_params.get("disposition", "")
    searched = bool(text or disposition)
    quarantined = quarantine_rows(session, ledger.quarantined(session, limit=LIST_LIMIT))
    failed = outbox.failed_mail(session, limit=LIST_LIMIT)
    held = outbox.held_mail(session, limit=LIST_LIMIT)
    mailboxes = ledger.mailbox_states(session)
    results = ledger.search(session, text=text, disposition=disposition, limit=LIST_LIMIT) if searched else []
    return web.render(user, "health.html", quarantined=quarantined, failed=failed, held=held, mailboxes=mailboxes,
                      results=results, searched=searched, q=text, disposition=disposition,
                      dispositions=list(Disposition), notice=notice_of(request),
                      warnings=deployment_warnings(web.runtime.settings))


@router.get("/messages/{message_pk}.eml")
def raw_message(message_pk: int, session: SessionDep,
                user: WebUser = CAN_WORK_INTAKE) -> Response:
    """Any ledger message's raw bytes, as a download (for quarantined mail above all)."""
    message = session.get(Message, message_pk)
    if message is None:
        raise HTTPException(status_code=404, detail="no such message")
    if is_purged_message(session, message_pk):
        raise HTTPException(status_code=410, detail="This email was deleted under the retention policy; its "
                                                    "ledger entry is kept.")
    raw = ledger.load_raw(session, message_pk)
    audit.record(session, actor=user.username, action=AuditAction.EMAIL_DOWNLOADED, message_pk=message_pk,
                 case_pk=message.case_pk)
    session.commit()
    return Response(raw, media_type="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="message-{message_pk}.eml"'})


@router.post("/messages/{message_pk}/requeue")
def requeue(message_pk: int, request: Request, session: SessionDep, user: WebUser = WORK) -> Response:
    """Run a quarantined message through the pipeline again, now."""
    web = web_of(request)
    if not ledger.requeue(session, message_pk):
        raise HTTPException(status_code=409, detail="the message is not in quarantine")
    audit.record(session, actor=user.username, action=AuditAction.MESSAGE_REQUEUED, message_pk=message_pk)
    session.commit()
    outcome = web.runtime.pipeline.process(message_pk)
    log.info("message %d requeued from the web UI: %s", message_pk, outcome.disposition if outcome else "taken")
    done, parameters = outcome_notice(outcome, message_pk)
    return _back(done, **parameters)


@router.post("/messages/{message_pk}/not-referral")
def not_referral(message_pk: int, session: SessionDep, reason: str = Form(...), user: WebUser = WORK) -> Response:
    """Close a quarantined message as not a referral, with the reason given."""
    if not reason.strip():
        raise HTTPException(status_code=422, detail="say why it is not a referral")
    text = f"not a referral ({user.username}): {reason.strip()}"[:2000]
    changed = session.execute(
        sa.update(Message).where(col(Message.id) == message_pk,
                                 col(Message.disposition) == Disposition.QUARANTINED)
        .values(disposition=Disposition.IGNORED, reason=text, processed_at=utcnow())).rowcount
    if changed != 1:
        raise HTTPException(status_code=409, detail="the message is not in quarantine")
    audit.record(session, actor=user.username, action=AuditAction.MESSAGE_NOT_REFERRAL, message_pk=message_pk,
                 detail={"reason": reason.strip()[:500]})
    session.commit()
    return _back(Notice.MARKED_NOT_REFERRAL, message=message_pk)


@router.post("/outbox/{outbox_id}/retry")
def retry_mail(outbox_id: int, session: SessionDep, user: WebUser = WORK) -> Response:
    """Put a failed outgoing email back in the queue, due now."""
    changed = session.execute(
        sa.update(Outbox).where(col(Outbox.id) == outbox_id, col(Outbox.status) == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, next_attempt_at=utcnow())).rowcount
    if changed != 1:
        raise HTTPException(status_code=409, detail="that email has not failed")
    case_pk = session.get(Outbox, outbox_id).case_pk
    audit.record(session, actor=user.username, action=AuditAction.MAIL_RETRIED, case_pk=case_pk,
                 detail={"outbox": outbox_id})
    session.commit()
    return _back(Notice.MAIL_QUEUED_AGAIN, email=outbox_id)


@router.post("/outbox/held/{action}")
def held_mail(action: str, session: SessionDep, outbox_id: int | None = Form(None), up_to: int | None = Form(None),
              user: WebUser = POST_RELEASE_HELD) -> Response:
    """Release (send) or discard acknowledgements held by a flood cap: one (`outbox_id`), or every one the page
    listed (`up_to`: the newest id shown, so mail held since the page was opened is not touched)."""
    if action not in ("release", "discard"):
        raise HTTPException(status_code=404, detail="no such action")
    if outbox_id is not None:
        ids = [outbox_id]
    elif up_to is not None:
        ids = outbox.held_ids(session, up_to=up_to)
    else:
        raise HTTPException(status_code=422, detail="say which held email")
    leave = outbox.release_held if action == "release" else outbox.discard_held
    done = leave(session, ids, actor=user.username)
    session.commit()
    if not done:
        raise HTTPException(status_code=409, detail="nothing held was left to " + action)
    log.info("%d held acknowledgement(s) %sd by a manager", len(done), action)
    return _back(Notice.HELD_RELEASED if action == "release" else Notice.HELD_DISCARDED, count=len(done))

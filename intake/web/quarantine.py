"""Quarantine for staff: who sent it and what it says it is, where and why it stopped (in words), what a
requeue did, and filing a genuine referral the service cannot read as a case by hand (audited)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from intake.store import audit, cases, ledger
from intake.store.audit import AuditAction
from intake.store.models import Disposition, Message, Stage
from intake.store.rows import pk
from intake.web.context import CAN_WORK_INTAKE, POST_INTAKE_WORK, SessionDep, web_of
from intake.web.notices import Notice
from intake.web.security import WebUser
from intake.worker.pipeline import MessageOutcome
from parsers.values import ExtractedForm, Field, FieldValue, FormType

router = APIRouter()

STAGES: dict[str, str] = {
    Stage.LOAD: "loading the stored message",
    Stage.PARSE: "reading the email itself",
    Stage.SCREEN: "checking whether it is a bounce, an auto-reply or a follow-up",
    Stage.EXTRACT: "reading the attachments or the email's text",
    Stage.CLASSIFY: "applying the triage rules",
    Stage.FILE: "filing it as a case",
}
HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class QuarantineRow:
    """One quarantined message as staff see it."""

    message: Message
    sender: str
    subject: str
    stage: str


def stage_in_words(stage: str) -> str:
    """'reading the attachments or the email's text' for 'extract'."""
    return STAGES.get(stage, stage.replace("_", " ") or "unknown")


def quarantine_rows(session: Session, messages: list[Message]) -> list[QuarantineRow]:
    """Quarantined messages as staff see them."""
    return [_row(session, message) for message in messages]


def _row(session: Session, message: Message) -> QuarantineRow:
    """Sender and subject come from the headers when parsing never got as far as recording them."""
    sender, subject = message.sender, message.subject
    if not sender or not subject:
        headers = _headers(ledger.load_raw(session, pk(message)))
        sender, subject = sender or headers[0], subject or headers[1]
    return QuarantineRow(message, sender, subject, stage_in_words(message.stage))


def _headers(raw: bytes) -> tuple[str, str]:
    """From and Subject of a raw message, read leniently (a broken header gives an empty string)."""
    try:
        parsed = BytesHeaderParser(policy=default_policy).parsebytes(raw[:HEADER_BYTES])
        return str(parsed.get("From", ""))[:320], " ".join(str(parsed.get("Subject", "")).split())[:300]
    except Exception:  # any header a parser refuses reads as blank; the raw .eml stays downloadable
        return "", ""


def outcome_notice(outcome: MessageOutcome | None, message_pk: int) -> tuple[Notice, dict[str, str | int]]:
    """What a requeue did, as a notice and its parameters ('message 12: filed as SAR-2026-0012')."""
    if outcome is None:
        return Notice.REQUEUED_ELSEWHERE, {"message": message_pk}
    if outcome.disposition in (Disposition.CASE, Disposition.FOLLOW_UP) and outcome.case_reference:
        done = Notice.FILED_AS_CASE if outcome.disposition == Disposition.CASE else Notice.FILED_AS_FOLLOW_UP
        return done, {"message": message_pk, "ref": outcome.case_reference}
    return {Disposition.IGNORED: Notice.NOT_FILED, Disposition.QUARANTINED: Notice.STILL_QUARANTINED,
            }.get(outcome.disposition, Notice.REQUEUED), {"message": message_pk}


# --- filing by hand -------------------------------------------------------------------------------------------

HAND_FIELDS: tuple[tuple[str, str, str], ...] = (  # (canonical name, label, kind)
    ("subject.forenames", "Forenames", "text"),
    ("subject.surname", "Surname", "text"),
    ("subject.date_of_birth", "Date of birth", "date"),
    ("subject.nhs_number", "NHS number", "nhs"),
    ("subject.postcode", "Postcode", "text"),
    ("event.is_deceased", "Has died", "yesno"),
    ("event.date_of_death", "Date of death", "date"),
    ("event.date_of_incident", "Date of incident", "date"),
    ("event.date_la_aware", "Date the local authority became aware", "date"),
    ("event.abuse_or_neglect", "Abuse or neglect", "abuse"),
    ("referrer.name", "Referrer's name", "text"),
    ("referrer.organisation", "Referrer's organisation", "text"),
    ("referrer.email", "Referrer's email", "text"),
    ("event.summary", "Summary of the event", "long"),
)
CHOICES = {"yesno": ("", "yes", "no"), "abuse": ("", "known", "suspected", "not_suspected", "unknown")}
FORM_TYPES = {"adult": FormType.SAR_REFERRAL, "child": FormType.CHILD_REFERRAL, "unknown": FormType.UNKNOWN}


class EntryError(ValueError):
    """What staff typed cannot be filed; the message names the field."""


def _value(kind: str, label: str, text: str) -> FieldValue:
    text = " ".join(text.split())[:2000] if kind != "long" else text.strip()[:10000]
    if kind == "date":
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, pattern).date().isoformat()
            except ValueError:
                continue
        raise EntryError(f"{label}: write the date as dd/mm/yyyy")
    if kind == "nhs":
        digits = re.sub(r"\s", "", text)
        if not re.fullmatch(r"\d{10}", digits):
            raise EntryError(f"{label}: ten digits")
        return digits
    if kind == "yesno":
        return text == "yes"
    if kind in CHOICES and text not in CHOICES[kind]:
        raise EntryError(f"{label}: choose one of the options")
    return text.upper() if label == "Postcode" else text


def entered_form(values: dict[str, str], *, track: str, source: str) -> ExtractedForm:
    """The fields staff typed, as a form the rules read (blank answers left out)."""
    fields = {}
    for name, label, kind in HAND_FIELDS:
        text = values.get(name, "").strip()
        if text:
            fields[name] = Field(name, _value(kind, label, text), source, 1.0, label)
    if "subject.surname" not in fields:
        raise EntryError("Surname: needed to file a case")
    return ExtractedForm(source, FORM_TYPES.get(track, FormType.UNKNOWN), fields)


@router.get("/messages/{message_pk}/file")
def file_page(message_pk: int, request: Request, session: SessionDep, user: WebUser = CAN_WORK_INTAKE) -> Response:
    """The form for filing a quarantined message as a case by hand."""
    message = session.get(Message, message_pk)
    if message is None or message.disposition != Disposition.QUARANTINED:
        raise HTTPException(status_code=404, detail="no such message in quarantine")
    return _file_form(request, session, message, user)


def _file_form(request: Request, session: Session, message: Message, user: WebUser, error: str = "") -> Response:
    # The error is passed in, never read from the URL: a link must not put words on the page.
    return web_of(request).render(user, "file_by_hand.html", status_code=400 if error else 200,
                                  row=_row(session, message), fields=HAND_FIELDS, choices=CHOICES, error=error)


@router.post("/messages/{message_pk}/file")
async def file_by_hand(message_pk: int, request: Request, session: SessionDep,
                       user: WebUser = POST_INTAKE_WORK) -> Response:
    """File the message as a new case with the fields staff entered; the rules recommend as for any case."""
    form = await request.form()
    track = str(form.get("track", "unknown"))
    try:
        entered = entered_form({k: str(v) for k, v in form.items()}, track=track,
                               source=f"entered by {user.username} from message {message_pk}")
    except EntryError as exc:
        return await run_in_threadpool(_refused, request, session, message_pk, user, str(exc))
    # The database and the rules run off the event loop.
    return await run_in_threadpool(_file, request, session, message_pk, entered, user)


def _refused(request: Request, session: Session, message_pk: int, user: WebUser, error: str) -> Response:
    message = session.get(Message, message_pk)
    if message is None or message.disposition != Disposition.QUARANTINED:
        raise HTTPException(status_code=404, detail="no such message in quarantine")
    return _file_form(request, session, message, user, error)


def _file(request: Request, session: Session, message_pk: int, entered: ExtractedForm, user: WebUser) -> Response:
    message = session.get(Message, message_pk)
    if message is None or message.disposition != Disposition.QUARANTINED:
        raise HTTPException(status_code=409, detail="the message is not in quarantine")
    received = message.received_at or datetime.now(UTC)
    triage = web_of(request).runtime.classify(entered.fields, entered.form_type, received)
    sender = message.sender or _headers(ledger.load_raw(session, message_pk))[0]
    case = cases.file_new_case(session, message_pk=message_pk, received_at=received, sender=sender,
                               form=entered, triage=triage)
    if not ledger.file_quarantined(session, message_pk=message_pk, case_pk=pk(case),
                                   reason=f"filed by hand by {user.username}"):
        session.rollback()  # someone requeued or closed it meanwhile
        raise HTTPException(status_code=409, detail="the message is not in quarantine")
    audit.record(session, actor=user.username, action=AuditAction.CASE_FILED_BY_HAND, case_pk=case.id,
                 message_pk=message_pk, detail={"reference": case.reference, "fields": sorted(entered.fields)})
    session.commit()
    return RedirectResponse(f"/cases/{case.reference}", status_code=303)

"""Writing to the referrer from the case page: a letter with the questions the rules still have, sent through
the outbox and threaded (In-Reply-To / References) so the answer files as a follow-up on the same case.

The subject carries the case reference and nothing about the person; the body is refused while it holds the
person's name, NHS number or date of birth, since email to a referrer need not be secure.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from intake.outgoing import outbox
from intake.outgoing.outbox import Draft
from intake.store import audit
from intake.store.audit import AuditAction
from intake.store.models import Case, CaseField, MailKind, Message, Outbox
from intake.store.rows import pk
from intake.web.casepage import case_or_404
from intake.web.caseview import load_case_view
from intake.web.context import CAN_VIEW, POST_CASE_WORK, SessionDep, uk_dates_in, web_of
from intake.web.notices import Notice, redirect
from intake.web.security import WebUser

router = APIRouter()
_SUGGESTION = re.compile(r"\s*\(the summary suggests .*\)\s*$")
_PERSONAL = ("subject.forenames", "subject.surname", "subject.nhs_number", "subject.date_of_birth")


def reply_subject(reference: str) -> str:
    """The subject: the case reference, which also threads the answer if a mail client drops the headers."""
    return f"Your safeguarding referral {reference}: further information"


def reply_body(case: Case, referrer: str, partnership: str) -> str:
    """The letter as first offered: the questions still open, without what the free text suggested."""
    questions = [uk_dates_in(_SUGGESTION.sub("", q)) for q in case.triage.get("questions", [])] if case.triage else []
    asks = "\n".join(f"- {q}" for q in dict.fromkeys(questions)) or "- (type your questions here)"
    return (f"Dear {referrer or 'colleague'},\n\nThank you for your referral (our reference {case.reference}). "
            f"To decide on it we need a little more information:\n\n{asks}\n\nPlease reply to this email, "
            "keeping the reference in the subject. Please do not send the person's details by ordinary email; "
            f"we can take them by phone or secure email.\n\nWith thanks,\n{partnership}\n")


def personal_words(session: Session, case_pk: int) -> list[str]:
    """The person's identifying values as they could be written in a letter."""
    rows = session.exec(select(CaseField.value).where(CaseField.case_pk == case_pk, CaseField.current,
                                                      col(CaseField.name).in_(_PERSONAL)))
    words: list[str] = []
    for value in rows:
        text = str(value or "")
        words += [w for w in re.split(r"\W+", text) if len(w) >= 3 and not w.isdigit()]
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            words.append(f"{text[8:10]}/{text[5:7]}/{text[:4]}")
        if re.fullmatch(r"\d{10}", text):
            words.append(text)
    return words


def _found(body: str, words: list[str]) -> list[str]:
    flat = re.sub(r"\s+", "", body.lower())
    return [w for w in words if re.search(rf"\b{re.escape(w.lower())}\b", body.lower()) or
            (w.isdigit() and w in re.sub(r"\D", "", flat))]


@router.get("/cases/{reference}/reply")
def reply_form(reference: str, request: Request, session: SessionDep, user: WebUser = CAN_VIEW) -> Response:
    """The letter to the referrer, ready to edit."""
    web = web_of(request)
    case = case_or_404(session, reference)
    view = load_case_view(session, case)
    referrer = next((str(f.row.value) for f in view.fields if f.row.name == "referrer.name"), "")
    return web.render(user, "reply.html", view=view, subject=reply_subject(reference),
                      body=reply_body(case, referrer, web.runtime.settings.partnership.name),
                      nonce=secrets.token_hex(8), error="")


@router.post("/cases/{reference}/reply")
def send_reply(reference: str, request: Request, session: SessionDep, to: str = Form(...), body: str = Form(...),
               nonce: str = Form(""), user: WebUser = POST_CASE_WORK) -> Response:
    """Queue the letter in the outbox (once per form, however often it is submitted)."""
    web = web_of(request)
    settings = web.runtime.settings
    case = case_or_404(session, reference)
    view = load_case_view(session, case)
    personal = _found(body, personal_words(session, pk(case)))
    if to not in view.reply_to or not body.strip() or personal:
        error = ("Take out the person's details before sending: " + ", ".join(sorted(set(personal)))
                 if personal else "Choose the referrer's address and write the letter.")
        return web.render(user, "reply.html", status_code=422, view=view, subject=reply_subject(reference),
                          body=body, nonce=nonce, error=error)
    ids = list(session.exec(select(Message.message_id).where(Message.case_pk == case.id)
                            .order_by(col(Message.id))))
    sent = list(session.exec(select(Outbox.message_id).where(Outbox.case_pk == case.id)
                             .order_by(col(Outbox.id))))
    thread = [i for i in [*ids, *sent] if i]
    draft = Draft(MailKind.REFERRER_REPLY, to, reply_subject(reference), body.strip()[:20000] + "\n", "",
                  in_reply_to=ids[-1] if ids else "", references=" ".join(thread[-20:]))
    once = re.sub(r"[^0-9a-f]", "", nonce)[:16] or secrets.token_hex(8)
    row = outbox.queue(session, key=f"reply:{case.id}:{once}", draft=draft,
                       own_address=settings.mailbox_address, case_pk=case.id, message_pk=None)
    audit.record(session, actor=user.username, action=AuditAction.REFERRER_REPLIED_TO, case_pk=case.id,
                 detail={"outbox": row.id})
    session.commit()
    return redirect(f"/cases/{quote(reference)}", Notice.LETTER_QUEUED, "conversation")

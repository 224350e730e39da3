"""Screening: before anything is filed or answered, decide what a message is.

A chain of small checks in the style of Zammad's mail filters. Robots (auto-replies, bounces, lists,
our own mail) must never be answered (RFC 3834); some are not even filed. A message can still be a
real referral that must not be answered — a form forwarded by a mailbox rule, say — so "file it" and
"answer it" are separate answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from parsers.values import ParsedEmail

LOOP_HEADER = "X-Safeguarding-Intake-Loop"
REFERENCE_PATTERN = re.compile(r"\b((?:SAR|CSPR|REF)-\d{4}-\d{4,})\b")
_OOO_SUBJECT = re.compile(
    r"^\s*(auto:|(auto(matic)?[ -]?(reply|response|antwort)|autoreply|out[ -]of[ -](the[ -])?office|"
    r"away from (the |my )?office|on leave|on holiday|on annual leave|abwesenheitsnotiz|abwesend|"
    r"automatische antwort|r[ée]ponse automatique|absence du bureau|autosvar|automatisch antwoord|"
    r"risposta automatica|respuesta autom[áa]tica|fuera de la oficina)\b)",
    re.IGNORECASE,
)
OWN_MESSAGE_ID_PREFIX = "<intake."  # every Message-ID we send starts so (intake.outgoing.outbox.new_message_id)
_ROBOT_LOCALPARTS = {"mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply", "bounce"}
_BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}


class Verdict(StrEnum):
    """What the pipeline does with a message."""

    NEW = "new"  # file a new case
    FOLLOW_UP = "follow_up"  # file under an existing case
    IGNORE = "ignore"  # keep in the ledger only


@dataclass(frozen=True)
class Screening:
    """The screening result: what to do, whether a reply may be sent, and why."""

    verdict: Verdict
    reason: str = ""
    case_reference: str | None = None  # for FOLLOW_UP, or the case a bounce belongs to
    no_reply_reason: str = ""  # non-empty: never send this sender an automatic reply
    bounced_ids: tuple[str, ...] = ()  # for a bounce of our mail: the Message-IDs it quotes


class Thread(Protocol):
    """Look-ups into the queue that screening needs (implemented by intake/, over the database)."""

    def case_for_message_ids(self, message_ids: tuple[str, ...]) -> str | None:
        """The reference of the case any of these Message-IDs was filed under or sent from."""

    def case_exists(self, reference: str) -> bool:
        """Whether a case with this reference exists."""


def is_own_message_id(message_id: str, *, own_address: str) -> bool:
    """Whether a Message-ID is one we generated (our acknowledgements), so never to be answered."""
    domain = own_address.rsplit("@", 1)[-1].lower()
    value = message_id.strip().lower()
    return value.startswith(OWN_MESSAGE_ID_PREFIX) and value.endswith(f"@{domain}>")


def robot_reason(email: ParsedEmail, *, own_address: str) -> str:
    """Why this message must never get an automatic reply, or "" when it may (RFC 3834 and common practice)."""
    auto = email.header("Auto-Submitted").strip().lower()
    precedence = (email.header("Precedence") or email.header("X-Precedence")).strip().lower()
    sender = email.sender
    local = sender.split("@", 1)[0]
    checks = (
        (bool(email.header(LOOP_HEADER)), "our own loop header"),
        (sender == own_address.lower(), "sent from our own address"),
        (is_own_message_id(email.message_id, own_address=own_address), "our own Message-ID"),
        (not sender, "no sender address"),
        (local in _ROBOT_LOCALPARTS, f"robot sender ({local})"),
        (email.header("Return-Path").strip() == "<>", "empty envelope sender (Return-Path: <>)"),
        (email.content_type == "multipart/report", "delivery or read report"),
        (bool(auto) and auto != "no", f"Auto-Submitted: {auto}"),
        (precedence in _BULK_PRECEDENCE, f"Precedence: {precedence}"),
        (bool(email.header("X-Auto-Response-Suppress")), "X-Auto-Response-Suppress"),
        (bool(email.header("List-Id") or email.header("List-Unsubscribe")), "mailing list"),
        (bool(email.header("X-Autoreply") or email.header("X-Autorespond")), "auto-reply header"),
        (bool(_OOO_SUBJECT.search(email.subject)), "out-of-office subject"),
    )
    return next((reason for hit, reason in checks if hit), "")


def is_bounce(email: ParsedEmail) -> bool:
    """A delivery status notification (RFC 3464) or a classic bounce from a mailer daemon."""
    report = email.content_type == "multipart/report" and "delivery-status" in email.header("Content-Type").lower()
    daemon = email.sender.split("@", 1)[0] in {"mailer-daemon", "postmaster"} or not email.sender
    subject = re.search(r"undeliver|delivery (status|failure|has failed)|returned mail|failure notice",
                        email.subject, re.IGNORECASE)
    return report or (daemon and bool(subject))


def screen(email: ParsedEmail, *, own_address: str, thread: Thread, has_form: bool) -> Screening:
    """Decide whether a message is a new referral, a follow-up, or something to keep but not file."""
    no_reply = robot_reason(email, own_address=own_address)
    own_id = is_own_message_id(email.message_id, own_address=own_address)
    if email.header(LOOP_HEADER) or email.sender == own_address.lower() or own_id:
        return Screening(Verdict.IGNORE, "our own outgoing mail", no_reply_reason=no_reply)
    if is_bounce(email):
        quoted = _ids_in_bounce(email)
        ours = thread.case_for_message_ids(quoted)
        return Screening(Verdict.IGNORE, "delivery status notification (bounce)", ours, no_reply,
                         quoted if ours else ())
    reference = _thread_reference(email, thread)
    if reference:
        return Screening(Verdict.FOLLOW_UP, f"reply to case {reference}", reference, no_reply)
    if no_reply and not has_form and _is_auto_reply(email):
        return Screening(Verdict.IGNORE, f"automatic reply ({no_reply})", no_reply_reason=no_reply)
    return Screening(Verdict.NEW, "new referral", no_reply_reason=no_reply)


def _is_auto_reply(email: ParsedEmail) -> bool:
    auto = email.header("Auto-Submitted").strip().lower()
    return (
        auto.startswith("auto-replied")
        or bool(email.header("X-Autoreply") or email.header("X-Autorespond"))
        or email.header("Precedence").strip().lower() == "auto_reply"
        or bool(_OOO_SUBJECT.search(email.subject))
    )


def _thread_reference(email: ParsedEmail, thread: Thread) -> str | None:
    ids = tuple(i for i in (email.in_reply_to, *email.references) if i)
    if ids:
        found = thread.case_for_message_ids(ids)
        if found:
            return found
    for match in REFERENCE_PATTERN.findall(email.subject):
        if thread.case_exists(match):
            return match
    return None


_MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")


def _ids_in_bounce(email: ParsedEmail) -> tuple[str, ...]:
    """Message-IDs quoted in a bounce: the returned headers are where our own Message-ID shows up."""
    texts = [email.text_body] + [
        a.data[:200_000].decode("utf-8", "replace")
        for a in email.attachments
        if a.content_type in {"message/rfc822-headers", "text/rfc822-headers", "message/delivery-status"}
    ]
    return tuple(dict.fromkeys(m for text in texts for m in _MESSAGE_ID.findall(text)))

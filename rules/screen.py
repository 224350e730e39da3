"""Screening: before anything is filed, read or answered, decide what a message is.

Small named checks in the style of GNU Mailman's rules (and of the triage rules, rules/rule.py): each robot
check has a name, a one-line description and a `check` that returns its hit; every hit is kept on the
Screening, and the first one is the reason no reply is sent. Robots (auto-replies, bounces, lists, our own
mail) must never be answered (RFC 3834); some are not even filed. A message can still be a real referral that
must not be answered — a form forwarded by a mailbox rule, say — so "file it" and "answer it" are separate
answers.

A case reference in the subject finds the case, but a follow-up changes the case only when it comes from the
case's referrer, a partner domain, or answers one of our own Message-IDs (rules/senders.py); from anyone else it
is filed on the case "from a different sender" and its fields are only proposed.

Mail from the partnership's own address is our own mail come back and is never filed, unless it carries a form
and nothing else marks it as ours (no loop header, none of our Message-IDs, no Auto-Submitted): then it is a
referral forwarded from the shared mailbox, filed as a case and never answered.

Pure: what the queue knows about the message's thread is looked up by the caller (`thread_query` says what to
look up) and passed in as ThreadFacts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from parsers.values import ParsedEmail
from rules.senders import FollowUpTrust, follow_up_trust

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
_DAEMON_LOCALPARTS = {"mailer-daemon", "postmaster"}
_BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
_BOUNCE_SUBJECT = re.compile(r"undeliver|delivery (status|failure|has failed)|returned mail|failure notice",
                             re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_QUOTED_HEADER_TYPES = {"message/rfc822-headers", "text/rfc822-headers", "message/delivery-status"}


class Verdict(StrEnum):
    """What the pipeline does with a message."""

    NEW = "new"  # file a new case
    FOLLOW_UP = "follow_up"  # file under an existing case
    IGNORE = "ignore"  # keep in the ledger only


class RobotKind(StrEnum):
    """What a robot check's hit says about the message."""

    OWN_MAIL = "own_mail"  # our own outgoing mail come back: never filed
    OWN_ADDRESS = "own_address"  # from our own address: a forwarded referral when it carries a form, else ours
    AUTO_REPLY = "auto_reply"  # an automatic reply: not filed unless it carries a form
    ROBOT = "robot"  # some other machine or list: filed if it is a referral, never answered


@dataclass(frozen=True)
class ScreenHit:
    """One robot check that matched, and why."""

    check: str
    kind: RobotKind
    reason: str


@dataclass(frozen=True)
class Envelope:
    """The parts of a message the robot checks read, normalised once."""

    email: ParsedEmail
    own_address: str  # lower-case

    @property
    def sender(self) -> str:
        """The sender's address (lower-case, as parsed)."""
        return self.email.sender

    @property
    def local_part(self) -> str:
        """The sender's address before the @."""
        return self.email.sender.split("@", 1)[0]

    @property
    def auto_submitted(self) -> str:
        """The Auto-Submitted header (RFC 3834), lower-case."""
        return self.email.header("Auto-Submitted").strip().lower()

    @property
    def precedence(self) -> str:
        """Precedence, or the X-Precedence some mailers send instead, lower-case."""
        return (self.email.header("Precedence") or self.email.header("X-Precedence")).strip().lower()


@dataclass(frozen=True)
class RobotCheck:
    """A screening rule: a name, what it looks for, what a hit means, and the test (a reason, or "" for no hit)."""

    name: str
    description: str
    kind: RobotKind
    test: Callable[[Envelope], str]

    def check(self, envelope: Envelope) -> ScreenHit | None:
        """This check's hit on the message, or None."""
        reason = self.test(envelope)
        return ScreenHit(self.name, self.kind, reason) if reason else None


def _when(hit: bool, reason: str) -> str:
    return reason if hit else ""


def _auto_submitted(e: Envelope, *, replied: bool) -> str:
    auto = e.auto_submitted
    return _when(bool(auto) and auto != "no" and auto.startswith("auto-replied") is replied, f"Auto-Submitted: {auto}")


def _precedence(e: Envelope, *, auto_reply: bool) -> str:
    # Only the Precedence header itself marks an auto-reply; X-Precedence: auto_reply is a robot like bulk mail.
    is_auto_reply = e.email.header("Precedence").strip().lower() == "auto_reply"
    return _when(e.precedence in _BULK_PRECEDENCE and is_auto_reply is auto_reply, f"Precedence: {e.precedence}")


# In this order: the first hit is the reason recorded for not answering.
ROBOT_CHECKS: tuple[RobotCheck, ...] = (
    RobotCheck("loop_header", "our own loop header (X-Safeguarding-Intake-Loop)", RobotKind.OWN_MAIL,
               lambda e: _when(bool(e.email.header(LOOP_HEADER)), "our own loop header")),
    RobotCheck("own_address", "sent from the partnership's own address", RobotKind.OWN_ADDRESS,
               lambda e: _when(e.sender == e.own_address, "sent from our own address")),
    RobotCheck("own_message_id", "a Message-ID we generated", RobotKind.OWN_MAIL,
               lambda e: _when(is_own_message_id(e.email.message_id, own_address=e.own_address),
                               "our own Message-ID")),
    RobotCheck("no_sender", "no sender address", RobotKind.ROBOT,
               lambda e: _when(not e.sender, "no sender address")),
    RobotCheck("robot_sender", "a robot's address (mailer-daemon, postmaster, no-reply ...)", RobotKind.ROBOT,
               lambda e: _when(e.local_part in _ROBOT_LOCALPARTS, f"robot sender ({e.local_part})")),
    RobotCheck("empty_return_path", "an empty envelope sender (Return-Path: <>)", RobotKind.ROBOT,
               lambda e: _when(e.email.header("Return-Path").strip() == "<>",
                               "empty envelope sender (Return-Path: <>)")),
    RobotCheck("report", "a delivery or read report (multipart/report)", RobotKind.ROBOT,
               lambda e: _when(e.email.content_type == "multipart/report", "delivery or read report")),
    RobotCheck("auto_replied", "Auto-Submitted: auto-replied (RFC 3834)", RobotKind.AUTO_REPLY,
               lambda e: _auto_submitted(e, replied=True)),
    RobotCheck("auto_submitted", "Auto-Submitted other than no (RFC 3834)", RobotKind.ROBOT,
               lambda e: _auto_submitted(e, replied=False)),
    RobotCheck("precedence_auto_reply", "Precedence: auto_reply", RobotKind.AUTO_REPLY,
               lambda e: _precedence(e, auto_reply=True)),
    RobotCheck("bulk_precedence", "Precedence (or X-Precedence): bulk, list, junk", RobotKind.ROBOT,
               lambda e: _precedence(e, auto_reply=False)),
    RobotCheck("auto_response_suppress", "X-Auto-Response-Suppress (Microsoft)", RobotKind.ROBOT,
               lambda e: _when(bool(e.email.header("X-Auto-Response-Suppress")), "X-Auto-Response-Suppress")),
    RobotCheck("mailing_list", "a mailing list (List-Id, List-Unsubscribe)", RobotKind.ROBOT,
               lambda e: _when(bool(e.email.header("List-Id") or e.email.header("List-Unsubscribe")),
                               "mailing list")),
    RobotCheck("auto_reply_header", "X-Autoreply or X-Autorespond", RobotKind.AUTO_REPLY,
               lambda e: _when(bool(e.email.header("X-Autoreply") or e.email.header("X-Autorespond")),
                               "auto-reply header")),
    RobotCheck("out_of_office_subject", "an out-of-office subject, in several languages", RobotKind.AUTO_REPLY,
               lambda e: _when(bool(_OOO_SUBJECT.search(e.email.subject)), "out-of-office subject")),
)


@dataclass(frozen=True)
class ThreadQuery:
    """What screening needs looked up in the queue for one message; the caller looks it up."""

    reply_ids: tuple[str, ...]  # In-Reply-To and References: the case any of them was filed under or sent from
    bounced_ids: tuple[str, ...]  # Message-IDs quoted in a bounce (empty unless the message is a bounce)
    subject_references: tuple[str, ...]  # case references in the subject: which of them exist


@dataclass(frozen=True)
class ThreadFacts:
    """What the queue knows about a message's thread: the answers to its ThreadQuery."""

    reply_case: str | None = None  # the case the reply_ids belong to
    bounced_case: str | None = None  # the case the bounced_ids belong to
    existing_references: frozenset[str] = frozenset()  # those subject_references that name a case
    own_reply_case: str | None = None  # the case one of OUR sent Message-IDs among the reply_ids belongs to
    # The referrer's addresses of each case named above (reply_case, existing_references): who may change it.
    referrers: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Screening:
    """The screening result: what to do, whether a reply may be sent, and why."""

    verdict: Verdict
    reason: str = ""
    case_reference: str | None = None  # for FOLLOW_UP, or the case a bounce belongs to
    no_reply_reason: str = ""  # non-empty: never send this sender an automatic reply
    bounced_ids: tuple[str, ...] = ()  # for a bounce of our mail: the Message-IDs it quotes
    hits: tuple[ScreenHit, ...] = ()  # every robot check that matched, in check order
    trust: FollowUpTrust | None = None  # for FOLLOW_UP: whether it may change the case, and why
    referrer: str = ""  # for NEW from our own address: the original sender the forward shows ("" if none)


def is_own_message_id(message_id: str, *, own_address: str) -> bool:
    """Whether a Message-ID is one we generated (our acknowledgements), so never to be answered."""
    domain = own_address.rsplit("@", 1)[-1].lower()
    value = message_id.strip().lower()
    return value.startswith(OWN_MESSAGE_ID_PREFIX) and value.endswith(f"@{domain}>")


def robot_hits(email: ParsedEmail, *, own_address: str) -> tuple[ScreenHit, ...]:
    """Every robot check that matches this message, in check order."""
    envelope = Envelope(email, own_address.lower())
    return tuple(hit for hit in (check.check(envelope) for check in ROBOT_CHECKS) if hit is not None)


def robot_reason(email: ParsedEmail, *, own_address: str) -> str:
    """Why this message must never get an automatic reply, or "" when it may (RFC 3834 and common practice)."""
    hits = robot_hits(email, own_address=own_address)
    return hits[0].reason if hits else ""


def is_bounce(email: ParsedEmail) -> bool:
    """A delivery status notification (RFC 3464) or a classic bounce from a mailer daemon."""
    report = email.content_type == "multipart/report" and "delivery-status" in email.header("Content-Type").lower()
    daemon = email.sender.split("@", 1)[0] in _DAEMON_LOCALPARTS or not email.sender
    return report or (daemon and bool(_BOUNCE_SUBJECT.search(email.subject)))


def thread_query(email: ParsedEmail) -> ThreadQuery:
    """What to look up in the queue before screening this message."""
    return ThreadQuery(
        reply_ids=tuple(i for i in (email.in_reply_to, *email.references) if i),
        bounced_ids=_ids_in_bounce(email) if is_bounce(email) else (),
        subject_references=tuple(REFERENCE_PATTERN.findall(email.subject)),
    )


def screen(email: ParsedEmail, *, own_address: str, thread: ThreadFacts, has_form: bool,
           partner_domains: Iterable[str] = (), sender_authenticated: bool | None = None) -> Screening:
    """Decide whether a message is a new referral, a follow-up, or something to keep but not file."""
    hits = robot_hits(email, own_address=own_address)
    no_reply = hits[0].reason if hits else ""
    kinds = {hit.kind for hit in hits}
    if RobotKind.OWN_MAIL in kinds or _our_own_mail(kinds, has_form=has_form):
        return Screening(Verdict.IGNORE, "our own outgoing mail", no_reply_reason=no_reply, hits=hits)
    if is_bounce(email):
        ours = thread.bounced_case
        return Screening(Verdict.IGNORE, "delivery status notification (bounce)", ours, no_reply,
                         _ids_in_bounce(email) if ours else (), hits)
    reference = thread.own_reply_case or thread.reply_case or next(
        (ref for ref in REFERENCE_PATTERN.findall(email.subject) if ref in thread.existing_references), None)
    if reference:
        trust = follow_up_trust(email.sender, referrers=thread.referrers.get(reference, frozenset()),
                                partner_domains=partner_domains, in_our_thread=thread.own_reply_case == reference,
                                sender_authenticated=sender_authenticated)
        reason = f"reply to case {reference}" + ("" if trust.trusted else " from a different sender")
        return Screening(Verdict.FOLLOW_UP, reason, reference, no_reply, hits=hits, trust=trust)
    if RobotKind.AUTO_REPLY in kinds and not has_form:
        return Screening(Verdict.IGNORE, f"automatic reply ({no_reply})", no_reply_reason=no_reply, hits=hits)
    if RobotKind.OWN_ADDRESS in kinds:  # a referral forwarded from the shared mailbox: filed, never answered
        return Screening(Verdict.NEW, "new referral forwarded from our own address", no_reply_reason=no_reply,
                         hits=hits, referrer=email.forwarded_from)
    return Screening(Verdict.NEW, "new referral", no_reply_reason=no_reply, hits=hits)


def _our_own_mail(kinds: set[RobotKind], *, has_form: bool) -> bool:
    """From our own address: ours unless it carries a form and no other robot mark (Auto-Submitted, bulk ...).

    Everything we send is marked automatic (RFC 3834) or carries our loop header and Message-ID, so a message
    from our address with a form and none of those marks is a person forwarding a referral from the mailbox.
    """
    if RobotKind.OWN_ADDRESS not in kinds:
        return False
    return not has_form or bool(kinds - {RobotKind.OWN_ADDRESS})


def _ids_in_bounce(email: ParsedEmail) -> tuple[str, ...]:
    """Message-IDs quoted in a bounce: the returned headers are where our own Message-ID shows up."""
    texts = [email.text_body] + [
        a.data[:200_000].decode("utf-8", "replace") for a in email.attachments if a.content_type in _QUOTED_HEADER_TYPES
    ]
    return tuple(dict.fromkeys(m for text in texts for m in _MESSAGE_ID.findall(text)))

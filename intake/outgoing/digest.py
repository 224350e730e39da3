"""The managers' daily digest: counts and references (never names), links into the UI, a weekly chart.

Sent once per day however many workers run: a scheduled run first inserts a `digest_runs` row for its
date (unique), and only the process whose insert succeeded sends. Manual sends (`digest --send`) leave
the date free.
"""

from __future__ import annotations

import base64
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, func, select

from intake.config.labels import code_label
from intake.config.settings import Settings
from intake.outgoing.chart import bar_chart_png, chart_size
from intake.outgoing.clocks import ClockListing, clock_running, live_concerns, running_clocks
from intake.outgoing.outbox import new_message_id
from intake.store.dialect import insert_ignore
from intake.store.models import Case, CaseStatus, DigestRun, Disposition, Message, Outbox, OutboxStatus, utcnow
from intake.store.rows import table_of
from rules.calendar import WorkingCalendar

log = logging.getLogger(__name__)

LIST_LIMIT = 15
WEEKS = 12
OPEN = (CaseStatus.NEW, CaseStatus.IN_TRIAGE, CaseStatus.AWAITING_INFORMATION)
LONDON = ZoneInfo("Europe/London")
_templates = Environment(loader=PackageLoader("intake.outgoing", "digest_templates"),
                         autoescape=select_autoescape(default=True))
_templates.filters["code"] = code_label  # the one label table, as the web pages word codes
# Every time in the digest is London time, like the rest of the service (stored times are UTC).
_templates.filters["london"] = lambda value: value.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


class Transport(Protocol):
    """What sends the email (intake.mail.smtp.SmtpTransport)."""

    def send(self, message: EmailMessage) -> None: ...


class DigestOutcome(StrEnum):
    """What a scheduled run did."""

    SENT = "sent"
    ALREADY_SENT = "already_sent"
    NOT_A_WORKING_DAY = "not_a_working_day"
    NOT_YET = "not_yet"  # a retry firing before today's digest time
    NO_RECIPIENTS = "no_recipients"
    FAILED = "failed"


@dataclass(frozen=True)
class Listing:
    """Up to LIST_LIMIT references (with a date each) and how many there are in all."""

    items: list[tuple[str, date | None]]
    total: int


@dataclass
class DigestContent:
    """Everything the digest says."""

    today: date
    since: datetime
    base_url: str
    new_total: int = 0
    new_by_track: list[tuple[str, str, int]] = field(default_factory=list)  # (track, decision, count)
    due_today: Listing = Listing([], 0)
    due_this_week: Listing = Listing([], 0)
    missed: Listing = Listing([], 0)
    awaiting: Listing = Listing([], 0)
    unassigned: Listing = Listing([], 0)
    oldest_open: Listing = Listing([], 0)
    quarantined: int = 0
    failed_mail: int = 0
    held_mail: int = 0  # acknowledgements held by a flood cap, waiting for a manager
    held_since: datetime | None = None
    weekly: list[tuple[date, int]] = field(default_factory=list)
    # First in the digest: someone must act today. Then every running statutory clock, with its name.
    live_concerns: ClockListing = field(default_factory=lambda: ClockListing([], 0))
    clocks: ClockListing = field(default_factory=lambda: ClockListing([], 0))


def _decision_of(track: str, cspr: str, sar: str) -> str:
    if track == "child":
        return f"CSPR {code_label(cspr)}"
    if track == "adult":
        return f"SAR {code_label(sar)}"
    return f"CSPR {code_label(cspr)} / SAR {code_label(sar)}"


def _listing(session: Session, where: list[sa.ColumnElement[bool]], order: Mapped[Any], dated: str) -> Listing:
    column = getattr(Case, dated)
    rows = session.exec(select(Case.reference, column).where(*where).order_by(order).limit(LIST_LIMIT)).all()
    total = session.exec(select(func.count()).select_from(Case).where(*where)).one()
    items = [(ref, value.astimezone(LONDON).date() if isinstance(value, datetime) else value)
             for ref, value in rows]
    return Listing(items, total)


def gather(session: Session, *, now: datetime, tz: ZoneInfo, base_url: str) -> DigestContent:
    """Read the digest's figures from the queue, as of `now`."""
    today = now.astimezone(tz).date()
    last = session.exec(select(func.max(DigestRun.sent_at))).one()
    since = last or now - timedelta(days=1)
    content = DigestContent(today=today, since=since, base_url=base_url.rstrip("/"))
    grouped: Counter[tuple[str, str]] = Counter()
    for track, cspr, sar in session.exec(select(Case.track, Case.cspr, Case.sar).where(col(Case.created_at) > since)):
        grouped[(track, _decision_of(track, cspr, sar))] += 1
    content.new_by_track = sorted((t, d, n) for (t, d), n in grouped.items())
    content.new_total = sum(grouped.values())
    is_open = col(Case.status).in_([s.value for s in OPEN])
    running = clock_running()  # a decision does not stop a clock; only the step that does
    deadline = col(Case.nearest_deadline)
    week_end = today + timedelta(days=6 - today.weekday())
    content.due_today = _listing(session, [running, deadline == today], deadline, "nearest_deadline")
    content.due_this_week = _listing(session, [running, deadline > today, deadline <= week_end], deadline,
                                     "nearest_deadline")
    content.missed = _listing(session, [running, deadline < today], deadline, "nearest_deadline")
    content.live_concerns = live_concerns(session)
    content.clocks = running_clocks(session)
    content.awaiting = _listing(session, [col(Case.status) == CaseStatus.AWAITING_INFORMATION], col(Case.received_at),
                                "received_at")
    content.unassigned = _listing(session, [is_open, col(Case.assignee).is_(None)], col(Case.received_at),
                                  "received_at")
    # Distinct from "unassigned": the open cases someone holds, oldest first (those nobody holds are above).
    content.oldest_open = _listing(session, [is_open, col(Case.assignee).is_not(None)], col(Case.received_at),
                                   "received_at")
    content.quarantined = session.exec(select(func.count()).select_from(Message)
                                       .where(Message.disposition == Disposition.QUARANTINED)).one()
    content.failed_mail = session.exec(select(func.count()).select_from(Outbox)
                                       .where(Outbox.status == OutboxStatus.FAILED)).one()
    held = Outbox.status == OutboxStatus.HELD
    content.held_mail = session.exec(select(func.count()).select_from(Outbox).where(held)).one()
    content.held_since = session.exec(select(func.min(Outbox.created_at)).where(held)).one()
    content.weekly = weekly_counts(session, today=today, tz=tz)
    return content


def weekly_counts(session: Session, *, today: date, tz: ZoneInfo, weeks: int = WEEKS) -> list[tuple[date, int]]:
    """Referrals received in each of the last `weeks` weeks (Monday to Sunday, local time), oldest first."""
    this_monday = today - timedelta(days=today.weekday())
    counts = []
    for back in range(weeks - 1, -1, -1):
        monday = this_monday - timedelta(weeks=back)
        start = datetime.combine(monday, time(0), tz)
        end = datetime.combine(monday + timedelta(weeks=1), time(0), tz)
        n = session.exec(select(func.count()).select_from(Case)
                         .where(col(Case.received_at) >= start, col(Case.received_at) < end)).one()
        counts.append((monday, n))
    return counts


def last_sent(session: Session, *, on: date) -> DigestRun | None:
    """The last digest sent on a (London) day with its HTML kept, if any."""
    start = datetime.combine(on, time(0), LONDON)
    statement = (select(DigestRun).where(col(DigestRun.sent_at) >= start,
                                         col(DigestRun.sent_at) < start + timedelta(days=1),
                                         col(DigestRun.body_html) != "")
                 .order_by(col(DigestRun.sent_at).desc()).limit(1))
    return session.exec(statement).first()


def render(content: DigestContent, *, chart_src: str) -> tuple[str, str]:
    """The digest as (HTML, plain text)."""
    width, height = chart_size(len(content.weekly))
    values = {"d": content, "chart_src": chart_src, "chart_width": width, "chart_height": height}
    return (_templates.get_template("digest.html").render(**values),
            _templates.get_template("digest.txt").render(**values))


def chart_png(content: DigestContent) -> bytes:
    """The referrals-per-week chart, one labelled bar per week (dd/mm of its Monday)."""
    return bar_chart_png([(monday.strftime("%d/%m"), n) for monday, n in content.weekly])


def preview_html(content: DigestContent) -> str:
    """The HTML digest with the chart inline as a data: URI (for a file or a browser, not for email)."""
    data = base64.b64encode(chart_png(content)).decode()
    return render(content, chart_src=f"data:image/png;base64,{data}")[0]


def build_email(content: DigestContent, *, sender: str, recipients: list[str], now: datetime) -> EmailMessage:
    """The multipart email: text, HTML, and the chart as a CID inline image."""
    cid = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    html, text = render(content, chart_src=f"cid:{cid[1:-1]}")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = f"Safeguarding referrals digest, {content.today.strftime('%A %-d %B %Y')}"
    message["Date"] = format_datetime(now)
    # Ours in form (screening knows it if it comes back) and recorded with the run (see _deliver).
    message["Message-ID"] = new_message_id(sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: robots must not answer it
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    if html_part is None:  # just added above
        raise ValueError("the digest has no HTML part to attach its chart to")
    html_part.add_related(chart_png(content), maintype="image", subtype="png", cid=cid,
                          filename="referrals-per-week.png")
    return message


def send_now(engine: Engine, settings: Settings, transport: Transport, *, now: datetime | None = None) -> None:
    """Send the digest at once (`digest --send`), whatever was sent today; raises the transport's errors."""
    now = now or utcnow()
    recipients = list(settings.digest.recipients)
    with Session(engine) as session:
        content = gather(session, now=now, tz=ZoneInfo(settings.digest.timezone), base_url=settings.web.public_url)
        run = DigestRun(manual=True, started_at=now, recipients=recipients)
        session.add(run)
        session.commit()
        _deliver(session, run, content, settings, transport, now)


def send_scheduled(engine: Engine, settings: Settings, transport: Transport, *, now: datetime | None = None,
                   calendar: WorkingCalendar | None = None) -> DigestOutcome:
    """The daily run: claim today's row (or retake it after a failed send), and send only if this process did.

    The scheduler fires this every quarter of an hour for a few hours from digest.time, so a digest whose
    send failed (the SMTP server was down at 08:00) goes out at the next firing; a sent one never again.
    """
    now = now or utcnow()
    tz = ZoneInfo(settings.digest.timezone)
    local = now.astimezone(tz)
    today = local.date()
    if settings.digest.working_days_only and not (calendar or WorkingCalendar()).is_working_day(today):
        return DigestOutcome.NOT_A_WORKING_DAY
    if local.strftime("%H:%M") < settings.digest.time:  # both zero-padded HH:MM (validated), so this compares
        return DigestOutcome.NOT_YET
    recipients = list(settings.digest.recipients)
    if not recipients:
        log.warning("digest: no recipients configured (digest.recipients); nothing sent")
        return DigestOutcome.NO_RECIPIENTS
    with Session(engine) as session:
        claimed = insert_ignore(session, table_of(DigestRun),
                                {"run_date": today, "manual": False, "started_at": now, "recipients": recipients,
                                 "error": ""}, ["run_date"]) or _retake_failed(session, today, now)
        session.commit()
        if not claimed:
            log.debug("digest for %s already sent or being sent", today)
            return DigestOutcome.ALREADY_SENT
        content = gather(session, now=now, tz=tz, base_url=settings.web.public_url)
        run = session.exec(select(DigestRun).where(DigestRun.run_date == today)).one()
        try:
            _deliver(session, run, content, settings, transport, now)
        except Exception as exc:  # one failed send is logged and recorded; the next firing retries it
            log.error("digest for %s not sent: %s", today, exc)
            return DigestOutcome.FAILED
    return DigestOutcome.SENT


def _retake_failed(session: Session, today: date, now: datetime) -> bool:
    """Take over today's row if its send failed (an error recorded, nothing sent); one process wins."""
    result = session.exec(
        sa.update(DigestRun)
        .where(col(DigestRun.run_date) == today, col(DigestRun.sent_at).is_(None), col(DigestRun.error) != "")
        .values(error="", started_at=now))
    return result.rowcount == 1


def _deliver(session: Session, run: DigestRun, content: DigestContent, settings: Settings, transport: Transport,
             now: datetime) -> None:
    message = build_email(content, sender=settings.mailbox_address, recipients=list(run.recipients), now=now)
    run.message_id = str(message["Message-ID"])[:300]  # every email we send has a Message-ID we recorded
    session.add(run)
    session.commit()  # no transaction (on SQLite: no lock) held while the SMTP server answers
    try:
        transport.send(message)
    except Exception as exc:
        run.error = str(exc)[:2000]
        session.add(run)
        session.commit()
        raise
    run.sent_at = utcnow()
    run.body_html = preview_html(content)  # what the managers got, for the Digest page
    session.add(run)
    session.commit()
    log.info("digest sent to %d recipient(s): %d new case(s)", len(run.recipients), content.new_total)


def digest_transport(settings: Settings) -> Transport:
    """The SMTP transport the digest goes out by (XOAUTH2 tokens from Entra ID where configured)."""
    from intake.mail.connections import smtp_token_source
    from intake.mail.smtp import SmtpTransport

    # The same token source as the outbox sender: one cached token per process, renewed before expiry.
    return SmtpTransport(settings.smtp, token_source=smtp_token_source(settings.smtp))

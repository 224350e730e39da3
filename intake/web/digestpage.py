"""Today's digest as the managers got it (managers and admins), or, before it is sent, what it would say now."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from intake.outgoing.digest import LONDON, gather, last_sent, preview_html
from intake.store.models import utcnow
from intake.web.context import CAN_VIEW_REPORTS, SessionDep, london, web_of
from intake.web.security import WebUser

router = APIRouter()

# The digest is an email: inline styles and its chart as a data: URI, nothing else.
DIGEST_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"
BANNER = ('<p style="background:#f3f2f1;border-left:4px solid #1d70b8;padding:8px;margin:0 0 12px">{text} '
          '<a href="/">Back to the queue</a></p>')


@router.get("/digest")
def digest_page(request: Request, session: SessionDep, user: WebUser = CAN_VIEW_REPORTS) -> Response:
    """The HTML of today's sent digest (London date), else a preview marked as such."""
    settings = web_of(request).runtime.settings
    now = utcnow()
    sent = last_sent(session, on=now.astimezone(LONDON).date())
    if sent is not None and sent.sent_at is not None:
        html = sent.body_html
        text = f"Today's digest as sent at {london(sent.sent_at)} to {len(sent.recipients)} recipient(s)."
    else:
        content = gather(session, now=now, tz=ZoneInfo(settings.digest.timezone), base_url=settings.web.public_url)
        html = preview_html(content)
        text = "No digest has been sent today yet: this is what it would say now."
    banner = BANNER.format(text=escape(text))
    head, marker, rest = html.partition(">\n<h1")  # just inside <body ...>
    page = f"{head}>{banner}\n<h1{rest}" if marker else banner + html
    return HTMLResponse(page, headers={"Content-Security-Policy": DIGEST_CSP})

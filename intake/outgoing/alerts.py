"""The live-concern alert: an email to the duty address, queued in the filing transaction, once per case.

A live concern (domain.md: current risk, someone must act today) is not left for the morning digest. The alert
carries the case reference and a link into the triage UI, nothing about the person (house rule: no personal
data in outgoing email), and its idempotency key is the case, so refiling, reclassifying or a second worker
never sends it twice. The outbox sender delivers it on its next run (every `outbox.send_interval_seconds`).
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from intake.config.settings import Settings
from intake.outgoing import outbox
from intake.store.models import Case, Outbox

log = logging.getLogger(__name__)


def alert_key(case_pk: int) -> str:
    """The idempotency key of a case's live-concern alert: one per case, ever."""
    return f"live_concern:{case_pk}"


class LiveConcernAlerter:
    """Queues the live-concern alert of a case (or does nothing when no duty address is configured)."""

    def __init__(self, duty_address: str | None, *, own_address: str, base_url: str, partnership: str) -> None:
        self._duty = (duty_address or "").strip()
        self._own = own_address
        self._base = base_url.rstrip("/")
        self._partnership = partnership

    def for_case(self, session: Session, *, case: Case) -> Outbox | None:
        """Queue the alert in the caller's transaction if the case is a live concern (once per case)."""
        if not case.live_concern or case.id is None:
            return None
        if not self._duty:
            log.warning("case %s: live concern, but no alerts.duty_address is configured", case.reference)
            return None
        link = f"{self._base}/cases/{case.reference}"
        text = (
            f"A referral filed as {case.reference} describes a live concern: current risk that needs action today.\n\n"
            f"Open the case (sign-in required): {link}\n\n"
            f"{self._partnership}. This alert carries no personal details; do not reply to it.\n"
        )
        html = (
            f"<p>A referral filed as <strong>{case.reference}</strong> describes a <strong>live concern</strong>: "
            f"current risk that needs action today.</p><p><a href=\"{link}\">Open the case</a> (sign-in required)."
            f"</p><p>{self._partnership}. This alert carries no personal details; do not reply to it.</p>"
        )
        draft = outbox.Draft(kind=outbox.MailKind.LIVE_CONCERN_ALERT, recipient=self._duty,
                             subject=f"LIVE CONCERN: {case.reference}", body_text=text, body_html=html)
        return outbox.queue(session, key=alert_key(case.id), draft=draft, own_address=self._own, case_pk=case.id,
                            message_pk=None)


def build_alerter(settings: Settings) -> LiveConcernAlerter:
    """The live-concern alert to the configured duty address (alerts.duty_address)."""
    return LiveConcernAlerter(settings.alerts.duty_address, own_address=settings.mailbox_address,
                              base_url=settings.web.public_url, partnership=settings.partnership.name)

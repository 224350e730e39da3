"""Waking the outbox sender the moment mail is queued, in this process and (on PostgreSQL) in every other.

The sender's timer stays as the safety net; the doorbell only makes it early. Ringing is tied to the commit
of the transaction that queued the mail: rung before, the sender would look, find nothing committed yet,
and go back to sleep for a whole interval. On PostgreSQL a NOTIFY issued inside that transaction is
delivered to every listening process exactly when (and only if) it commits, so several `run` processes —
one polling, another serving the web UI — all hear it.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger(__name__)

CHANNEL = "intake_outbox"
_HOOKED = "intake_doorbell_hooked"  # session.info keys: the listeners are on this session ...
_RING = "intake_doorbell_ring"  # ... and its current transaction queued mail


class Doorbell:
    """A latched wake-up: `ring` from any thread; `wait` returns at once if it rang since the last wait."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def ring(self) -> None:
        """Wake whoever waits (or the next one to wait)."""
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Sleep until rung or `timeout` seconds pass; True when rung. Clears the latch."""
        rung = self._event.wait(timeout)
        self._event.clear()
        return rung


OUTBOX_DOORBELL = Doorbell()


def ring_after_commit(session: Session) -> None:
    """Ring the outbox doorbell when the caller's transaction commits (and on PostgreSQL, tell the others).

    Called by `outbox.queue` inside the filing transaction; a rollback rings nothing.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    session.info[_RING] = True
    if not session.info.get(_HOOKED):  # once per session; listeners cannot be removed while they run
        session.info[_HOOKED] = True
        event.listen(session, "after_commit", _ring_if_queued)
        event.listen(session, "after_rollback", _forget_queued)


def _ring_if_queued(session: Session) -> None:
    if session.info.pop(_RING, False):
        OUTBOX_DOORBELL.ring()


def _forget_queued(session: Session) -> None:
    session.info.pop(_RING, None)


class NotificationListener(threading.Thread):
    """On PostgreSQL, LISTENs on the outbox channel and rings the local doorbell for every NOTIFY.

    A lost connection is re-opened after a pause; meanwhile the sender's timer still runs, so nothing waits
    longer than it did before the doorbell existed.
    """

    def __init__(self, engine: Engine, doorbell: Doorbell, stop: threading.Event, *, slice_seconds: float = 5.0):
        super().__init__(name="outbox-listener", daemon=True)
        self._engine = engine
        self._doorbell = doorbell
        self._stopping = stop
        self._slice = slice_seconds

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except Exception as exc:  # any database trouble: the timer covers us until we reconnect
                log.warning("outbox listener: %s; reconnecting", type(exc).__name__)
                self._stopping.wait(self._slice)

    def _listen(self) -> None:
        import psycopg

        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self._doorbell.ring()  # whatever was queued while we were not listening
            while not self._stopping.is_set():
                for _ in connection.notifies(timeout=self._slice, stop_after=1):
                    self._doorbell.ring()

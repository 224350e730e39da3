"""The long-running service: scheduled polls, IDLE watchers, and the web UI, stopped cleanly together."""

from __future__ import annotations

import contextlib
import logging
import threading
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from intake.mail.connections import open_mailbox
from intake.mail.mailbox import MailboxError, backoff_delays
from intake.outgoing.doorbell import OUTBOX_DOORBELL, Doorbell, NotificationListener
from intake.runtime import Runtime
from intake.store.models import utcnow
from intake.worker import readers
from intake.worker.poller import Poller, folder_state

log = logging.getLogger(__name__)

IDLE_SLICE_SECONDS = 10.0


@contextlib.contextmanager
def single_poller(engine: Engine, account: str) -> Iterator[bool]:
    """On PostgreSQL, an advisory lock so that one process polls an account at a time (others skip).

    On SQLite the ledger's unique keys already make a second poller harmless, so no lock is taken.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(f"poll:{account}".encode())
    with engine.connect() as connection:
        got = connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({key})").scalar()
        try:
            yield bool(got)
        finally:
            if got:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({key})")


class AccountWorker:
    """Serialises the polls of one account, whoever asks (the schedule or an IDLE wake-up)."""

    def __init__(self, engine: Engine, poller: Poller) -> None:
        self.engine = engine
        self.poller = poller
        self._lock = threading.Lock()

    def poll(self) -> None:
        """One pass, unless this process or another is already polling the account."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            with single_poller(self.engine, self.poller.account.name) as mine:
                if mine:
                    self.poller.poll_once()
        finally:
            self._lock.release()


class OutboxLoop(threading.Thread):
    """Sends what is due as soon as the doorbell rings (mail queued), and every interval as a safety net.

    One send at a time per process; claims in the outbox keep two processes from sending one row twice.
    """

    def __init__(self, runtime: Runtime, doorbell: Doorbell, stop: threading.Event) -> None:
        super().__init__(name="outbox-sender", daemon=True)
        self._runtime = runtime
        self._doorbell = doorbell
        self._stopping = stop
        self._interval = runtime.settings.outbox.send_interval_seconds

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._runtime.send_due()
            except Exception:  # a database or transport error: log it and try again at the next ring or tick
                log.exception("outbox: sending failed")
            self._doorbell.wait(self._interval)

    def stop(self) -> None:
        """Ask the loop to end after its current send."""
        self._stopping.set()
        self._doorbell.ring()


class IdleWatcher(threading.Thread):
    """Waits in IDLE on an account's first folder and polls as soon as the server announces mail."""

    def __init__(self, worker: AccountWorker, *, renew_seconds: float, backoff_max: float,
                 stop: threading.Event) -> None:
        super().__init__(name=f"idle-{worker.poller.account.name}", daemon=True)
        self._worker = worker
        self._account = worker.poller.account
        self._renew = renew_seconds
        self._backoff_max = backoff_max
        self._stopping = stop

    def run(self) -> None:
        delays = backoff_delays(self._backoff_max)
        while not self._stopping.is_set():
            try:
                self._watch()
                delays = backoff_delays(self._backoff_max)
            except MailboxError as exc:
                self._set_state(active=False, error=str(exc))
                delay = next(delays)
                log.warning("account %s: IDLE lost (%s); reconnecting in %.0fs", self._account.name, exc, delay)
                self._stopping.wait(delay)

    def _watch(self) -> None:
        folder = self._account.folders[0]
        with open_mailbox(self._account) as mailbox:
            if not mailbox.supports_idle:
                log.info("account %s: server has no IDLE; scheduled polls only", self._account.name)
                self._stopping.wait()
                return
            self._set_state(active=True, error="")
            self._worker.poll()  # whatever arrived while we were not watching (start-up, a reconnect)
            while not self._stopping.is_set():
                # Re-issuing IDLE within the renewal period keeps the server from timing us out; the
                # short slice also bounds how long a shutdown waits for this thread.
                if mailbox.wait_for_mail(folder, timeout=min(self._renew, IDLE_SLICE_SECONDS)):
                    self._worker.poll()
        self._set_state(active=False, error="")

    def _set_state(self, *, active: bool, error: str) -> None:
        with Session(self._worker.engine) as session:
            folder = self._account.folders[0]
            state = folder_state(session, self._account.name, folder)
            state.idle_active = active
            if error:
                state.last_error = error[:2000]
                state.last_poll_at = state.last_poll_at or utcnow()
            session.add(state)
            session.commit()


def schedule_digest(scheduler: BackgroundScheduler, runtime: Runtime) -> None:
    """The daily digest job at digest.time local time (weekdays only when working_days_only)."""
    from apscheduler.triggers.cron import CronTrigger

    from intake.outgoing.digest import digest_transport, send_scheduled

    digest = runtime.settings.digest
    if not digest.enabled:
        return
    hour, minute = (int(part) for part in digest.time.split(":"))
    # At digest.time, then every quarter of an hour for four hours: a send that failed (or a service that
    # started late) goes out at the next firing; the digest_runs row stops any second send.
    first = CronTrigger(hour=hour, minute=minute, day_of_week="mon-fri" if digest.working_days_only else "*",
                        timezone=digest.timezone)
    retries = CronTrigger(hour=f"{hour}-{min(hour + 4, 23)}", minute="*/15",
                          day_of_week="mon-fri" if digest.working_days_only else "*", timezone=digest.timezone)
    transport = digest_transport(runtime.settings)
    for job_id, trigger in (("digest", first), ("digest-retry", retries)):
        scheduler.add_job(send_scheduled, trigger, args=[runtime.engine, runtime.settings, transport], id=job_id,
                          max_instances=1, coalesce=True, misfire_grace_time=3600)


def schedule_purge(scheduler: BackgroundScheduler, runtime: Runtime) -> None:
    """The daily retention purge at retention.time local time: what is due, expired sessions, stale sign-ins.

    Every process schedules it; on PostgreSQL an advisory lock lets one run at a time, and a later run the same
    day finds nothing left due (the purge is idempotent).
    """
    from apscheduler.triggers.cron import CronTrigger

    retention = runtime.settings.retention
    if not retention.purge_enabled:
        return
    hour, minute = (int(part) for part in retention.time.split(":"))
    scheduler.add_job(run_scheduled_purge, CronTrigger(hour=hour, minute=minute, timezone=retention.timezone),
                      args=[runtime], id="purge", max_instances=1, coalesce=True, misfire_grace_time=6 * 3600)


def run_scheduled_purge(runtime: Runtime) -> None:
    """One scheduled purge; a failure is logged and the next day's run tries again (nothing is half done: each
    batch is one transaction)."""
    from intake.store.purge import run_purge
    from intake.store.retention import Policy

    retention = runtime.settings.retention
    try:
        run_purge(runtime.engine, Policy.from_settings(retention), batch_size=retention.batch_size,
                  session_idle=timedelta(minutes=runtime.settings.web.idle_timeout_minutes))
    except Exception:  # a database error: logged; the data stays until tomorrow's run
        log.exception("purge: the scheduled run failed")


def start_sender(runtime: Runtime, stop: threading.Event) -> OutboxLoop:
    """The outbox sender thread, woken by the doorbell (and, on PostgreSQL, by other processes' NOTIFY)."""
    sender = OutboxLoop(runtime, OUTBOX_DOORBELL, stop)
    sender.start()
    if runtime.engine.dialect.name == "postgresql":
        NotificationListener(runtime.engine, OUTBOX_DOORBELL, stop).start()
    return sender


def create_demo_user(runtime: Runtime) -> None:
    """`make run` only: the web user demo / demo-password (admin), announced in the log."""
    from sqlmodel import Session

    from intake.store.users import ensure_demo_user

    with Session(runtime.engine) as session:
        created = ensure_demo_user(session)
    log.warning("DEMO: web user 'demo' with password 'demo-password' (role admin) %s; never use --demo-user "
                "in production", "created" if created else "already exists")


def run_service(runtime: Runtime, *, ingest_paths: list[Path] | None = None, demo_user: bool = False) -> int:
    """Run until interrupted: first ingest any given paths, then poll, watch and serve the web UI."""
    import uvicorn

    from intake.config.checks import log_deployment_warnings
    from intake.web.app import create_app
    from intake.worker.ingest import ingest_paths as ingest

    settings = runtime.settings
    log_deployment_warnings(settings)  # also shown on the intake health page
    if demo_user:
        create_demo_user(runtime)
    pool = readers.installed()
    if pool is not None:
        pool.start()  # the first referral should not wait for its reader to start

    if ingest_paths:
        summary = ingest(runtime.engine, runtime.pipeline, ingest_paths, workers=runtime.workers)
        log.info("ingested %d message(s) (%d new)", summary.seen, summary.new)
    stop = threading.Event()
    workers = [AccountWorker(runtime.engine, poller) for poller in runtime.pollers]
    scheduler = BackgroundScheduler(timezone="UTC")
    for worker in workers:
        scheduler.add_job(worker.poll, "interval", seconds=settings.polling.interval_seconds,
                          id=f"poll-{worker.poller.account.name}", next_run_time=utcnow(),
                          max_instances=1, coalesce=True, misfire_grace_time=None)
    schedule_digest(scheduler, runtime)
    schedule_purge(scheduler, runtime)
    scheduler.start()
    sender = start_sender(runtime, stop)
    watchers = [IdleWatcher(w, renew_seconds=settings.polling.idle_renew_seconds,
                            backoff_max=settings.polling.reconnect_backoff_max_seconds, stop=stop)
                for w in workers if w.poller.account.idle]
    for watcher in watchers:
        watcher.start()
    log.info("web UI on http://%s:%d/ ; %d mailbox(es) watched", settings.web.host, settings.web.port,
             len(workers))
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host=settings.web.host, port=settings.web.port,
                                           log_level="warning", access_log=False, **settings.web.server_options()))
    try:
        server.run()
    finally:
        stop.set()
        scheduler.shutdown(wait=True)
        sender.stop()
        sender.join(timeout=runtime.settings.smtp.timeout_seconds + 5)
        for watcher in watchers:
            watcher.join(timeout=IDLE_SLICE_SECONDS + 5)
    return 0

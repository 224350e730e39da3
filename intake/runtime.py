"""The composition root's parts: one engine, one pipeline, one poller per account."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from intake.config.settings import Settings
from intake.mail.connections import open_mailbox, smtp_token_source
from intake.mail.smtp import SmtpTransport
from intake.outgoing.acknowledgement import Acknowledger
from intake.outgoing.alerts import build_alerter
from intake.outgoing.outbox import OutboxSender, SendReport
from intake.store.cases import Classifier
from intake.store.database import create_db_engine, migrate
from intake.store.keyfile import keyring_for
from intake.store.sealing import install_keyring
from intake.worker.isolation import use_reader_pool
from intake.worker.pipeline import Pipeline
from intake.worker.poller import Poller, PollReport
from intake.worker.stages import build_stages

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything a command needs, built once from the settings."""

    settings: Settings
    engine: Engine
    pipeline: Pipeline
    pollers: list[Poller]
    sender: OutboxSender
    classify: Classifier  # the pipeline's rules, for cases classified again (a field corrected, a form unlocked)
    workers: int = 1  # messages worked on at once (processing.workers)

    def poll_all(self) -> list[PollReport]:
        """One pass over every account; one failing account never stops the others."""
        return [poller.poll_once() for poller in self.pollers]

    def send_due(self) -> SendReport:
        """Send the outgoing mail whose time has come."""
        return self.sender.send_due()


def open_database(settings: Settings) -> Engine:
    """Load the encryption keys (KeyFileError: none in production, or a key file that cannot be used), then open
    and migrate the database. Every command that touches data comes through here."""
    source = keyring_for(settings)
    if source.made:
        log.warning("made a demo encryption key file: %s", source.path)
    for warning in source.warnings:
        log.warning("%s", warning)
    install_keyring(source.keyring)
    engine = create_db_engine(settings.database.url)
    migrate(engine)
    return engine


def build_runtime(settings: Settings, *, worker: str | None = None) -> Runtime:
    """Open (and migrate) the database and wire the pipeline and pollers."""
    engine = open_database(settings)
    acknowledger = Acknowledger(settings.acknowledgements, own_address=settings.mailbox_address,
                                partnership=settings.partnership.name, sender_trust=settings.sender_trust)
    stages = build_stages(settings)
    pipeline = Pipeline(engine, stages, own_address=settings.mailbox_address,
                        max_message_bytes=settings.limits.max_message_bytes, worker=worker,
                        acknowledger=acknowledger, duplicate_window_days=settings.duplicates.window_days,
                        alerter=build_alerter(settings),
                        max_attachments=settings.limits.max_attachments_per_message,
                        partner_domains=settings.follow_ups.partner_domains,
                        trusted_authserv_ids=settings.sender_trust.authserv_id,
                        max_page_images=settings.limits.max_page_images_per_message)
    workers = settings.processing.worker_count()
    use_reader_pool(size=workers, recycle_after=settings.processing.recycle_after_jobs)
    pollers = [Poller(engine, pipeline, account, open_mailbox, workers=workers) for account in settings.accounts]
    return Runtime(settings, engine, pipeline, pollers, build_sender(settings, engine, worker=worker),
                   stages.classify, workers)


def build_sender(settings: Settings, engine: Engine, *, worker: str | None = None) -> OutboxSender:
    """The outbox sender over the configured SMTP server (XOAUTH2 tokens from Entra ID where configured)."""
    smtp = settings.smtp
    return OutboxSender(engine, SmtpTransport(smtp, token_source=smtp_token_source(smtp)), settings.outbox,
                        own_address=settings.mailbox_address, sender_name=settings.partnership.name, worker=worker)

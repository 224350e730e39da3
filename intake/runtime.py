"""The composition root's parts: one engine, one pipeline, one poller per account."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from intake.database import create_db_engine, migrate
from intake.mailbox import Mailbox
from intake.oauth import MsalTokenSource
from intake.pipeline import Pipeline
from intake.poller import Poller, PollReport
from intake.settings import AccountSettings, AuthMethod, Settings
from intake.stages import build_stages


@dataclass
class Runtime:
    """Everything a command needs, built once from the settings."""

    settings: Settings
    engine: Engine
    pipeline: Pipeline
    pollers: list[Poller]

    def poll_all(self) -> list[PollReport]:
        """One pass over every account; one failing account never stops the others."""
        return [poller.poll_once() for poller in self.pollers]


_token_sources: dict[str, MsalTokenSource] = {}


def open_mailbox(account: AccountSettings) -> Mailbox:
    """A Mailbox for an account, with a long-lived OAuth token source where it logs in by OAuth2."""
    source = None
    if account.auth is AuthMethod.OAUTH2 and account.oauth2 is not None:
        source = _token_sources.get(account.name)
        if source is None:
            source = _token_sources[account.name] = MsalTokenSource(account.oauth2, account=account.name)
    return Mailbox(account, token_source=source)


def build_runtime(settings: Settings, *, worker: str | None = None) -> Runtime:
    """Open (and migrate) the database and wire the pipeline and pollers."""
    engine = create_db_engine(settings.database.url)
    migrate(engine)
    pipeline = Pipeline(engine, build_stages(settings), own_address=settings.mailbox_address,
                        max_message_bytes=settings.limits.max_message_bytes, worker=worker)
    pollers = [Poller(engine, pipeline, account, open_mailbox) for account in settings.accounts]
    return Runtime(settings, engine, pipeline, pollers)

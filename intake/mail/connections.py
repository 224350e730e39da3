"""Mailbox connections per account, with one long-lived OAuth token source each (renewed before expiry)."""

from __future__ import annotations

from datetime import UTC, datetime

from intake.config.settings import AccountSettings, AuthMethod, SmtpSettings
from intake.mail.mailbox import Mailbox
from intake.mail.oauth import MsalTokenSource

_token_sources: dict[str, MsalTokenSource] = {}


def open_mailbox(account: AccountSettings) -> Mailbox:
    """A Mailbox for an account, with a long-lived OAuth token source where it logs in by OAuth2."""
    source = None
    if account.auth is AuthMethod.OAUTH2 and account.oauth2 is not None:
        source = _token_sources.get(account.name)
        if source is None:
            source = _token_sources[account.name] = MsalTokenSource(account.oauth2, account=account.name)
    return Mailbox(account, token_source=source)


def token_expiry(account: AccountSettings) -> datetime | None:
    """When the account's OAuth token expires, if it logs in by OAuth2 and has had one."""
    source = _token_sources.get(account.name)
    expires = source.expires_at if source is not None else None
    return datetime.fromtimestamp(expires, UTC) if expires else None


def smtp_token_source(smtp: SmtpSettings) -> MsalTokenSource | None:
    """The SMTP server's XOAUTH2 token source, where SMTP logs in by OAuth2."""
    if smtp.auth is not AuthMethod.OAUTH2 or smtp.oauth2 is None:
        return None
    source = _token_sources.get(":smtp")  # ":" keeps it apart from account names, which cannot hold one
    if source is None:
        source = _token_sources[":smtp"] = MsalTokenSource(smtp.oauth2, account="smtp")
    return source

"""IMAP access to one account: new mail by UID, batched BODY.PEEK[] fetches, MOVE or its fallback, IDLE.

Never relies on or sets \\Seen: a person reading the mailbox in Outlook must not change what we take in.
Every error is a MailboxError naming the account; passwords and tokens never appear in messages or logs.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import random
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient, exceptions
from imapclient.imapclient import DELETED, SocketTimeout

from intake.config.settings import AccountSettings, AuthMethod, Security
from intake.mail.oauth import MsalTokenSource, OAuthError, OAuthUnavailableError, TokenSource, build_xoauth2

log = logging.getLogger(__name__)

NOOP_POLL_SECONDS = 5.0  # how often wait_for_mail asks a server without IDLE


@dataclass(frozen=True)
class RawMessage:
    """One message exactly as the server holds it, with the key that identifies it there."""

    account: str
    folder: str
    uidvalidity: int
    uid: int
    data: bytes


@dataclass(frozen=True)
class FolderStatus:
    """What SELECT reports about a folder."""

    uidvalidity: int
    uidnext: int
    exists: int


class MailboxError(Exception):
    """A mailbox operation failed; the message names the account."""


class MailboxAuthError(MailboxError):
    """The server refused the login, or the OAuth token could not be obtained or was refused."""


class MailboxConnectionError(MailboxError):
    """The server was unreachable, timed out or dropped the connection; retry with backoff."""


def backoff_delays(
    max_seconds: float, *, base: float = 1.0, rng: Callable[[], float] = random.random
) -> Iterator[float]:
    """Endless reconnect delays: exponential from `base`, capped at `max_seconds`, with "equal jitter".

    Half of each delay is fixed and half random, so that several workers cut off together do not all
    return at the same instant, yet none retries in a tight loop.
    """
    attempt = 0
    while True:
        ceiling = min(max_seconds, base * 2.0 ** min(attempt, 32))
        yield ceiling / 2 + rng() * ceiling / 2
        attempt += 1


class _XOAuth2:
    """SASL XOAUTH2 exchange: send the bearer token once; answer a failure challenge with an empty line."""

    def __init__(self, username: str, token: str) -> None:
        self._initial = build_xoauth2(username, token)
        self.sent = False
        self.failure = ""

    def __call__(self, challenge: bytes) -> bytes:
        if not self.sent:
            self.sent = True
            return self._initial.encode()
        # The server's JSON error ({"status":"401",...}) carries no secret and explains the refusal.
        self.failure = challenge.decode("utf-8", "replace")[:200]
        return b""


class Mailbox:
    """A connection to one account. Use as a context manager; not shared between threads."""

    def __init__(self, account: AccountSettings, *, token_source: TokenSource | None = None) -> None:
        self.account = account
        self.name = account.name
        if token_source is None and account.auth is AuthMethod.OAUTH2:
            if account.oauth2 is None:  # AccountSettings validation rules this out; say so should it change
                raise MailboxAuthError(f"account {account.name!r}: auth is oauth2 but no oauth2 settings are given")
            token_source = MsalTokenSource(account.oauth2, account=account.name)
        self._token_source = token_source
        self._client: IMAPClient | None = None
        self._capabilities: frozenset[str] = frozenset()
        self._selected: str | None = None
        self._status: FolderStatus | None = None
        self._high_uid: dict[str, int] = {}  # highest UID handed out per folder, for wait_for_mail
        self._known_folders: set[str] = set()

    # --- connection ---------------------------------------------------------------------------------

    def __enter__(self) -> Mailbox:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        """Open the connection (TLS as configured) and log in; raise MailboxAuthError or MailboxConnectionError."""
        self.close()
        account = self.account
        timeout = SocketTimeout(connect=account.timeout_seconds, read=account.timeout_seconds)
        context = ssl.create_default_context()
        with self._errors("connect"):
            client = IMAPClient(
                account.host, account.port, ssl=account.security is Security.SSL, ssl_context=context, timeout=timeout
            )
            self._client = client
            if account.security is Security.STARTTLS:
                client.starttls(context)
            self._login(client)
            self._capabilities = frozenset(c.decode("ascii", "replace").upper() for c in client.capabilities())
        log.info("account %s: connected to %s:%s (%s)", self.name, account.host, account.port, account.security)

    def close(self) -> None:
        """Log out and close, ignoring errors: the connection may already be gone."""
        client, self._client = self._client, None
        self._selected = self._status = None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # logout on a dead connection fails; shut the socket regardless
            with contextlib.suppress(Exception):
                client.shutdown()

    @property
    def capabilities(self) -> frozenset[str]:
        """The server's post-login capabilities, upper case (empty when not connected)."""
        return self._capabilities

    @property
    def supports_idle(self) -> bool:
        """True when the server offers IDLE (RFC 2177)."""
        return "IDLE" in self._capabilities

    @property
    def supports_move(self) -> bool:
        """True when the server offers MOVE (RFC 6851)."""
        return "MOVE" in self._capabilities

    # --- reading ------------------------------------------------------------------------------------

    def open_folder(self, folder: str) -> FolderStatus:
        """SELECT the folder read-write and return its UIDVALIDITY, UIDNEXT and message count."""
        client = self._require()
        with self._errors(f"select {folder!r}"):
            response = client.select_folder(folder)
        uidnext = response.get(b"UIDNEXT")
        if uidnext is None:  # optional in RFC 3501's SELECT; STATUS always answers it
            with self._errors(f"status {folder!r}"):
                uidnext = client.folder_status(folder, ["UIDNEXT"])[b"UIDNEXT"]
        status = FolderStatus(
            uidvalidity=int(response[b"UIDVALIDITY"]), uidnext=int(uidnext), exists=int(response[b"EXISTS"])
        )
        self._selected, self._status = folder, status
        self._known_folders.add(folder)
        return status

    def list_uids(self, folder: str) -> list[int]:
        """Every UID in the folder, ascending (for a resync after a UIDVALIDITY change)."""
        client = self._require()
        self._sync(folder)
        with self._errors(f"search {folder!r}"):
            return sorted(client.search("ALL"))

    def fetch_after(
        self, folder: str, *, after_uid: int, batch_size: int | None = None, limit: int | None = None
    ) -> Iterator[RawMessage]:
        """Messages with UID > after_uid, ascending, fetched BODY.PEEK[] in batches (so \\Seen is untouched)."""
        client = self._require()
        self._sync(folder)
        self._high_uid[folder] = after_uid  # the caller's watermark, raised as messages are handed out
        with self._errors(f"search {folder!r}"):
            # "n:*" always matches the highest UID, even when it is below n: filter it out.
            uids = sorted(uid for uid in client.search(["UID", f"{after_uid + 1}:*"]) if uid > after_uid)
        if limit is not None:
            uids = uids[:limit]
        log.info("account %s: %d new message(s) in %r after UID %d", self.name, len(uids), folder, after_uid)
        yield from self._fetch(folder, uids, batch_size or self.account.batch_size)

    def fetch_uids(self, folder: str, uids: Sequence[int]) -> Iterator[RawMessage]:
        """The given messages (those still present), ascending, fetched BODY.PEEK[] in batches."""
        self._require()
        self._ensure_selected(folder)
        yield from self._fetch(folder, sorted(set(uids)), self.account.batch_size)

    def _fetch(self, folder: str, uids: list[int], batch_size: int) -> Iterator[RawMessage]:
        for start in range(0, len(uids), batch_size):
            chunk = uids[start : start + batch_size]
            client = self._require()
            status = self._ensure_selected(folder)
            with self._errors(f"fetch from {folder!r}"):
                response = client.fetch(chunk, ["BODY.PEEK[]"])
            for uid in chunk:
                body = response.get(uid, {}).get(b"BODY[]")
                if body is None:  # expunged by someone else between SEARCH and FETCH
                    log.warning("account %s: UID %d in %r vanished before fetch", self.name, uid, folder)
                    continue
                self._high_uid[folder] = max(uid, self._high_uid.get(folder, 0))
                yield RawMessage(self.name, folder, status.uidvalidity, uid, bytes(body))

    # --- after processing ---------------------------------------------------------------------------

    def move(self, folder: str, uids: Sequence[int], destination: str) -> None:
        """Move messages to `destination` (created if missing): MOVE, else COPY + \\Deleted + UID EXPUNGE."""
        if not uids:
            return
        client = self._require()
        self._ensure_selected(folder)
        self._ensure_folder(destination)
        uids = sorted(set(uids))
        with self._errors(f"move from {folder!r} to {destination!r}"):
            if self.supports_move:
                try:
                    client.move(uids, destination)
                except imaplib.IMAP4.error as exc:
                    if not _expunged_meanwhile(exc):
                        raise
                    # Another worker moved some of these first (two pollers of one account): move what is left.
                    client.noop()  # take in the other session's expunges
                    left = client.search(["UID", ",".join(str(uid) for uid in uids)])
                    if left:
                        client.move(sorted(left), destination)
                return
            client.copy(uids, destination)  # the copy exists before anything is marked for deletion
            client.add_flags(uids, [DELETED])
            if "UIDPLUS" in self._capabilities:
                client.uid_expunge(uids)  # only these UIDs: never another client's \Deleted messages
            else:
                log.warning("account %s: server lacks MOVE and UIDPLUS; originals left flagged \\Deleted", self.name)

    def add_flag(self, folder: str, uids: Sequence[int], flag: str) -> None:
        """Set `flag` (e.g. the keyword $Processed) on the messages."""
        if not uids:
            return
        client = self._require()
        self._ensure_selected(folder)
        with self._errors(f"flag in {folder!r}"):
            client.add_flags(sorted(set(uids)), [flag])

    # --- waiting ------------------------------------------------------------------------------------

    def wait_for_mail(self, folder: str, *, timeout: float) -> bool:
        """Wait until the server reports new mail in `folder` (True) or `timeout` seconds pass (False).

        Uses IDLE where offered (ended with DONE before returning), else NOOP every few seconds.
        The caller renews by calling again within polling.idle_renew_seconds.
        """
        client = self._require()
        if self._selected != folder:
            status = self.open_folder(folder)
            high = self._high_uid.get(folder)
            if high is not None and status.uidnext > high + 1:
                return True  # arrived while another folder was selected
        elif self._has_mail_above_watermark(client, folder):
            return True  # arrived since the last fetch (announced, if at all, to an earlier command, not to IDLE)
        deadline = time.monotonic() + timeout
        with self._errors(f"wait for mail in {folder!r}"):
            if not self.supports_idle:
                return self._poll_noop(client, deadline)
            return self._idle(client, deadline)

    def _idle(self, client: IMAPClient, deadline: float) -> bool:
        client.idle()
        try:
            woke = False
            while not woke and (remaining := deadline - time.monotonic()) > 0:
                started = time.monotonic()
                responses = client.idle_check(timeout=remaining)
                woke = _announces_new_mail(responses)
                if any(r and r[0] == b"BYE" for r in responses):
                    raise exceptions.IMAPClientAbortError("server said BYE during IDLE")
                if not responses and remaining - (time.monotonic() - started) > 0.5:
                    # imapclient returns early with nothing when the server closed the socket.
                    raise exceptions.IMAPClientAbortError("connection closed during IDLE")
        except BaseException:
            self._discard()  # a broken IDLE leaves the session in an unknown state
            raise
        _text, responses = client.idle_done()
        return woke or _announces_new_mail(responses)

    def _poll_noop(self, client: IMAPClient, deadline: float) -> bool:
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(NOOP_POLL_SECONDS, remaining))
            _text, responses = client.noop()
            if _announces_new_mail(responses):
                return True
        return False

    def _has_mail_above_watermark(self, client: IMAPClient, folder: str) -> bool:
        """Whether the selected folder holds a UID above the highest handed out (or known at SELECT).

        A UID SEARCH (public API) rather than the EXISTS notices imaplib keeps from earlier commands' replies,
        which imapclient does not expose.
        """
        high = self._high_uid.get(folder)
        if high is None:
            high = self._status.uidnext - 1 if self._status is not None else 0
        with self._errors(f"search {folder!r}"):
            # "n:*" always matches the highest UID, even when it is below n: filter it out.
            return any(uid > high for uid in client.search(["UID", f"{high + 1}:*"]))

    # --- internals ----------------------------------------------------------------------------------

    def _login(self, client: IMAPClient) -> None:
        username = self.account.username
        if self.account.auth is AuthMethod.PASSWORD:
            if self.account.password is None:
                raise MailboxAuthError(
                    f"account {self.name!r}: no password (set environment variable {self.account.password_env})"
                )
            client.login(username, self.account.password.get_secret_value())
            return
        if self._token_source is None:
            raise MailboxAuthError(f"account {self.name!r}: auth is oauth2 but no token source is configured")
        try:
            token = self._token_source.token()
        except OAuthUnavailableError as exc:
            raise MailboxConnectionError(f"account {self.name!r}: cannot get an OAuth token: {exc}") from None
        except OAuthError as exc:
            raise MailboxAuthError(f"account {self.name!r}: OAuth token refused: {exc}") from None
        mechanism = _XOAuth2(username, token)
        try:
            client.sasl_login("XOAUTH2", mechanism)
        except exceptions.LoginError as exc:
            reason = f"{_server_text(exc)}; {mechanism.failure}" if mechanism.failure else _server_text(exc)
            raise MailboxAuthError(
                f"account {self.name!r}: XOAUTH2 login refused (token invalid or expired?): {reason}"
            ) from None

    def _require(self) -> IMAPClient:
        if self._client is None:
            raise MailboxConnectionError(f"account {self.name!r}: not connected")
        return self._client

    def _ensure_selected(self, folder: str) -> FolderStatus:
        if self._selected == folder and self._status is not None:
            return self._status
        return self.open_folder(folder)

    def _sync(self, folder: str) -> None:
        """Select the folder, or NOOP if selected: a session sees other sessions' new mail only after a sync."""
        client = self._require()
        if self._selected != folder:
            self.open_folder(folder)
            return
        with self._errors(f"noop in {folder!r}"):
            client.noop()

    def _ensure_folder(self, folder: str) -> None:
        if folder in self._known_folders:
            return
        client = self._require()
        with self._errors(f"create {folder!r}"):
            if not client.folder_exists(folder):
                try:
                    client.create_folder(folder)
                    log.info("account %s: created folder %r", self.name, folder)
                except exceptions.IMAPClientError:
                    if not client.folder_exists(folder):  # else another worker created it just now
                        raise
        self._known_folders.add(folder)

    def _discard(self) -> None:
        client, self._client = self._client, None
        self._selected = self._status = None
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Translate imapclient and socket errors into MailboxError subclasses that name the account."""
        try:
            yield
        except MailboxError:
            raise
        except exceptions.LoginError as exc:
            self._discard()
            raise MailboxAuthError(f"account {self.name!r}: login refused: {_server_text(exc)}") from None
        except (exceptions.IMAPClientAbortError, OSError) as exc:  # OSError covers timeouts, resets and TLS
            self._discard()
            raise MailboxConnectionError(f"account {self.name!r}: {action}: {_describe(exc)}") from exc
        except exceptions.IMAPClientError as exc:
            raise MailboxError(f"account {self.name!r}: {action}: {_server_text(exc)}") from exc


def _announces_new_mail(responses: Sequence[Any]) -> bool:
    """True for an untagged "* n EXISTS" or "* n RECENT" (n > 0) among parsed responses."""
    return any(
        len(response) >= 2 and (response[1] == b"EXISTS" or (response[1] == b"RECENT" and int(response[0]) > 0))
        for response in responses
    )


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


def _server_text(exc: BaseException) -> str:
    """The server's words from an imapclient error (imaplib never echoes the password or token back)."""
    return str(exc)[:300]


def _expunged_meanwhile(exc: Exception) -> bool:
    """Whether a command failed only because another session expunged some of its messages (RFC 9051 7.1)."""
    text = str(exc)
    return "EXPUNGEISSUED" in text or "no longer exist" in text

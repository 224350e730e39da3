"""A local SMTP server that keeps what it receives in a Maildir: `make run` sends its demo mail here.

The service's own SMTP path runs unchanged (the outbox sender connects, sends, records); only the far
end is a folder on disk instead of the world, so the demo never emails anyone.
"""

from __future__ import annotations

import logging
import mailbox
import socket
from pathlib import Path

from aiosmtpd.controller import Controller

log = logging.getLogger(__name__)


class _MaildirHandler:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._box = mailbox.Maildir(path, create=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self._box.add(mailbox.MaildirMessage(envelope.original_content or envelope.content))
        return "250 OK: kept in the demo mail folder"


def start_mail_sink(path: Path) -> tuple[Controller, int]:
    """Start the sink on a free loopback port; returns the running controller and its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_MaildirHandler(path), hostname="127.0.0.1", port=port)
    controller.start()
    log.warning("DEMO: outgoing mail is kept in %s (a local SMTP sink on port %d), not sent", path, port)
    return controller, port

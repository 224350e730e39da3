"""Logging set-up. Log lines carry ledger ids and references, never names, addresses or subjects."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    """Send logs to stderr in one plain format; quieten libraries that log message content."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    # mail-parser warns about every unhandled content type; pdfminer and friends log per page; aiosmtpd
    # (the demo mail sink) logs every SMTP command, addresses included.
    for noisy in ("mailparser", "pdfminer", "pypdf", "extract_msg", "tnefparse", "apscheduler.executors",
                  "imapclient", "msal", "uvicorn.access", "alembic", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

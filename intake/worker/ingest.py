"""Taking in files: `.eml` files, Maildir folders and mbox files, through the same pipeline as IMAP."""

from __future__ import annotations

import logging
import mailbox
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from intake.store import ledger
from intake.worker.pipeline import Pipeline

log = logging.getLogger(__name__)


class IngestError(Exception):
    """A path given to `ingest` cannot be read at all."""


@dataclass
class IngestSummary:
    """What an ingest run did, for the summary line."""

    seen: int = 0
    new: int = 0
    already_known: int = 0
    dispositions: Counter = field(default_factory=Counter)


def iter_sources(paths: list[Path]) -> Iterator[tuple[str, bytes]]:
    """Raw messages with a source label, from files, Maildirs (cur/ and new/), folders and mbox files."""
    for path in paths:
        if not path.exists():
            raise IngestError(f"{path}: no such file or folder")
        if path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir():
            for sub in ("new", "cur"):
                for item in sorted((path / sub).iterdir()):
                    if item.is_file():
                        yield f"maildir:{item.name}", item.read_bytes()
        elif path.is_dir():
            for item in sorted(p for p in path.rglob("*") if p.is_file()):
                yield from iter_sources([item])
        elif _is_mbox(path):
            for index, msg in enumerate(mailbox.mbox(path, create=False)):
                yield f"mbox:{path.name}#{index + 1}", msg.as_bytes()
        else:
            yield f"file:{path.name}", path.read_bytes()


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(5)
    return head == b"From " and path.suffix.lower() in {".mbox", ".mbx", ""} and _has_second_message(path)


def _has_second_message(path: Path) -> bool:
    # A single message file may start with an mbox "From " line too; treat it as mbox only if it holds
    # more than one message, so a lone .eml keeps its exact bytes.
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.startswith(b"From ")) > 1


def count_sources(paths: list[Path]) -> int:
    """How many files there are to read (for the progress bar); mbox files count once."""
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(1 for p in path.rglob("*") if p.is_file())
        elif path.exists():
            total += 1
    return total


def ingest_paths(engine: Engine, pipeline: Pipeline, paths: list[Path], *, progress: Any = None) -> IngestSummary:
    """Store and process every message found; each is committed raw before it is processed."""
    summary = IngestSummary()
    for source, raw in iter_sources(paths):
        summary.seen += 1
        with Session(engine) as session:
            stored = ledger.store_raw(session, raw, source=source)
        if stored.created:
            summary.new += 1
        else:
            summary.already_known += 1
        outcome = pipeline.process(stored.message_pk)
        if outcome is not None:
            summary.dispositions[str(outcome.disposition)] += 1
        if progress is not None:
            progress.update(1)
    return summary

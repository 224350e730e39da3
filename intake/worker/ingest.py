"""Taking in files: `.eml` files, Maildir folders and mbox files, through the same pipeline as IMAP."""

from __future__ import annotations

import logging
import mailbox
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from intake.store import ledger
from intake.worker.concurrency import process_all
from intake.worker.pipeline import MessageOutcome, Pipeline

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


def ingest_paths(engine: Engine, pipeline: Pipeline, paths: list[Path], *, progress: Any = None,
                 workers: int = 1) -> IngestSummary:
    """Store and process every message found; each is committed raw before it is processed.

    Messages are taken in chunks: each chunk's raw bytes are committed, then its messages are processed
    `workers` at a time (see intake.worker.concurrency).
    """
    summary = IngestSummary()
    chunk: list[int] = []
    for source, raw in iter_sources(paths):
        summary.seen += 1
        with Session(engine) as session:
            stored = ledger.store_raw(session, raw, source=source)
        if stored.created:
            summary.new += 1
        else:
            summary.already_known += 1
        chunk.append(stored.message_pk)
        if len(chunk) >= _CHUNK_PER_WORKER * workers:
            _process_chunk(engine, pipeline, chunk, summary, progress, workers)
            chunk = []
    _process_chunk(engine, pipeline, chunk, summary, progress, workers)
    return summary


_CHUNK_PER_WORKER = 8


def _process_chunk(engine: Engine, pipeline: Pipeline, chunk: list[int], summary: IngestSummary, progress: Any,
                   workers: int) -> None:
    lock = threading.Lock()

    def tally(outcome: MessageOutcome) -> None:
        with lock:
            summary.dispositions[str(outcome.disposition)] += 1

    process_all(engine, pipeline, chunk, workers=workers, on_outcome=tally)
    if progress is not None:
        progress.update(len(chunk))

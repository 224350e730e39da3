"""Running form extraction in a separate process, bounded in time and memory.

A hostile PDF can loop or balloon inside a C library where no Python timeout reaches; a child process with
an RLIMIT_AS cap can be killed without harming the worker. Children are forked from a forkserver that has
already imported the parsers, so each attachment costs a fork (a few ms), not a fresh interpreter.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
from collections.abc import Callable
from functools import cache
from multiprocessing.connection import Connection
from pathlib import Path

from intake.worker import readers
from parsers.errors import (
    ERRORS_BY_CODE,
    AttachmentError,
    CorruptAttachmentError,
    ExtractionMemoryError,
    ExtractionTimeoutError,
)
from parsers.forms import ExtractionLimits, extract, load_vocabulary
from parsers.forms.extraction import READER_MODULES
from parsers.message import parse_message
from parsers.smime import SmimeKeys
from parsers.values import Attachment, ExtractedForm, FormType, ParsedEmail

log = logging.getLogger(__name__)
_CAP_MARGIN = 8 * 2**20  # within this of the cap, an allocation was (or would soon have been) refused


@cache
def _context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["parsers.forms", *READER_MODULES, "parsers.message", "parsers.smime",
                                    "intake.worker.isolation"])
    return context


def use_reader_pool(*, size: int, recycle_after: int) -> readers.ReaderPool:
    """Read through a pool of `size` pre-started reader processes from now on (one pool per process: a
    later call with the same size keeps the running one)."""
    current = readers.installed()
    if current is not None and current.size == size:
        return current
    pool = readers.ReaderPool(_context(), size=size, recycle_after=recycle_after)
    previous = readers.install(pool)
    if previous is not None:
        previous.close()
    return pool


@cache
def _vocabulary(path: Path | None):
    return load_vocabulary(path)


def extract_isolated(
    attachment: Attachment, *, vocabulary_path: Path | None, limits: ExtractionLimits, password: str | None = None
) -> ExtractedForm:
    """`parsers.forms.extract` in a child process; raises ExtractionTimeoutError or ExtractionMemoryError when
    the child runs past ``limits``, and re-raises any other AttachmentError with its own type."""
    what = f"extraction (sha256 {attachment.sha256[:12]})"
    pool = readers.installed()
    if pool is not None:
        return _outcome(pool.run(extract_job, (attachment, vocabulary_path, limits, password), limits, what=what))
    return _outcome(_in_child(_run, (attachment, vocabulary_path, limits, password), limits, what=what))


def parse_isolated(raw: bytes, *, limits: ExtractionLimits, smime: SmimeKeys | None = None) -> ParsedEmail:
    """`parsers.message.parse_message` in a child process under the same limits as extraction.

    The MIME tree, TNEF and Outlook .msg readers run on untrusted bytes too, and a crafted winmail.dat
    can make tnefparse allocate without bound; in a child, that is a quarantine reason, not a dead worker.
    """
    pool = readers.installed()
    if pool is not None:
        outcome = pool.run(parse_job, (raw, limits.memory_bytes, smime), limits, what="message parsing")
    else:
        outcome = _in_child(_parse, (raw, limits.memory_bytes, smime), limits, what="message parsing")
    if outcome[0] == "error":
        _, code, message = outcome
        raise ERRORS_BY_CODE.get(code, AttachmentError)(message)
    return outcome[1]


def _in_child(target: Callable[..., None], args: tuple, limits: ExtractionLimits, *, what: str) -> tuple:
    """Run `target(sender, *args)` in a forked child; its one message back, or the error its death means."""
    receiver, sender = _context().Pipe(duplex=False)
    child = _context().Process(target=target, args=(sender, *args), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout_seconds + readers.START_GRACE_SECONDS):
            log.warning("%s timed out after %ss", what, limits.timeout_seconds)
            raise ExtractionTimeoutError()
        try:
            return receiver.recv()
        except EOFError:
            child.join(5)
            if child.exitcode in readers.KILLED_BY_MEMORY:
                raise ExtractionMemoryError() from None
            raise CorruptAttachmentError(f"The reader stopped unexpectedly (exit {child.exitcode}).") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)


def _send(sender: Connection, outcome: tuple) -> None:
    """Hand the child's outcome back. The memory cap is lifted first: the work is done, and pickling
    the answer needs memory too (a MemoryError that cannot be reported would look like a crash)."""
    try:
        readers.lift_memory_cap()
        sender.send(outcome)
    except BaseException:  # nothing left to report with: the parent reads the exit status
        os._exit(readers.EXIT_OUT_OF_MEMORY)
    finally:
        sender.close()


_MEMORY = ("error", ExtractionMemoryError.code, ExtractionMemoryError.default_message)


def _parse(sender: Connection, raw: bytes, memory_bytes: int, smime: SmimeKeys | None) -> None:
    """The forked child for parse_isolated."""
    _send(sender, parse_job(raw, memory_bytes, smime))


def parse_job(raw: bytes, memory_bytes: int, smime: SmimeKeys | None = None) -> tuple:
    """Parse under the memory cap; the outcome as plain values. Runs in a child (forked or pooled)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, resource.RLIM_INFINITY))
    try:
        outcome: tuple = ("ok", parse_message(raw, smime=smime))
    except MemoryError:
        outcome = _MEMORY
    readers.lift_memory_cap()
    return outcome


def _outcome(outcome: tuple) -> ExtractedForm:
    if outcome[0] == "error":
        _, code, message = outcome
        raise ERRORS_BY_CODE.get(code, AttachmentError)(message)
    _, filename, form_type, fields, flags, warnings, unanswered, other_answers, people, unanswered_fields = outcome
    return ExtractedForm(filename, FormType(form_type), {f.name: f for f in fields}, frozenset(flags),
                         tuple(warnings), tuple(unanswered), tuple(other_answers), tuple(people),
                         tuple(unanswered_fields))


def _run(
    sender: Connection, attachment: Attachment, vocabulary_path: Path | None, limits: ExtractionLimits,
    password: str | None,
) -> None:
    """The forked child for extract_isolated."""
    _send(sender, extract_job(attachment, vocabulary_path, limits, password))


def extract_job(attachment: Attachment, vocabulary_path: Path | None, limits: ExtractionLimits,
                password: str | None) -> tuple:
    """Cap the address space, extract, and return plain values (a mapping proxy does not pickle).

    Runs in a child process (forked per job, or a pooled reader); the cap is lifted again before returning.
    """
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, resource.RLIM_INFINITY))
    try:
        form = extract(attachment, vocabulary=_vocabulary(vocabulary_path), limits=limits, password=password)
        outcome: tuple = ("ok", form.filename, form.form_type.value, tuple(form.fields.values()),
                          tuple(form.flags), form.warnings, form.unanswered, form.other_answers, form.people,
                          form.unanswered_fields)
    except MemoryError:
        outcome = _MEMORY
    except AttachmentError as exc:
        # Starved of memory, C extensions fail in their own ways (SystemError, a library's own exception),
        # which the reader reports as a damaged file; a child that touched its cap ran out of memory.
        readers.lift_memory_cap()  # reading /proc needs memory too
        outcome = _MEMORY if _reached_cap(limits.memory_bytes) else ("error", exc.code, str(exc))
    readers.lift_memory_cap()
    return outcome


def _reached_cap(memory_bytes: int) -> bool:
    """Whether this process's peak address space came within a few MiB of its RLIMIT_AS cap."""
    return readers.peak_address_space() >= memory_bytes - _CAP_MARGIN

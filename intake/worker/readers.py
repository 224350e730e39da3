"""A pool of pre-started reader processes: parsing and form reading without a fork per message.

Each reader is a child process (from the forkserver, which has the parsers imported) that serves jobs one at
a time: it caps its own address space for the job, runs it, lifts the cap and hands back plain values. The
parent bounds every job in time exactly as a fork-per-job child is bounded: a job that overruns has its
reader killed (and replaced), a reader that dies mid-job is read as out of memory or a crash by its exit
status. A reader is retired after a number of jobs, or after any job that came near its memory cap, so one
ballooning file cannot leave a bloated process behind and the peak-memory test of the next job stays true.

Threads of the worker share the pool: each takes an idle reader, so N readers run N messages at once.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import queue
import re
import resource
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

from parsers.errors import CorruptAttachmentError, ExtractionMemoryError, ExtractionTimeoutError

log = logging.getLogger(__name__)

EXIT_OUT_OF_MEMORY = 86  # a reader's own exit status when even reporting a MemoryError failed
KILLED_BY_MEMORY = (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS, EXIT_OUT_OF_MEMORY)
START_GRACE_SECONDS = 5.0  # on top of a job's time limit: start-up and handing the result back
# A reader whose peak address space came within this of a job's cap is retired after that job: then any
# reader still serving has peaked well below the cap, and a peak near the cap is the current job's doing.
_RETIRE_MARGIN = 64 * 2**20


class JobLimits(Protocol):
    """What the pool needs of a job's limits (parsers.forms.ExtractionLimits has both)."""

    timeout_seconds: float
    memory_bytes: int


@dataclass(eq=False)  # identity, not value: readers live in a set
class _Reader:
    process: BaseProcess
    connection: Connection
    jobs: int = 0
    healthy: bool = field(default=True)


class ReaderPool:
    """`size` reader processes shared by the worker's threads; safe to call `run` from many threads."""

    def __init__(self, context: BaseContext, *, size: int, recycle_after: int) -> None:
        if size < 1 or recycle_after < 1:
            raise ValueError("a reader pool needs at least one reader and one job per reader")
        self._context = context
        self._recycle_after = recycle_after
        self._idle: queue.LifoQueue[_Reader | None] = queue.LifoQueue()  # the warmest reader first
        self._live: set[_Reader] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.size = size
        for _ in range(size):
            self._idle.put(None)  # a slot: its reader is started the first time it is needed

    def start(self) -> ReaderPool:
        """Start every reader now (otherwise each starts on first use)."""
        slots = [self._idle.get() for _ in range(self.size)]
        for slot in slots:
            self._idle.put(slot if slot is not None else self._spawn())
        return self

    def run(self, job: Callable[..., tuple], args: tuple, limits: JobLimits, *, what: str) -> tuple:
        """Run `job(*args)` in a reader; its outcome, or the error its overrun or death means."""
        reader = self._take()
        keep = False
        try:
            outcome, keep = self._exchange(reader, job, args, limits, what=what)
            return outcome
        finally:
            self._give_back(reader, keep=keep)

    def close(self) -> None:
        """Stop every reader (idle or busy); later calls to `run` raise RuntimeError."""
        with self._lock:
            self._closed = True
            live = list(self._live)
        for reader in live:
            _stop(reader)

    def _exchange(self, reader: _Reader, job: Callable[..., tuple], args: tuple, limits: JobLimits, *,
                  what: str) -> tuple[tuple, bool]:
        try:
            reader.connection.send((job, args, limits.memory_bytes))
        except (BrokenPipeError, OSError):  # it died while idle (killed from outside): use a fresh one once
            reader.healthy = False
            self._give_back(reader, keep=False)
            reader = self._take()
            reader.connection.send((job, args, limits.memory_bytes))
        if not reader.connection.poll(limits.timeout_seconds + START_GRACE_SECONDS):
            reader.healthy = False
            log.warning("%s timed out after %ss; reader %s replaced", what, limits.timeout_seconds,
                        reader.process.pid)
            raise ExtractionTimeoutError()
        try:
            outcome, retire = reader.connection.recv()
        except (EOFError, OSError):
            reader.healthy = False
            reader.process.join(5)
            if reader.process.exitcode in KILLED_BY_MEMORY:
                raise ExtractionMemoryError() from None
            raise CorruptAttachmentError(f"The reader stopped unexpectedly (exit {reader.process.exitcode}).") \
                from None
        reader.jobs += 1
        return outcome, not retire and reader.jobs < self._recycle_after

    def _take(self) -> _Reader:
        if self._closed:
            raise RuntimeError("the reader pool is closed")
        slot = self._idle.get()
        if slot is None or not slot.process.is_alive():
            if slot is not None:
                self._forget(slot)
            return self._spawn()
        return slot

    def _give_back(self, reader: _Reader, *, keep: bool) -> None:
        if keep and reader.healthy and not self._closed:
            self._idle.put(reader)
            return
        _stop(reader)
        self._forget(reader)
        self._idle.put(None)  # its replacement starts when next needed

    def _spawn(self) -> _Reader:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(target=serve, args=(child,), daemon=True, name="intake-reader")
        process.start()
        child.close()
        reader = _Reader(process, parent)
        with self._lock:
            self._live.add(reader)
        return reader

    def _forget(self, reader: _Reader) -> None:
        with self._lock:
            self._live.discard(reader)


def _stop(reader: _Reader) -> None:
    reader.connection.close()
    if reader.process.is_alive():
        reader.process.kill()
    reader.process.join(5)


def serve(connection: Connection) -> None:
    """A reader's life: jobs in, outcomes out, until the parent hangs up or asks it to retire."""
    gc.freeze()  # the parsers the forkserver imported are never garbage: collections need not walk them
    while True:
        try:
            job, args, memory_bytes = connection.recv()
        except (EOFError, OSError):
            return
        outcome = job(*args)  # the job caps and uncaps its own address space
        retire = peak_address_space() >= memory_bytes - _RETIRE_MARGIN
        try:
            connection.send((outcome, retire))
        except BaseException:  # nothing left to report with: the parent reads the exit status
            os._exit(EXIT_OUT_OF_MEMORY)
        if retire:
            return
        _give_back_memory()


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: the memory stays with the process until it is recycled
        return None
    return trim


def _give_back_memory() -> None:
    """Between jobs (after the outcome is sent, so nobody waits): free the last job's objects and hand the heap
    they used back to the system. A PDF page rendered for OCR is tens of MB; without this, each idle reader
    keeps the high-water mark of its largest job and the service's total creeps towards its memory target."""
    gc.collect()
    # What survives is the reader's own caches (the vocabulary, compiled patterns): never walked again, so each
    # collection costs what the last job left behind (~0 ms), not the whole process (~9 ms a job). A reader is
    # recycled after `recycle_after_jobs`, which bounds whatever a frozen object might keep.
    gc.freeze()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def peak_address_space() -> int:
    """This process's peak address space in bytes (VmPeak), or 0 where /proc cannot tell."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return 0
    match = re.search(r"^VmPeak:\s+(\d+) kB", status, re.MULTILINE)
    return int(match[1]) * 1024 if match else 0


def lift_memory_cap() -> None:
    """Remove the address-space cap (a soft limit may always rise to the hard one, which is unlimited)."""
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


_installed: ReaderPool | None = None


def install(pool: ReaderPool | None) -> ReaderPool | None:
    """Make `pool` the one the worker's readers use (None: fork a child per job); returns the previous one."""
    global _installed
    previous, _installed = _installed, pool
    return previous


def installed() -> ReaderPool | None:
    """The pool in use, if any."""
    return _installed

"""Key files: the key-encryption keys of data at rest, kept apart from the database (never in it).

A key file is JSON, mode 0600, holding every key still needed to open old values and naming the current one::

    {"format": "intake-keys/1", "current": "20260310-5f2a",
     "keys": [{"id": "20260310-5f2a", "key": "<32 bytes, base64>", "created_at": "2026-03-10T09:14:00+00:00"}]}

Rotation adds a key and makes it current; the old keys stay until every value is re-wrapped, then they can be
retired. Where the key comes from at start-up (`keyring_for`):

- `encryption.key_file` / INTAKE_ENCRYPTION_KEY_FILE names it: it must exist and be readable, or start-up stops.
- none named and `production: true` (INTAKE_PRODUCTION=1): start-up stops and says how to make one.
- none named otherwise (a demo, a trial): a key file is made beside the data on first start (mode 0600) and a
  warning says that the key sits beside the data it protects.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from intake.config.settings import Settings
from intake.store.sealing import KEY_BYTES, Keyring, check_key_id

log = logging.getLogger(__name__)

FORMAT = "intake-keys/1"
DEMO_KEY_NAME = "intake-keys.json"
HOW_TO_MAKE = "make one with `python service.py keys new --file PATH` and set INTAKE_ENCRYPTION_KEY_FILE=PATH"


class KeyFileError(Exception):
    """The key file is missing, unreadable or malformed, or production mode has none; one line, for the operator."""


@dataclass(frozen=True)
class KeyEntry:
    """One key of a key file."""

    key_id: str
    key: bytes = field(repr=False)
    created_at: str = ""


@dataclass(frozen=True)
class KeyFile:
    """A key file's contents."""

    current: str
    keys: tuple[KeyEntry, ...]

    def keyring(self, path: Path | None = None) -> Keyring:
        """The keyring of these keys; with `path`, it follows later changes to that file."""
        return Keyring({k.key_id: k.key for k in self.keys}, self.current, path=path,
                       loader=(lambda p: read_key_file(p).keyring()) if path else None)


def new_key_id(now: datetime | None = None) -> str:
    """A fresh key id: the date it was made and four random hex digits (20260310-5f2a)."""
    return f"{(now or datetime.now(UTC)):%Y%m%d}-{secrets.token_hex(2)}"


def new_entry() -> KeyEntry:
    """A fresh random 256-bit key."""
    return KeyEntry(new_key_id(), secrets.token_bytes(KEY_BYTES), datetime.now(UTC).isoformat(timespec="seconds"))


def ephemeral_keyring() -> Keyring:
    """A keyring of one fresh key held in memory only (a benchmark's throw-away database): nothing it seals can
    be opened after the process ends."""
    entry = new_entry()
    return KeyFile(entry.key_id, (entry,)).keyring()


def read_key_file(path: Path) -> KeyFile:
    """Parse a key file; KeyFileError with a one-line reason when it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyFileError(f"the encryption key file {path} does not exist: {HOW_TO_MAKE}") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read the encryption key file {path}: {exc.strerror}") from None
    except ValueError:
        raise KeyFileError(f"the encryption key file {path} is not a key file (not JSON)") from None
    try:
        return _parse(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileError(f"the encryption key file {path} is not a valid key file: {exc}") from None


def _parse(data: Any) -> KeyFile:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"its format is not {FORMAT!r}")
    entries = []
    for item in data["keys"]:
        key = base64.b64decode(item["key"], validate=True)
        if len(key) != KEY_BYTES:
            raise ValueError(f"key {item['id']!r} is not {KEY_BYTES} bytes")
        entries.append(KeyEntry(check_key_id(str(item["id"])), key, str(item.get("created_at", ""))))
    ids = [e.key_id for e in entries]
    if len(ids) != len(set(ids)):
        raise ValueError("two keys have the same id")
    current = str(data["current"])
    if current not in ids:
        raise ValueError(f"the current key {current!r} is not among its keys")
    return KeyFile(current, tuple(entries))


def write_key_file(path: Path, content: KeyFile) -> None:
    """Write (or replace) a key file atomically, mode 0600, in a directory made 0700 when it is created."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = {"format": FORMAT, "current": content.current,
            "keys": [{"id": k.key_id, "key": base64.b64encode(k.key).decode("ascii"), "created_at": k.created_at}
                     for k in content.keys]}
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)  # readers see the old file or the new one, never half of it
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def create_key_file(path: Path) -> KeyEntry:
    """A new key file holding one fresh key; KeyFileError when the file exists (a key is never overwritten)."""
    if path.exists():
        raise KeyFileError(f"{path} exists already; a key file is never overwritten (use `keys rotate` to add "
                           "a key to it)")
    entry = new_entry()
    write_key_file(path, KeyFile(entry.key_id, (entry,)))
    return entry


def add_current_key(path: Path) -> KeyEntry:
    """Add a fresh key to the key file and make it current (the old keys stay, to open old values)."""
    content = read_key_file(path)
    entry = new_entry()
    while entry.key_id in {k.key_id for k in content.keys}:
        entry = new_entry()
    write_key_file(path, KeyFile(entry.key_id, (*content.keys, entry)))
    return entry


def retire_key(path: Path, key_id: str) -> None:
    """Remove a key that is no longer current from the key file (the caller has checked nothing uses it)."""
    content = read_key_file(path)
    if key_id == content.current:
        raise KeyFileError(f"key {key_id!r} is the current key; rotate to a new key before retiring it")
    if key_id not in {k.key_id for k in content.keys}:
        raise KeyFileError(f"key {key_id!r} is not in {path}")
    write_key_file(path, KeyFile(content.current, tuple(k for k in content.keys if k.key_id != key_id)))


def data_directory(settings: Settings) -> Path:
    """Where the service keeps its data: the SQLite database's folder, else var/ (PostgreSQL)."""
    try:
        url = make_url(settings.database.url)
    except Exception:  # an unparseable URL is reported by the database layer
        return Path("var")
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent
    return Path("var")


@dataclass(frozen=True)
class KeySource:
    """The keyring the service runs with, where it came from, and what to warn about."""

    keyring: Keyring
    path: Path
    made: bool = False  # a demo key file was made on this start
    warnings: tuple[str, ...] = ()


def key_file_path(settings: Settings) -> Path | None:
    """The configured key file (INTAKE_ENCRYPTION_KEY_FILE or encryption.key_file), or None."""
    return settings.encryption.key_file


def keyring_for(settings: Settings) -> KeySource:
    """The keyring for this deployment (see the module docstring); KeyFileError with a one-line reason."""
    path = key_file_path(settings)
    warnings: list[str] = []
    made = False
    if path is None:
        if settings.production:
            raise KeyFileError(f"production mode needs an encryption key file kept apart from the data: "
                               f"{HOW_TO_MAKE} (or encryption.key_file in config.yaml)")
        path = data_directory(settings) / DEMO_KEY_NAME
        if not path.exists():
            create_key_file(path)
            made = True
        warnings.append(f"no encryption key file is configured: using {path}, which sits beside the data it "
                        f"protects; for real use {HOW_TO_MAKE}, kept apart from the data and its backups")
    content = read_key_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        warnings.append(f"the encryption key file {path} can be read by other users (mode {mode:o}): "
                        f"chmod 600 {path}")
    return KeySource(content.keyring(path), path, made, tuple(warnings))

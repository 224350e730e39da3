"""Sealing: person data encrypted at rest, column by column (envelope encryption with AES-GCM).

Each sealed value carries its own random 256-bit data key, encrypted ("wrapped") under a key-encryption key
(KEK) from the key file (intake/store/keyfile.py). The stored bytes are::

    MAGIC (b"\\xffSEAL") | version (1) | key id length (1) | key id (ASCII) | wrap nonce (12)
    | wrapped data key (32 + 16 tag) | nonce (12) | ciphertext + tag (16)

The key id travels with the value, so rotating keys only re-wraps the 60-byte data key (intake/store/rotation.py);
the ciphertext is never re-encrypted. The leading 0xFF byte never begins UTF-8 text or JSON, so a value written
before sealing (legacy plaintext) is told apart from a sealed one and is read as it was stored until
`service.py keys seal` (or `keys rotate`) seals it.

A column is declared sealed by its type, and nothing else is needed (rotation and `keys status` find every sealed
column of the metadata by its type)::

    note: str = Field(default="", sa_type=SealedText)       # text
    value: Any = Field(default=None, sa_type=SealedJSON)    # any JSON value
    data: bytes = Field(sa_type=SealedBytes)                # raw bytes

A sealed column can be read and written, never compared in SQL (each seal is random): filtering on one raises
SealedComparisonError; load the candidate rows and match in Python instead (see intake/web/queuesearch.py).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

MAGIC = b"\xffSEAL"
VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
WRAPPED_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES
MAX_KEY_ID = 64
# Enough of a value to read its key id without loading the rest (`keys status`, rotation's scan).
HEADER_PEEK = len(MAGIC) + 2 + MAX_KEY_ID
_AAD = MAGIC + bytes([VERSION])
# A running service notices a rotated key file within this many seconds (it seals under the new current key).
RELOAD_SECONDS = 5.0


class SealError(Exception):
    """A sealed value cannot be opened (its key is missing or wrong), or no key is loaded to seal with."""


class SealedComparisonError(Exception):
    """SQL tried to filter on a sealed column: each seal is random, so no comparison can match."""


def is_sealed(raw: bytes | bytearray | memoryview | str | None) -> bool:
    """True when the stored value is sealed (False for legacy plaintext and NULL)."""
    return isinstance(raw, bytes | bytearray | memoryview) and bytes(raw[:len(MAGIC)]) == MAGIC


def key_id_of(raw: bytes | bytearray | memoryview) -> str:
    """The id of the key a sealed value's data key is wrapped under (the value may be cut after its header)."""
    head = bytes(raw[:HEADER_PEEK])
    if not is_sealed(head) or len(head) < len(MAGIC) + 2:
        raise SealError("not a sealed value")
    if head[len(MAGIC)] != VERSION:
        raise SealError(f"sealed value of unknown version {head[len(MAGIC)]}")
    length = head[len(MAGIC) + 1]
    start = len(MAGIC) + 2
    if length == 0 or length > MAX_KEY_ID or len(head) < start + length:
        raise SealError("sealed value with a damaged header")
    return head[start:start + length].decode("ascii", errors="replace")


def check_key_id(key_id: str) -> str:
    """The id if it can name a key (1-64 letters, digits, '-', '_', '.'), else ValueError."""
    if not (0 < len(key_id) <= MAX_KEY_ID) or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in key_id):
        raise ValueError(f"a key id is 1-{MAX_KEY_ID} letters, digits, '-', '_' or '.', not {key_id!r}")
    return key_id


@dataclass(frozen=True)
class _Parts:
    key_id: str
    wrapped: bytes  # wrap nonce + wrapped data key
    body: bytes  # nonce + ciphertext + tag


def _split(raw: bytes) -> _Parts:
    key_id = key_id_of(raw)
    start = len(MAGIC) + 2 + len(key_id)
    wrapped, body = raw[start:start + WRAPPED_BYTES], raw[start + WRAPPED_BYTES:]
    if len(wrapped) < WRAPPED_BYTES or len(body) < NONCE_BYTES + TAG_BYTES:
        raise SealError(f"sealed value under key {key_id!r} is cut short")
    return _Parts(key_id, wrapped, body)


def _header(key_id: str, wrapped: bytes) -> bytes:
    ident = key_id.encode("ascii")
    return MAGIC + bytes([VERSION, len(ident)]) + ident + wrapped


class Keyring:
    """Key-encryption keys by id, and which one seals new values.

    With `path`, the keyring follows its key file: a rotation adding a key (or making another current) is picked
    up by a running service within RELOAD_SECONDS, and at once when a value names a key it has not seen.
    """

    def __init__(self, keys: dict[str, bytes], current: str, *, path: Path | None = None,
                 loader: Callable[[Path], Keyring] | None = None) -> None:
        for key_id, key in keys.items():
            check_key_id(key_id)
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} is {len(key)} bytes; a key is {KEY_BYTES} bytes")
        if current not in keys:
            raise ValueError(f"the current key {current!r} is not among the keys")
        self._keys = dict(keys)
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current = current
        self._path, self._loader = path, loader
        self._stamp = _stamp(path)
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    @property
    def current(self) -> str:
        """The id of the key new values are sealed under."""
        self._follow(force=False)
        return self._current

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key id this keyring can open."""
        return tuple(self._keys)

    @property
    def path(self) -> Path | None:
        """The key file this keyring follows, if any."""
        return self._path

    def cipher(self, key_id: str) -> AESGCM:
        """The AES-GCM of one key-encryption key; SealError naming the id when it is not in the keyring."""
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            self._follow(force=True)
            cipher = self._ciphers.get(key_id)
        if cipher is None:
            where = f" (key file {self._path})" if self._path else ""
            raise SealError(f"a value is sealed under key {key_id!r}, which is not in the keyring{where}; "
                            "restore the key file that holds it")
        return cipher

    def _follow(self, *, force: bool) -> None:
        if self._path is None or self._loader is None:
            return
        now = time.monotonic()
        if not force and now - self._checked < RELOAD_SECONDS:
            return
        with self._lock:
            self._checked = now
            stamp = _stamp(self._path)
            if stamp == self._stamp:
                return
            try:
                fresh = self._loader(self._path)
            except Exception:  # a file being edited by hand: keep the keys we have, look again later
                return
            # Keys are only ever added by a reload: a value sealed a moment ago stays readable.
            self._keys = {**self._keys, **fresh._keys}
            self._ciphers = {key_id: AESGCM(key) for key_id, key in self._keys.items()}
            self._current, self._stamp = fresh._current, stamp


def _stamp(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


_installed: Keyring | None = None


def install_keyring(keyring: Keyring | None) -> None:
    """Make `keyring` the one every sealed column uses in this process (start-up; tests)."""
    global _installed
    _installed = keyring


def installed_keyring() -> Keyring:
    """The process's keyring; SealError when none was loaded at start-up."""
    if _installed is None:
        raise SealError("no encryption key is loaded: the service loads its key file at start-up "
                        "(INTAKE_ENCRYPTION_KEY_FILE or encryption.key_file)")
    return _installed


def seal(plain: bytes, keyring: Keyring | None = None) -> bytes:
    """`plain` encrypted under a fresh data key, wrapped under the keyring's current key."""
    keyring = keyring or installed_keyring()
    key_id = keyring.current
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce, nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
    wrapped = wrap_nonce + keyring.cipher(key_id).encrypt(wrap_nonce, data_key, key_id.encode("ascii"))
    return _header(key_id, wrapped) + nonce + AESGCM(data_key).encrypt(nonce, plain, _AAD)


def _data_key(parts: _Parts, keyring: Keyring) -> bytes:
    cipher = keyring.cipher(parts.key_id)
    try:
        return cipher.decrypt(parts.wrapped[:NONCE_BYTES], parts.wrapped[NONCE_BYTES:], parts.key_id.encode("ascii"))
    except InvalidTag:
        raise SealError(f"the key named {parts.key_id!r} in the key file is not the key this value was sealed "
                        "under (a key file replaced by another with the same id?)") from None


def unseal(raw: bytes, keyring: Keyring | None = None) -> bytes:
    """The plaintext of a sealed value; SealError naming the key id when it cannot be opened."""
    keyring = keyring or installed_keyring()
    parts = _split(bytes(raw))
    data_key = _data_key(parts, keyring)
    try:
        return AESGCM(data_key).decrypt(parts.body[:NONCE_BYTES], parts.body[NONCE_BYTES:], _AAD)
    except InvalidTag:
        raise SealError(f"a value sealed under key {parts.key_id!r} is damaged (it fails its integrity check)"
                        ) from None


def rewrap(raw: bytes, keyring: Keyring | None = None) -> bytes:
    """The same sealed value with its data key wrapped under the current key (the ciphertext is not touched)."""
    keyring = keyring or installed_keyring()
    parts = _split(bytes(raw))
    data_key = _data_key(parts, keyring)
    key_id = keyring.current
    wrap_nonce = os.urandom(NONCE_BYTES)
    wrapped = wrap_nonce + keyring.cipher(key_id).encrypt(wrap_nonce, data_key, key_id.encode("ascii"))
    return _header(key_id, wrapped) + parts.body


def plain_bytes(raw: bytes | bytearray | memoryview | str) -> bytes:
    """A stored value as plaintext bytes: opened when sealed, else (legacy) as stored."""
    if isinstance(raw, str):
        return raw.encode("utf-8")
    return unseal(bytes(raw)) if is_sealed(raw) else bytes(raw)


def open_text(raw: bytes | bytearray | memoryview | str | None) -> str | None:
    """A stored SealedText value (sealed or legacy) as text."""
    if raw is None or isinstance(raw, str):
        return raw
    return plain_bytes(raw).decode("utf-8")


def open_json(raw: bytes | bytearray | memoryview | str | None) -> Any:
    """A stored SealedJSON value (sealed or legacy JSON text) as its Python value."""
    if raw is None:
        return None
    return json.loads(plain_bytes(raw))


class _NoComparison(TypeDecorator.Comparator):
    """Refuses SQL comparisons on a sealed column (NULL tests are allowed: NULL is stored as NULL)."""

    _ALLOWED = (operators.is_, operators.is_not)

    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        # Only a comparison with a Python value is refused: SQLAlchemy itself compares column objects with
        # each other (looking columns up in its own maps), and that must keep working.
        if op not in self._ALLOWED and not all(isinstance(o, sa.ClauseElement) for o in other):
            raise SealedComparisonError(f"{self.expr} is sealed: it cannot be compared or searched in SQL; "
                                        "load the rows and match in Python")
        return super().operate(op, *other, **kwargs)


class _Sealed(TypeDecorator):
    """Stored as sealed bytes (BLOB / bytea); NULL stays NULL."""

    impl = sa.LargeBinary
    cache_ok = True
    comparator_factory = _NoComparison

    # Abstract: each sealed type below says how its Python value becomes bytes and back.
    def encode(self, value: Any) -> bytes:
        """The value as the bytes to seal."""
        raise NotImplementedError(f"{type(self).__name__} must say how its values become bytes")

    def decode(self, plain: bytes) -> Any:
        """The opened bytes as the column's Python value."""
        raise NotImplementedError(f"{type(self).__name__} must say how its bytes become values")

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> bytes | None:
        if value is None:
            return None
        return seal(self.encode(value))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return self.decode(plain_bytes(value))

    def process_literal_param(self, value: Any, dialect: sa.Dialect) -> str:
        raise SealedComparisonError("a sealed value is never written into SQL text")


class SealedBytes(_Sealed):
    """Raw bytes, sealed (messages, attachments, previews)."""

    cache_ok = True

    def encode(self, value: Any) -> bytes:
        return bytes(value)

    def decode(self, plain: bytes) -> bytes:
        return plain


class SealedText(_Sealed):
    """Text, sealed (notes, rationales, bodies, subjects)."""

    cache_ok = True

    def encode(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def decode(self, plain: bytes) -> str:
        return plain.decode("utf-8")


class SealedJSON(_Sealed):
    """Any JSON value, sealed (field values, audit details, triage). None is sealed as JSON null, as sa.JSON
    stores it (not SQL NULL: case_fields.value is NOT NULL)."""

    cache_ok = True
    should_evaluate_none = True  # the ORM hands None to process_bind_param instead of leaving the column out

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> bytes | None:
        return seal(self.encode(value))

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def decode(self, plain: bytes) -> Any:
        return json.loads(plain)


@dataclass(frozen=True)
class SealedColumn:
    """One sealed column of one table, as rotation and `keys status` walk it."""

    table: sa.Table
    column: sa.Column[Any]

    @property
    def name(self) -> str:
        """table.column, for reports."""
        return f"{self.table.name}.{self.column.name}"


def sealed_columns(metadata: sa.MetaData) -> Iterator[SealedColumn]:
    """Every column of `metadata` whose type seals it, in a stable order."""
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        for column in table.columns:
            if isinstance(column.type, _Sealed):
                yield SealedColumn(table, column)

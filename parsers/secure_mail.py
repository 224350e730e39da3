"""Which secure-email service sent a notice instead of the referral, and which links point at documents.

The markers live in parsers/secure_mail.yaml (headers, notice wording, attachment names and types, link
addresses), validated when loaded so that a bad file stops start-up with its place named. Links are read
from the text and the HTML of the email and listed, never followed.
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from parsers.values import Envelope, Link, ParsedEmail

DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "secure_mail.yaml"
MAX_LINKS = 20  # listed per message; more is a newsletter, not a referral
# Notices and the links of a referral are at the start of an email; a megabyte of quoted text is not read.
SCANNED_CHARS = 50_000
_URL = re.compile(r"""https?://[^\s<>"'()\[\]]+""", re.IGNORECASE)
_HREF = re.compile(r"""href\s*=\s*["']?(https?://[^"'\s>]+)""", re.IGNORECASE)
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)


class SecureMailError(ValueError):
    """The catalogue file is missing or malformed; the message says where."""


class MarkerKind(StrEnum):
    """Where in the email a marker looks."""

    SUBJECT = "subject"
    BODY = "body"
    ATTACHMENT = "attachment"
    CONTENT_TYPE = "content_type"
    HEADER = "header"
    LINK = "link"


@dataclass(frozen=True)
class Marker:
    """One sign of a service: a pattern for one place in the email (for headers, the header's name)."""

    kind: MarkerKind
    pattern: re.Pattern[str]
    value: re.Pattern[str] | None = None  # headers only: the value must match too


@dataclass(frozen=True)
class Service:
    """A secure-email service, how to recognise its notices and what staff do to open them."""

    name: str
    how_to_open: str
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class DocumentLink:
    """A place documents are shared from, by its link address."""

    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Catalogue:
    """Every service and document-link pattern of the catalogue file."""

    services: tuple[Service, ...]
    document_links: tuple[DocumentLink, ...]

    def how_to_open(self, service: str) -> str:
        """What staff should do to open a message protected by `service` ("" if unknown)."""
        return next((s.how_to_open for s in self.services if s.name == service), "")


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue; raises SecureMailError naming the bad entry."""
    path = path or DEFAULT_CATALOGUE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SecureMailError(f"{path}: cannot be read ({exc})") from exc
    if not isinstance(data, dict) or data.get("version") != 1:
        raise SecureMailError(f"{path}: expected a mapping with 'version: 1'")
    services = tuple(_service(path, n, entry) for n, entry in enumerate(_list(path, data, "services")))
    links = tuple(_document_link(path, n, entry) for n, entry in enumerate(_list(path, data, "document_links")))
    return Catalogue(services, links)


def _list(path: Path, data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise SecureMailError(f"{path}: '{key}' must be a non-empty list")
    return value


def _service(path: Path, index: int, entry: Any) -> Service:
    where = f"{path}: services[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise SecureMailError(f"{where}: needs a 'name'")
    where = f"{path}: service {entry['name']!r}"
    unknown = set(entry) - {"name", "how_to_open", "source", "markers"}
    if unknown:
        raise SecureMailError(f"{where}: unknown keys {sorted(unknown)}")
    markers = entry.get("markers")
    if not isinstance(markers, list) or not markers:
        raise SecureMailError(f"{where}: needs at least one marker")
    return Service(entry["name"].strip(), " ".join(str(entry.get("how_to_open", "")).split()),
                   tuple(_marker(f"{where} marker {n}", m) for n, m in enumerate(markers)))


def _marker(where: str, entry: Any) -> Marker:
    if not isinstance(entry, dict):
        raise SecureMailError(f"{where}: must be a mapping")
    kinds = [k for k in entry if k in set(MarkerKind)]
    extra = set(entry) - set(MarkerKind) - ({"value"} if kinds == [MarkerKind.HEADER] else set())
    if len(kinds) != 1 or extra:
        raise SecureMailError(f"{where}: needs exactly one of {[k.value for k in MarkerKind]}"
                              + (f", not {sorted(extra)}" if extra else ""))
    kind = MarkerKind(kinds[0])
    if kind is MarkerKind.HEADER:
        name = str(entry[kind])
        value = _pattern(where, entry["value"]) if "value" in entry else None
        return Marker(kind, re.compile(rf"^{re.escape(name)}$", re.IGNORECASE), value)
    return Marker(kind, _pattern(where, entry[kind]))


def _pattern(where: str, text: Any) -> re.Pattern[str]:
    if not isinstance(text, str) or not text:
        raise SecureMailError(f"{where}: the pattern must be a non-empty string")
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error as exc:
        raise SecureMailError(f"{where}: bad regular expression {text!r} ({exc})") from exc


def _document_link(path: Path, index: int, entry: Any) -> DocumentLink:
    where = f"{path}: document_links[{index}]"
    if not isinstance(entry, dict) or set(entry) != {"name", "link"} or not isinstance(entry["name"], str):
        raise SecureMailError(f"{where}: needs exactly 'name' and 'link'")
    return DocumentLink(entry["name"], _pattern(where, entry["link"]))


def email_text(email: ParsedEmail) -> str:
    """The start of the email's text and of its HTML with the tags removed (notices are often HTML only)."""
    return email.text_body[:SCANNED_CHARS] + "\n" + html.unescape(_TAG.sub(" ", email.html_body[:SCANNED_CHARS]))


def links_in(email: ParsedEmail) -> list[str]:
    """Every distinct http(s) link in the start of the email's text and HTML, in order."""
    text, markup = email.text_body[:SCANNED_CHARS], email.html_body[:SCANNED_CHARS]
    found = [m.rstrip(".,;:!?") for m in _URL.findall(text)]
    found += [html.unescape(m) for m in _HREF.findall(markup)]
    found += [m.rstrip(".,;:!?") for m in _URL.findall(html.unescape(_TAG.sub(" ", markup)))]
    return list(dict.fromkeys(found))


def recognise(email: ParsedEmail, catalogue: Catalogue) -> ParsedEmail:
    """The email with its envelope saying which service protects it and which documents it links to."""
    text = email_text(email)
    links = links_in(email)
    service = next((s.name for s in catalogue.services if _matches(s, email, text, links)), "")
    documents: list[Link] = []
    for url in links:
        kind = next((k for k in catalogue.document_links if k.pattern.search(url)), None)
        if kind is not None:
            documents.append(Link(kind.name, url[:500]))
    envelope: Envelope = dataclasses.replace(email.envelope, links=tuple(documents[:MAX_LINKS]),
                                             protected_by=email.envelope.protected_by or service)
    return dataclasses.replace(email, envelope=envelope)


def _matches(service: Service, email: ParsedEmail, text: str, links: list[str]) -> bool:
    return any(_marker_matches(marker, email, text, links) for marker in service.markers)


def _marker_matches(marker: Marker, email: ParsedEmail, text: str, links: list[str]) -> bool:
    pattern = marker.pattern
    if marker.kind is MarkerKind.SUBJECT:
        return bool(pattern.search(email.subject))
    if marker.kind is MarkerKind.BODY:
        return bool(pattern.search(text))
    if marker.kind is MarkerKind.ATTACHMENT:
        return any(pattern.search(a.filename) for a in email.attachments)
    if marker.kind is MarkerKind.CONTENT_TYPE:
        return any(pattern.search(t) for t in (email.content_type, *(a.content_type for a in email.attachments)))
    if marker.kind is MarkerKind.HEADER:
        value = marker.value
        return any(pattern.match(k) and (value is None or value.search(v)) for k, v in email.headers)
    return any(pattern.search(url) for url in links)

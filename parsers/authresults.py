"""Authentication-Results header fields (RFC 8601): what a receiving server found when it checked SPF, DKIM and
DMARC, and which of those fields may be believed.

Anyone can write an Authentication-Results field into a message, so a field is believed only when

- its authserv-id is one the partnership configured as its own receiving server's, and
- it sits above any field another server wrote: reading from the top, the first field with an id that is not
  ours ends the search (everything below it was written before the message reached us), and
- for each method (spf, dkim, dmarc ...) only the topmost believed field that reports it counts, so a forged
  field below our server's own can never add a "pass" that our server did not find.

Microsoft 365 (Exchange Online) writes its field without an authserv-id ("spf=pass (sender IP is ...)
smtp.mailfrom=...; dkim=pass ...; dmarc=pass action=none header.from=...;compauth=pass reason=100"), and puts
bare receiving-domain tokens between its results; such a field parses with an empty authserv-id, which a
configuration trusts by naming `MICROSOFT_365` (see intake.config.settings.SenderTrustSettings).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

HEADER = "authentication-results"
# The configured id that stands for "the field Microsoft 365 writes, which has no authserv-id".
MICROSOFT_365 = "microsoft365"


@dataclass(frozen=True)
class MethodResult:
    """One method's result in a field, e.g. dmarc=pass header.from=example.org."""

    method: str  # lower case: "spf", "dkim", "dmarc", "compauth", ...
    result: str  # lower case: "pass", "fail", "softfail", "none", "bestguesspass", ...
    properties: tuple[tuple[str, str], ...] = ()  # (name, value), names lower case: ("header.from", "example.org")

    def prop(self, name: str) -> str:
        """The value of a property ("" when absent)."""
        return next((value for key, value in self.properties if key == name), "")


@dataclass(frozen=True)
class AuthenticationResults:
    """One Authentication-Results field: who wrote it and what it found."""

    authserv_id: str  # lower case; "" when the field names none (Microsoft 365)
    results: tuple[MethodResult, ...]


def parse_authentication_results(value: str) -> AuthenticationResults:
    """Parse one field's value; never raises (what cannot be read is left out)."""
    segments = _segments(_without_comments(value))
    if not segments:
        return AuthenticationResults("", ())
    first = segments[0].split()
    authserv_id = ""
    if first and "=" not in first[0]:
        authserv_id = first[0].lower()  # an optional version number may follow; it is not needed
        segments = segments[1:]
    results = tuple(r for r in (_resinfo(s) for s in segments) if r is not None)
    return AuthenticationResults(authserv_id, results)


def trusted_results(headers: Sequence[tuple[str, str]], trusted_ids: Collection[str]) -> tuple[MethodResult, ...]:
    """The results our own receiving server wrote, by the rules in this module's docstring.

    `trusted_ids` are lower-case authserv-ids; "" trusts a field with none (Microsoft 365).
    """
    found: list[MethodResult] = []
    seen: set[str] = set()
    for name, value in headers:
        if name.strip().lower() != HEADER:
            continue
        field = parse_authentication_results(value)
        if field.authserv_id not in trusted_ids:
            break  # written by another server: it and everything below predate our boundary
        methods = {r.method for r in field.results}
        found += [r for r in field.results if r.method not in seen]
        seen |= methods
    return tuple(found)


def configured_ids(configured: Collection[str]) -> frozenset[str]:
    """The authserv-ids to trust, lower case, with MICROSOFT_365 standing for the empty id."""
    return frozenset("" if i.strip().lower() == MICROSOFT_365 else i.strip().lower() for i in configured if i.strip())


def _without_comments(value: str) -> str:
    """The value with (comments) removed, nested ones too; quoted strings are kept, quotes and all."""
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            out.append(char)
            quoted = char != '"'
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            out.append(" ")
        elif depth == 0:
            out.append(char)
            quoted = char == '"'
    return "".join(out)


def _segments(value: str) -> list[str]:
    """The value split at semicolons outside quoted strings, blank pieces dropped."""
    pieces: list[str] = []
    current: list[str] = []
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return [p.strip() for p in pieces if p.strip()]


def _resinfo(segment: str) -> MethodResult | None:
    """`method[/version]=result prop=value ...`; None for "none" and for Microsoft's bare domain tokens."""
    tokens = segment.split()
    if not tokens or "=" not in tokens[0]:
        return None
    method, result = tokens[0].split("=", 1)
    method = method.split("/", 1)[0].strip().lower()
    properties = []
    for token in tokens[1:]:
        if "=" in token:
            key, val = token.split("=", 1)
            properties.append((key.strip().lower(), val.strip().strip('"')))
    return MethodResult(method, result.strip().lower(), tuple(properties))

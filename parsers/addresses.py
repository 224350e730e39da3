"""Email addresses: which ones we accept as a sender, and the keys that group them for the flood caps.

A sender address is only ever something we may write to: a plain `local@domain` (RFC 5321 dot-atom, ASCII,
a domain of at least two labels). Anything else in a From header — markup, a quoted local part, a bare
`a@b` — is not a sender we answer; the message is still filed, with the address left empty and flagged.

The flood caps group addresses the way a mailbox owner can multiply them: upper and lower case and plus-tags
(`x+1@`, `x+2@` ... reach one mailbox), and for Gmail the dots too. Domains are grouped by their registrable
part (`a.evil.example` and `b.evil.example` are one domain) using a small built-in list of second-level
suffixes (`co.uk`, `gov.uk`, `nhs.uk` ...): an approximation of the Public Suffix List that errs towards
grouping, which only ever makes a cap trip sooner.
"""

from __future__ import annotations

import re

MAX_ADDRESS = 254
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_GMAIL = frozenset({"gmail.com", "googlemail.com"})
# Second-level labels under which organisations register (co.uk, gov.uk, com.au ...). Under a two-letter
# country domain, a name below one of these is the registrable domain.
_SECOND_LEVEL = frozenset({"ac", "co", "com", "edu", "gov", "govt", "judiciary", "ltd", "me", "mil", "mod", "net",
                           "nhs", "nic", "org", "parliament", "plc", "police", "sch"})


def valid_address(text: str) -> str:
    """The address in lower case if `text` is one plain, writable email address, else ""."""
    address = text.strip()
    if not address or len(address) > MAX_ADDRESS or not address.isascii() or address.count("@") != 1:
        return ""
    local, domain = address.rsplit("@", 1)
    domain = domain.lower().removesuffix(".")
    if len(local) > 64 or not _LOCAL.match(local) or not valid_domain(domain):
        return ""
    return f"{local.lower()}@{domain}"


def valid_domain(domain: str) -> bool:
    """Whether a (lower-case) domain is a plain DNS name of at least two labels with a real-looking top level."""
    labels = domain.split(".")
    return (len(domain) <= 253 and len(labels) >= 2 and all(_LABEL.match(label) for label in labels)
            and bool(_TLD.match(labels[-1])))


def domain_of(address: str) -> str:
    """The domain of an address, lower case ("" when there is none)."""
    return address.rsplit("@", 1)[1].lower().removesuffix(".") if "@" in address else ""


def mailbox_key(address: str) -> str:
    """One key per mailbox: lower case, without a plus-tag; Gmail's dots and googlemail.com folded too."""
    if "@" not in address:
        return address.strip().lower()
    local, domain = address.strip().lower().rsplit("@", 1)
    domain = domain.removesuffix(".")
    local = local.split("+", 1)[0] or local  # "+tag@" alone is not a tag
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def registrable_domain(domain: str) -> str:
    """The part of a domain an organisation registers: `mail.rbwm.gov.uk` -> `rbwm.gov.uk`, `a.b.example` ->
    `b.example` (approximate: see the module's docstring)."""
    labels = domain.lower().removesuffix(".").split(".")
    if len(labels) <= 2:
        return ".".join(labels)
    keep = 3 if len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def domains_aligned(one: str, other: str) -> bool:
    """Whether two domains are the same or one is under the other (a strict reading of DMARC's relaxed
    alignment: `mail.example.org` signs for `example.org`; `evil.example.org` and `good.example.org` do not
    align here, so a tenant of a shared domain can never vouch for another tenant)."""
    a, b = one.lower().removesuffix("."), other.lower().removesuffix(".")
    return bool(a and b) and (a == b or a.endswith("." + b) or b.endswith("." + a))

"""Sender trust: did our own receiving server authenticate the From address of a message?

An acknowledgement goes out under the partnership's name to the address in From:, so, once the partnership
names its receiving server (sender_trust.authserv_id), only a sender that server authenticated is answered:
DMARC passed for the From domain, or SPF or DKIM passed for a domain aligned with it. A DMARC fail is final
(the domain's owner said such mail is not theirs), whatever SPF or DKIM say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from parsers.addresses import domain_of, domains_aligned
from parsers.authresults import MethodResult


@dataclass(frozen=True)
class SenderTrust:
    """Whether the sender is authenticated, and the reason in words staff can read."""

    authenticated: bool
    reason: str


def judge_sender(results: Sequence[MethodResult], sender: str) -> SenderTrust:
    """The verdict on a sender address from the results our receiving server wrote (see parsers.authresults)."""
    domain = domain_of(sender)
    if not domain:
        return SenderTrust(False, "no valid sender address")
    if not results:
        return SenderTrust(False, "sender not authenticated: no Authentication-Results from our receiving server")
    summary = ", ".join(f"{r.method}={r.result}" for r in results if r.method in ("dmarc", "spf", "dkim"))
    dmarc = [r for r in results if r.method == "dmarc" and _about(r.prop("header.from"), domain)]
    if any(r.result == "fail" for r in dmarc):
        return SenderTrust(False, f"sender not authenticated: DMARC failed for {domain} ({summary})")
    if any(r.result == "pass" for r in dmarc):
        return SenderTrust(True, f"sender authenticated: DMARC pass for {domain}")
    for method, identity in (("dkim", _dkim_domain), ("spf", _spf_domain)):
        for result in results:
            if result.method == method and result.result == "pass" and domains_aligned(identity(result), domain):
                return SenderTrust(True, f"sender authenticated: {method.upper()} pass aligned with {domain}")
    return SenderTrust(False, f"sender not authenticated: no DMARC pass or aligned SPF/DKIM pass for {domain}"
                              f" ({summary or 'no SPF, DKIM or DMARC result'})")


def _about(header_from: str, domain: str) -> bool:
    # A DMARC result is about this sender only when it names the same From domain (or names none).
    return not header_from or header_from.lower().removesuffix(".") == domain


def _dkim_domain(result: MethodResult) -> str:
    return result.prop("header.d") or domain_of(result.prop("header.i"))


def _spf_domain(result: MethodResult) -> str:
    mailfrom = result.prop("smtp.mailfrom")
    return domain_of(mailfrom) if "@" in mailfrom else mailfrom

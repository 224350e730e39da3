"""Who sent a follow-up, compared with who may change a case: the referrer, a partner domain, or our own thread.

A case reference in a subject line is easy to guess (references are sequential), so a subject match alone
never lets a message change a case. These checks say whether the sender is someone the case already trusts.

Pure: the case's referrer addresses and the partnership's partner domains are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from parsers.addresses import mailbox_key


class FollowUpTrust(StrEnum):
    """Why a follow-up may change its case, or that it may not."""

    OUR_THREAD = "our_thread"  # In-Reply-To/References carries a Message-ID we sent on this case
    REFERRER = "referrer"  # from the case's referrer (the same address, ignoring case and plus-tags)
    PARTNER_DOMAIN = "partner_domain"  # from a domain the partnership configured as a partner
    DIFFERENT_SENDER = "different_sender"  # none of these: filed on the case, its fields only proposed

    @property
    def trusted(self) -> bool:
        """Whether the follow-up's form may fill the case's fields as it is filed."""
        return self is not FollowUpTrust.DIFFERENT_SENDER


def normalise_address(address: str) -> str:
    """An address for comparison: one key per mailbox (parsers/addresses.py: lower case, no plus-tag, Gmail's
    dots folded), the same key the acknowledgement's rate limit counts by."""
    return mailbox_key(address)


def domain_of(address: str) -> str:
    """The domain of an address, lower case ("" when there is none)."""
    local, at, domain = address.strip().lower().rpartition("@")
    return domain.rstrip(".") if at and local else ""


def in_partner_domain(address: str, partner_domains: Iterable[str]) -> bool:
    """Whether the address is at a partner domain or one of its subdomains (x.nhs.example counts for nhs.example)."""
    domain = domain_of(address)
    if not domain:
        return False
    for partner in partner_domains:
        partner = partner.strip().lower().lstrip("@").rstrip(".")
        if partner and (domain == partner or domain.endswith("." + partner)):
            return True
    return False


def follow_up_trust(sender: str, *, referrers: Iterable[str], partner_domains: Iterable[str],
                    in_our_thread: bool, sender_authenticated: bool | None = None) -> FollowUpTrust:
    """Whether a follow-up's sender may change the case (see FollowUpTrust), strongest reason first.

    `sender_authenticated`: our receiving server's verdict on the From address (rules/sender_trust.py), None
    when the partnership has not named that server. A From address it did not authenticate may be forged, so
    it earns no trust as the referrer's or a partner's; a reply to one of our own Message-IDs still does (they
    are random and only their recipients know them).
    """
    if in_our_thread:
        return FollowUpTrust.OUR_THREAD
    if sender_authenticated is False:
        return FollowUpTrust.DIFFERENT_SENDER
    normalised = normalise_address(sender)
    if normalised and "@" in normalised and normalised in {normalise_address(r) for r in referrers}:
        return FollowUpTrust.REFERRER
    if in_partner_domain(sender, partner_domains):
        return FollowUpTrust.PARTNER_DOMAIN
    return FollowUpTrust.DIFFERENT_SENDER

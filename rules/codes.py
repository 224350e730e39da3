"""The answer codes of interfaces.md that the rules read, as enums (field values arrive as plain strings)."""

from __future__ import annotations

from enum import StrEnum


class AbuseType(StrEnum):
    """`event.abuse_types`: the statutory guidance's categories plus those the forms list."""

    PHYSICAL = "physical"
    SEXUAL = "sexual"
    SEXUAL_EXPLOITATION = "sexual_exploitation"
    CRIMINAL_EXPLOITATION = "criminal_exploitation"
    PSYCHOLOGICAL = "psychological"
    FINANCIAL_MATERIAL = "financial_material"
    NEGLECT = "neglect"
    SELF_NEGLECT = "self_neglect"
    DOMESTIC = "domestic"
    MODERN_SLAVERY = "modern_slavery"
    DISCRIMINATORY = "discriminatory"
    ORGANISATIONAL = "organisational"

    @property
    def words(self) -> str:
        """How the category reads in a sentence."""
        return _ABUSE_WORDS[self]


_ABUSE_WORDS = {
    AbuseType.PHYSICAL: "physical abuse",
    AbuseType.SEXUAL: "sexual abuse",
    AbuseType.SEXUAL_EXPLOITATION: "sexual exploitation",
    AbuseType.CRIMINAL_EXPLOITATION: "criminal exploitation",
    AbuseType.PSYCHOLOGICAL: "psychological or emotional abuse",
    AbuseType.FINANCIAL_MATERIAL: "financial or material abuse",
    AbuseType.NEGLECT: "neglect",
    AbuseType.SELF_NEGLECT: "self-neglect",
    AbuseType.DOMESTIC: "domestic abuse",
    AbuseType.MODERN_SLAVERY: "modern slavery",
    AbuseType.DISCRIMINATORY: "discriminatory abuse",
    AbuseType.ORGANISATIONAL: "organisational abuse",
}


class AbuseStatus(StrEnum):
    """`event.abuse_or_neglect`."""

    KNOWN = "known"
    SUSPECTED = "suspected"
    NOT_SUSPECTED = "not_suspected"
    UNKNOWN = "unknown"


class Answer(StrEnum):
    """The yes/no/unknown answers (`event.seriously_harmed`, `adult.*`, `child.*`)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Perpetrator(StrEnum):
    """`event.perpetrator_relationship`."""

    INTIMATE_PARTNER = "intimate_partner"
    FORMER_PARTNER = "former_partner"
    RELATIVE = "relative"
    HOUSEHOLD_MEMBER = "household_member"
    CARER = "carer"
    STAFF = "staff"
    OTHER = "other"
    UNKNOWN = "unknown"


# Domestic Abuse Related Death Review: a relative, a current or former intimate partner, or a household member.
DOMESTIC_RELATIONSHIPS = frozenset(
    {Perpetrator.INTIMATE_PARTNER, Perpetrator.FORMER_PARTNER, Perpetrator.RELATIVE, Perpetrator.HOUSEHOLD_MEMBER}
)

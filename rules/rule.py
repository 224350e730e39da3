"""What a rule is (GNU Mailman style): a small named object with a one-line description, the law it applies
and a `check` that returns its verdict. Every verdict, hit or miss, is recorded on the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from parsers.values import Flag
from rules.case import CaseFacts
from rules.values import CsprDecision, Deadlines, SarDecision, Signpost


@dataclass(frozen=True)
class Outcome:
    """One rule's verdict and, when it matched, what it contributes to the triage."""

    matched: bool
    reason: str
    cspr: CsprDecision | None = None
    sar: SarDecision | None = None
    signpost: Signpost | None = None
    flags: frozenset[Flag] = frozenset()
    deadlines: Deadlines | None = None
    questions: tuple[str, ...] = ()


def miss(reason: str) -> Outcome:
    """A rule that did not match, and why not."""
    return Outcome(matched=False, reason=reason)


class Rule(Protocol):
    """A triage rule. Rules read only the CaseFacts, never each other's verdicts, so their order is presentation."""

    name: str
    description: str
    law: str

    def check(self, case: CaseFacts) -> Outcome:
        """This rule's verdict on the case."""
        ...

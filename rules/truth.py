"""Three-valued (Kleene) logic for answers that may be missing or "not known".

A statutory test is built from answers on the form. When an answer is missing, `and`/`or` still decide where
the other answers settle the matter (no abuse suspected -> not met, whatever else is unknown) and otherwise give
UNKNOWN carrying the questions whose answers would decide it. That is the domain's rule: never read a blank as "no".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TruthValue(StrEnum):
    """The three values of Kleene logic."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


def _merge(*groups: tuple[str, ...]) -> tuple[str, ...]:
    """Questions of several operands, each once, in first-seen order."""
    return tuple(dict.fromkeys(q for group in groups for q in group))


@dataclass(frozen=True)
class Truth:
    """A truth value; when UNKNOWN, the plain-English questions that would settle it."""

    value: TruthValue
    questions: tuple[str, ...] = ()

    @classmethod
    def of(cls, flag: bool) -> Truth:
        """A known truth."""
        return cls(TruthValue.TRUE if flag else TruthValue.FALSE)

    @classmethod
    def unknown(cls, *questions: str) -> Truth:
        """An unknown truth, settled by asking `questions`."""
        return cls(TruthValue.UNKNOWN, tuple(questions))

    @property
    def is_true(self) -> bool:
        """Known to be true."""
        return self.value is TruthValue.TRUE

    @property
    def is_false(self) -> bool:
        """Known to be false."""
        return self.value is TruthValue.FALSE

    @property
    def is_unknown(self) -> bool:
        """Not known either way."""
        return self.value is TruthValue.UNKNOWN

    def __and__(self, other: Truth) -> Truth:
        if self.is_false or other.is_false:
            return Truth.of(False)
        if self.is_true and other.is_true:
            return Truth.of(True)
        return Truth.unknown(*_merge(self.questions, other.questions))

    def __or__(self, other: Truth) -> Truth:
        if self.is_true or other.is_true:
            return Truth.of(True)
        if self.is_false and other.is_false:
            return Truth.of(False)
        return Truth.unknown(*_merge(self.questions, other.questions))

    def __invert__(self) -> Truth:
        if self.is_unknown:
            return self
        return Truth.of(not self.is_true)

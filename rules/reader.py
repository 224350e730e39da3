"""Typed reading of the extracted fields: only what the referrer stated counts, and never a blank as "no".

Field values arrive JSON-compatible (ISO date strings, code strings, lists, bools, ints). A value that cannot be
read (a date that is not ISO, an unknown code) is treated as not stated and noted, so that the decision asks
for it instead of guessing. Fields marked `inferred` (read between the lines by a parser) are not stated answers:
they are offered as suggestions only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import TypeVar

from parsers.values import Field, FieldValue
from rules.codes import Answer
from rules.truth import Truth
from rules.values import Suggestion

E = TypeVar("E", bound=StrEnum)

_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}
_UNKNOWN = {"unknown", "not known", "don't know", "dont know", "unsure", "n/k", "nk"}


class FieldReader:
    """Reads canonical fields by name into typed values, noting each value it had to set aside."""

    def __init__(self, fields: Mapping[str, Field], suggestions: tuple[Suggestion, ...] = ()) -> None:
        self._fields = {name: f for name, f in fields.items() if not f.inferred}
        self._suggestions = suggestions
        self.notes: list[str] = []

    def _raw(self, name: str) -> FieldValue | None:
        found = self._fields.get(name)
        if found is None or found.value is None or found.value == "" or found.value == ():
            return None
        return found.value

    def peek(self, name: str) -> object | None:
        """The stated value as written, without reading or noting it (for cross-checks between answers)."""
        return self._raw(name)

    def peek_flag(self, name: str) -> bool | None:
        """A true/false field as `flag` reads it, without noting an unreadable value."""
        value = self._raw(name)
        if value is None or isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        return (word in _YES) if word in _YES | _NO else None

    def _set_aside(self, name: str, value: object, expected: str) -> None:
        self.notes.append(f"{name} {value!r} is not {expected}: treated as not stated")

    def date(self, name: str) -> date | None:
        """An ISO date field ("YYYY-MM-DD")."""
        value = self._raw(name)
        if value is None:
            return None
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self._set_aside(name, value, "an ISO date (YYYY-MM-DD)")
            return None

    def integer(self, name: str) -> int | None:
        """A whole number of years (`subject.age`), 0 to 130."""
        value = self._raw(name)
        if value is None:
            return None
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit() or int(text) > 130:
            self._set_aside(name, value, "an age in whole years")
            return None
        return int(text)

    def flag(self, name: str) -> bool | None:
        """A true/false field (`event.is_deceased`); yes/no strings are accepted too."""
        value = self._raw(name)
        if value is None or isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _YES | _NO:
            return word in _YES
        if word not in _UNKNOWN:
            self._set_aside(name, value, "true or false")
        return None

    def choice(self, name: str, codes: type[E]) -> E | None:
        """One code of an enum; "unknown" codes are returned as such, unrecognised values set aside."""
        value = self._raw(name)
        if value is None:
            return None
        try:
            return codes(str(value).strip().lower())
        except ValueError:
            self._set_aside(name, value, f"one of {', '.join(c.value for c in codes)}")
            return None

    def codes(self, name: str, codes: type[E]) -> tuple[E, ...]:
        """A list of codes (a single string is read as a comma-separated list)."""
        value = self._raw(name)
        if value is None:
            return ()
        if isinstance(value, str):
            items = value.split(",")
        elif isinstance(value, tuple):
            items = list(value)
        else:  # a lone number or flag where codes belong: set aside below, not a crash
            items = [str(value)]
        found: list[E] = []
        for item in items:
            try:
                found.append(codes(str(item).strip().lower()))
            except ValueError:
                self._set_aside(name, item, f"one of {', '.join(c.value for c in codes)}")
        return tuple(dict.fromkeys(found))

    def answer(self, name: str, question: str) -> Truth:
        """A yes/no/unknown answer as a truth; missing or "unknown" asks `question`."""
        if isinstance(self._raw(name), bool):
            return Truth.of(bool(self._raw(name)))
        stated = self.choice(name, Answer)
        if stated is Answer.YES or stated is Answer.NO:
            return Truth.of(stated is Answer.YES)
        return Truth.unknown(self.ask(question, name))

    def ask(self, question: str, *names: str) -> str:
        """`question`, with what the free text suggests for any of `names` so staff can confirm it."""
        for suggestion in self._suggestions:
            if suggestion.field in names:
                value = suggestion.value if isinstance(suggestion.value, str) else str(suggestion.value).lower()
                return f'{question} (the summary suggests {suggestion.field} = {value}: "{suggestion.sentence}")'
        return question

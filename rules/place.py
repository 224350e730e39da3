"""Where the harm or death happened, and where the person normally lives, as facts the rules read.

A stated yes/no (`event.in_area`, `subject.resident_in_area`) decides; otherwise a stated place, postcode or
address is read against the configured area (rules/area.py) with a confidence; otherwise the answer is unknown
and the question is asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.area import Area, Placing, read_place
from rules.codes import Answer
from rules.reader import FieldReader

ASK_PLACE = (
    "Where did the harm or death happen (town or postcode)? The duty to notify the Panel falls on the local "
    "authority for that place"
)
ASK_RESIDENCE = "Where does the person normally live (town or postcode)? A SAR is for an adult in the board's area"


@dataclass(frozen=True)
class PlaceFact:
    """In the area or not, how we know (stated, or read from text with a confidence), and what was written."""

    placing: Placing
    confidence: float
    written: str  # the place, postcode or address as the form gives it ("" when none)
    how: str  # "stated on the form" or "read from ... (confidence 0.85)"

    @property
    def in_area(self) -> bool:
        """Known to be in the partnership's area."""
        return self.placing is Placing.IN_AREA

    @property
    def elsewhere(self) -> bool:
        """Known to be elsewhere in England (another authority's duty)."""
        return self.placing is Placing.ELSEWHERE_IN_ENGLAND

    @property
    def unknown(self) -> bool:
        """Not known: ask."""
        return self.placing is Placing.UNKNOWN

    def words(self) -> str:
        """The place as a reason quotes it."""
        return f'"{self.written}"' if self.written else "another area"


def _stated(read: FieldReader, name: str, written: str) -> PlaceFact | None:
    answer = read.choice(name, Answer)
    if answer is Answer.YES:
        return PlaceFact(Placing.IN_AREA, 1.0, written, f"{name}: yes, as stated on the form")
    if answer is Answer.NO:
        return PlaceFact(Placing.ELSEWHERE_IN_ENGLAND, 1.0, written, f"{name}: no, as stated on the form")
    return None


def _read(texts: list[tuple[str, str]], area: Area) -> PlaceFact:
    for name, text in texts:
        reading = read_place(text, area)
        if reading.placing is not Placing.UNKNOWN:
            how = f'read from {name} ("{reading.evidence}", confidence {reading.confidence:.2f})'
            return PlaceFact(reading.placing, reading.confidence, text, how)
    written = texts[0][1] if texts else ""
    return PlaceFact(Placing.UNKNOWN, 0.0, written, "not stated" if not written else "not recognised")


def read_event_place(read: FieldReader, area: Area) -> PlaceFact:
    """Where the harm or death happened: `event.in_area`, else `event.place` read against the area."""
    place = str(read.peek("event.place") or "").strip()
    stated = _stated(read, "event.in_area", place)
    if stated is not None:
        return stated
    return _read([("event.place", place)] if place else [], area)


def read_residence(read: FieldReader, area: Area) -> PlaceFact:
    """Where the person normally lives: `subject.resident_in_area`, else the postcode or address."""
    texts = [(name, str(read.peek(name) or "").strip()) for name in ("subject.postcode", "subject.address")]
    texts = [(name, text) for name, text in texts if text]
    stated = _stated(read, "subject.resident_in_area", texts[0][1] if texts else "")
    if stated is not None:
        return stated
    return _read(texts, area)

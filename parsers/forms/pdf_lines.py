"""Lines of text from positioned words (pdfplumber or Tesseract), with wide gaps kept as line breaks.

A flat form prints "Name of adult" in one column and the answer in the next; joining them with a space would
lose where the label ends, so a gap wider than a few characters becomes a "\\n" inside the line.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

GAP_POINTS = 14.0


@dataclass(frozen=True)
class Word:
    """A word and its box, in page coordinates with the origin top-left."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Line:
    """A line of words: its text (wide gaps as "\\n") and its vertical extent."""

    text: str
    x0: float
    top: float
    bottom: float


def group_lines(words: Iterable[Word], gap: float = GAP_POINTS) -> list[Line]:
    """Words grouped into lines by vertical overlap, in reading order."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        row = rows[-1] if rows else None
        if row and word.top < (row[0].top + row[0].bottom) / 2:
            row.append(word)
        else:
            rows.append([word])
    lines = []
    for row in rows:
        row.sort(key=lambda w: w.x0)
        parts = [row[0].text]
        for prev, word in itertools.pairwise(row):
            height = max(prev.bottom - prev.top, 1.0)
            parts.append("\n" if word.x0 - prev.x1 > max(gap, height * 1.5) else " ")
            parts.append(word.text)
        lines.append(Line("".join(parts), row[0].x0, min(w.top for w in row), max(w.bottom for w in row)))
    return lines

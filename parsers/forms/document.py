"""A form read into a layout-neutral shape: paragraphs, tables of cell text, and label/answer pairs.

Every reader (DOCX, flat PDF, OCR, email body) produces blocks; tick boxes of every kind are rendered into
the text as ☒ (ticked) or ☐ (not ticked) so that one reader of ticks serves them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.forms.vocabulary import Section

TICKED = "☒"
UNTICKED = "☐"
# Ticked: ☒ ☑ ✓ ✔ ■ and [x] [X] [✓] (x); unticked: ☐ □ [ ] ( ).
_MARKER = re.compile(r"[☒☑✓✔■☐□]|\[\s*[xX✓✔]?\s*\]|\(\s*[xX]\s*\)|\(\s\)")
_LONE_TICK = re.compile(r"^\s*(?:[xX✓✔☒☑■]|\[[xX]\])\s*$")


@dataclass(frozen=True)
class Choice:
    """One tick box and the option printed beside it ("" when it stands alone)."""

    label: str
    ticked: bool


@dataclass(frozen=True)
class Answer:
    """What was written or ticked in answer to one label."""

    text: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class Pair:
    """A printed label, its answer, where both were read and how reliable that layout is."""

    label: str
    answer: Answer
    source: str
    confidence: float
    section: Section | None = None
    heading: str = ""  # the section heading as printed, shown beside answers kept for staff


@dataclass(frozen=True)
class Paragraph:
    """A line or paragraph of text."""

    text: str
    source: str


@dataclass(frozen=True)
class Table:
    """A table as rows of cell text (merged cells once; nested tables are separate tables)."""

    rows: tuple[tuple[str, ...], ...]
    source: str


Block = Paragraph | Table


def is_ticked(marker: str) -> bool:
    """Whether a tick-box marker is ticked."""
    return marker not in (UNTICKED, "□") and not re.fullmatch(r"\[\s*\]|\(\s\)", marker)


def has_ticks(text: str) -> bool:
    """Whether the text holds any tick-box marker."""
    return bool(_MARKER.search(text))


def lone_tick(text: str) -> bool | None:
    """True for a cell holding only a tick ("X", "✓", "☒"), False for only "☐", None for anything else."""
    if _LONE_TICK.match(text):
        return True
    return False if text.strip() in (UNTICKED, "□", "[ ]", "[]") else None


def split_ticks(text: str) -> tuple[str, tuple[Choice, ...]]:
    """(question printed before the boxes, choices) from "Has the adult died? ☒ Yes ☐ No" or "Yes ☒ No ☐"."""
    parts = _MARKER.split(text)
    markers = _MARKER.findall(text)
    if not markers:
        return text.strip(), ()
    segments = [" ".join(p.split()) for p in parts]
    if segments[-1] or len(markers) == 1:
        # Box before its option: "☒ Yes ☐ No".
        choices = tuple(Choice(segments[i + 1].strip(" :-,;"), is_ticked(m)) for i, m in enumerate(markers))
        return segments[0].strip(), choices
    # Option before its box: "Yes ☒ No ☐"; the question, if any, ends at the last "?" or ":" of the first part.
    head = segments[0]
    cut = max(head.rfind("?"), head.rfind(":"))
    question, first = (head[: cut + 1], head[cut + 1 :]) if cut >= 0 else ("", head)
    labels = [first, *segments[1:-1]]
    choices = tuple(Choice(lab.strip(" :-,;"), is_ticked(m)) for lab, m in zip(labels, markers, strict=True))
    return question.strip(), choices

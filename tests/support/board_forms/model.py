"""The development set's model: a board's form as its sections and questions, filled in, with what a reader
must get from it. Rendered into Word, PDF or an email body by tests/support/board_forms/render.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from parsers.values import ExtractedForm, Flag, FormType


@dataclass(frozen=True)
class Ticks:
    """Tick boxes: the options printed and those ticked (none ticked = left blank)."""

    options: tuple[str, ...]
    ticked: frozenset[str] = frozenset()


def ticks(*options: str, on: tuple[str, ...] | str = ()) -> Ticks:
    """Boxes for ``options`` with ``on`` ticked."""
    return Ticks(tuple(options), frozenset((on,) if isinstance(on, str) else on))


@dataclass(frozen=True)
class Q:
    """A printed question, the referrer's answer, and the canonical fields a reader must get from it."""

    label: str
    answer: str | Ticks = ""
    expect: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Grid:
    """Questions as column headings, one row of answers per person (the first row is the section's own)."""

    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    expect: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Criteria:
    """ "Please tick all that apply": statements each with its own box."""

    question: str
    statements: tuple[tuple[str, bool], ...]
    expect: Mapping[str, object] = field(default_factory=dict)


Item = Q | Grid | Criteria


class Style(StrEnum):
    """How a section lays out its questions."""

    ROWS = "rows"  # label | answer
    PAIRS = "pairs"  # label | answer | label | answer
    INLINE = "inline"  # "Label: answer" in one cell, two cells a row


@dataclass(frozen=True)
class Section:
    """A headed part of the form."""

    heading: str
    items: tuple[Item, ...]
    style: Style = Style.ROWS


class Kind(StrEnum):
    """The file a board publishes its form as."""

    DOCX_TABLE = "Word table"
    DOCX_LEGACY = "Word legacy fields"
    DOCX_CONTROLS = "Word content controls"
    PDF_FILLABLE = "fillable PDF (Text12 + tooltips)"
    PDF_FLAT = "flat PDF"
    EMAIL = "email body"


@dataclass(frozen=True)
class BoardForm:
    """One board's form, filled in with fictional people."""

    key: str
    board: str
    source: str  # where its question wording and layout come from
    adult: bool
    kind: Kind
    title: str
    sections: tuple[Section, ...]
    form_type: FormType
    intro: str = ""
    flags: frozenset[Flag] = frozenset()
    others: tuple[str, ...] = ()  # names of other people on the form: never the subject's or the referrer's

    @property
    def expected(self) -> dict[str, object]:
        """Every canonical field the filled-in form states."""
        out: dict[str, object] = {}
        for section in self.sections:
            for item in section.items:
                out.update(item.expect)
        return out


@dataclass(frozen=True)
class Score:
    """How many of a form's answers were read right, and what went wrong."""

    right: int
    total: int
    wrong: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 1.0


def _same(a: object, b: object) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return set(a) == set(b)
    return a == b


def score(form: BoardForm, extracted: ExtractedForm) -> Score:
    """Answers read right over answers stated, plus fields read that the form does not state (each one wrong);
    the form type counts as one answer."""
    expected = form.expected
    got = {name: f.value for name, f in extracted.fields.items()}
    wrong = [f"{n}: expected {v!r}, read {got.get(n)!r}" for n, v in expected.items() if not _same(got.get(n), v)]
    wrong += [f"{n}: not on the form, read {v!r}" for n, v in got.items() if n not in expected]
    if extracted.form_type is not form.form_type:
        wrong.append(f"form_type: expected {form.form_type.value}, read {extracted.form_type.value}")
    total = len(expected) + 1 + sum(1 for n in got if n not in expected)
    return Score(total - len(wrong), total, tuple(wrong))

"""Reading label/answer pairs out of paragraphs and tables, whatever the layout of the form."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from parsers.forms.document import (
    TICKED,
    UNTICKED,
    Answer,
    Block,
    Choice,
    Pair,
    Paragraph,
    Table,
    has_ticks,
    lone_tick,
    split_ticks,
)
from parsers.forms.vocabulary import FieldKind, Section, Vocabulary

_LABEL_SPLIT = re.compile(r"^(.{2,120}?)(?:\s*[:?]\s+|\s*[:?]\s*\n\s*|\s*\n\s*)(\S.*)$", re.S)
_LIST_KINDS = (FieldKind.ABUSE_TYPES,)


_QUESTION_END = re.compile(r"[:?]\s*$")


def looks_like_question(text: str) -> bool:
    """A printed question nobody listed: short and ending in ":" or "?" ("Who reported the concern?")."""
    text = text.strip()
    return 2 < len(text) <= 120 and bool(_QUESTION_END.search(text)) and not has_ticks(text) and "\n" not in text


@dataclass
class _State:
    """Where the reader is: the section, a question still waiting for its answer, the title lines seen."""

    vocabulary: Vocabulary
    confidence: float
    section: Section | None = None
    heading: str = ""
    pending: tuple[str, str] | None = None  # (label, source) of a question printed above its answer
    list_question: str = ""  # the last tick-list question ("Type of abuse"), for option rows below it
    open_question: str = ""  # the last question whose own cell was blank (its boxes may follow in a nested table)
    pairs: list[Pair] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)

    def is_label(self, text: str) -> bool:
        """A question: one the vocabulary knows (here, or anywhere for another person's block), or one that
        looks like a question."""
        if not text.strip():
            return False
        if self.vocabulary.match_label(text, self.section) is not None or looks_like_question(text):
            return True
        return self.section is Section.OTHER and self.vocabulary.match_label(text, Section.SUBJECT) is not None

    def open_section(self, section: Section, heading: str) -> None:
        self.section, self.heading, self.pending = section, heading.strip(), None
        self.list_question = self.open_question = ""

    def add(self, label: str, answer: Answer, source: str, section: Section | None = None) -> None:
        self.pairs.append(Pair(label.strip(), answer, source, self.confidence, section or self.section,
                               self.heading))
        if not answer.text and not answer.choices:
            self.open_question = label.strip()
        elif label.strip() != self.open_question:
            self.open_question = ""
        match = self.vocabulary.match_label(label, self.section)
        if match is not None and match.spec.kind in _LIST_KINDS:
            self.list_question = label.strip()


def read_blocks(blocks: Iterable[Block], vocabulary: Vocabulary, confidence: float) -> tuple[list[Pair], list[str]]:
    """Label/answer pairs and candidate title lines from a form's blocks, in reading order."""
    state = _State(vocabulary, confidence)
    for block in blocks:
        if isinstance(block, Paragraph):
            _read_text(state, block.text, block.source)
        else:
            _read_table(state, block)
    return state.pairs, state.titles


def _read_text(state: _State, text: str, source: str, *, spanning: bool = False) -> None:
    """One paragraph or one lone cell: a heading, "Label: answer", a question with ticks, or an answer."""
    text = text.strip()
    if not text:
        return
    if len(text) < 160 and not has_ticks(text):
        state.titles.append(text)
        section = state.vocabulary.match_section(text, spanning=spanning)
        if section is not None:
            _flush_pending(state)
            state.open_section(section, text)
            return
    if has_ticks(text):
        _read_ticks(state, text, source)
        return
    m = _LABEL_SPLIT.match(text)
    if m and (state.is_label(m[1]) or _ends_question(text, m)):
        _flush_pending(state)
        state.add(m[1], Answer(m[2].strip()), source)
    elif state.is_label(text):
        _flush_pending(state)
        state.pending = (text, source)
    elif state.pending is not None:
        state.add(state.pending[0], Answer(text), state.pending[1])
        state.pending = None


def _ends_question(text: str, m: re.Match[str]) -> bool:
    """ "Who reported the concern? The district nurse": an unlisted question closed by ":" or "?" on one line."""
    label = m[1].strip()
    # A sentence of guidance that happens to hold a colon is not a question: questions are short.
    short = len(label) <= 80 and len(label.split()) <= 10
    return short and text[len(m[1]):].lstrip()[:1] in (":", "?") and "\n" not in label


def _flush_pending(state: _State) -> None:
    """A question followed by another question was left blank."""
    if state.pending is not None:
        state.add(state.pending[0], Answer(""), state.pending[1])
        state.pending = None


def _read_ticks(state: _State, text: str, source: str) -> None:
    question, choices = split_ticks(text)
    if question and state.is_label(question):
        _flush_pending(state)
        state.add(question, Answer("", choices), source)
    elif state.pending is not None:
        state.add(state.pending[0], Answer(question, choices), source)
        state.pending = None
    elif state.open_question or state.list_question:
        state.add(state.open_question or state.list_question, Answer("", choices), source)
    else:
        state.add(question, Answer("", choices), source)


def _read_table(state: _State, table: Table) -> None:
    rows = [tuple(c.strip() for c in row) for row in table.rows]
    wide = max((len(row) for row in rows), default=0) > 1
    r = 0
    while r < len(rows):
        cells = [c for c in rows[r] if c]
        source = f"{table.source}, row {r + 1}"
        if r + 1 < len(rows) and _is_header_row(state, rows[r], rows[r + 1]):
            r = _read_columns(state, rows, r, table.source)
            continue
        # A row spanning the table: a heading, if its words name a part of the form.
        heading = len(cells) == 1 and wide and state.vocabulary.match_section(cells[0], spanning=True) is not None \
            and (state.vocabulary.listed_section(cells[0])
                 or not state.vocabulary.listed_label(cells[0], state.section))
        if len(rows[r]) == 1 or heading or (len(cells) == 1 and not state.is_label(cells[0])):
            _read_text(state, cells[0], source, spanning=heading) if cells else None
        elif cells:
            _read_row(state, rows[r], source)
        r += 1


def _read_columns(state: _State, rows: list[tuple[str, ...]], r: int, where: str) -> int:
    """Questions as column headings and one answer row below, or several (a family, a list of children).

    The first answer row belongs to the section; every further row is another person, kept as their own.
    Returns the index of the first row after the answers.
    """
    header = rows[r]
    below = r + 1
    while below < len(rows) and len(rows[below]) == len(header) and any(rows[below]):
        if below > r + 1 and _mostly_labels(state, rows[below]):
            break
        section = state.section if below == r + 1 else Section.OTHER
        for c, label in enumerate(header):
            if label and (rows[below][c] or below == r + 1) and lone_tick(label) is None:
                state.add(label, _answer(rows[below][c]), f"{where}, row {below + 1}, cell {c + 1}", section)
        below += 1
    return below


def _is_header_row(state: _State, row: tuple[str, ...], below: tuple[str, ...]) -> bool:
    """A row of questions only, with their answers in the same columns of the row below (label-above-answer)."""
    if len(below) != len(row):
        return False
    columns = [c for c, text in enumerate(row) if text]
    if not columns or any(has_ticks(row[c]) or _LABEL_SPLIT.match(row[c]) for c in columns):
        return False
    labels = sum(state.is_label(row[c]) for c in columns)
    # Every heading a question, or (a table of people: "Name | Relationship to child | School") most of them.
    if labels < len(columns) and not (len(columns) >= 3 and labels * 2 > len(columns)):
        return False
    answers = [below[c] for c in columns]
    return any(answers) and not any(a and state.is_label(a) and not has_ticks(a) for a in answers)


def _mostly_labels(state: _State, row: tuple[str, ...]) -> bool:
    cells = [c for c in row if c]
    return bool(cells) and sum(state.is_label(c) for c in cells) * 2 > len(cells)


def _read_row(state: _State, row: tuple[str, ...], source: str) -> None:
    """Cells left to right: a label and its answer cell(s), or an option and its tick cell."""
    c = 0
    while c < len(row):
        cell = row[c]
        rest = row[c + 1 :]
        where = f"{source}, cell {c + 1}"
        tick = lone_tick(rest[0]) if rest else None
        if not cell:
            c += 1
        elif state.vocabulary.match_section(cell) is not None and (
                state.vocabulary.listed_section(cell) or not state.is_label(cell)):
            _read_text(state, cell, where)  # a heading cell beside a margin note ("Office use only")
            c += len(row)
        elif tick is not None and not state.is_label(cell):
            # An option with its box in the next cell ("Neglect" | "X"), under the last tick-list question.
            question = state.open_question or state.list_question or cell
            state.add(question, Answer("", (Choice(cell, tick),)), where)
            c += 2
        elif state.is_label(cell) and not has_ticks(cell):
            _flush_pending(state)
            span = _answer_span(state, rest)
            state.add(cell, _answer("\n".join(x for x in rest[:span] if x), rest[:span]), where)
            c += 1 + span
        elif _unlisted_question(cell, rest):
            # A question nobody listed, its answer in the next cell: kept, so that nothing is lost.
            _flush_pending(state)
            state.add(" ".join(cell.split()), _answer(rest[0]), where)
            c += 2
        else:
            _read_text(state, cell, where)
            c += 1


def _unlisted_question(cell: str, rest: tuple[str, ...]) -> bool:
    """ "Is this case brought for consideration as an SCR | ☒ Yes ☐ No": a short question, an answer beside."""
    if not rest or not rest[0] or has_ticks(cell) or len(cell) > 160 or ":" in cell.strip().rstrip(":"):
        return False
    return has_ticks(rest[0]) or (len(rest) % 2 == 1 and not cell.rstrip().endswith("."))


def _answer_span(state: _State, rest: tuple[str, ...]) -> int:
    """How many cells after a label answer it: up to the next cell that is itself a label."""
    if len(rest) >= 3 and len(rest) % 2 == 1 and rest[1] and not any(has_ticks(x) or lone_tick(x) is not None
                                                                      for x in rest):
        return 1  # label | answer | label | answer: two pairs in one row
    span = 0
    while span < len(rest) and not (rest[span] and _starts_question(state, rest[span])):
        span += 1
    return max(span, 1) if rest else 0


def _starts_question(state: _State, cell: str) -> bool:
    """A cell that is a question, or opens with one ("Tel. number: 01628 ..."): the answer before it ends."""
    if has_ticks(cell):
        return False
    if state.is_label(cell):
        return True
    m = _LABEL_SPLIT.match(cell)
    return m is not None and state.vocabulary.match_label(m[1], state.section) is not None


def _answer(text: str, cells: tuple[str, ...] = ()) -> Answer:
    """An answer from cell text; option cells each holding their own tick ("Yes" | "X") become choices."""
    if has_ticks(text):
        question, choices = split_ticks(text)
        return Answer(question, choices)
    if len(cells) >= 2 and any(lone_tick(x) is not None for x in cells):
        options = tuple(Choice(cells[i], bool(lone_tick(cells[i + 1])))
                        for i in range(0, len(cells) - 1, 2) if lone_tick(cells[i]) is None)
        if options:
            return Answer("", options)
    return Answer(text.replace(TICKED, "").replace(UNTICKED, "").strip())

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


@dataclass
class _State:
    """Where the reader is: the section, a question still waiting for its answer, the title lines seen."""

    vocabulary: Vocabulary
    confidence: float
    section: Section | None = None
    pending: tuple[str, str] | None = None  # (label, source) of a question printed above its answer
    list_question: str = ""  # the last tick-list question ("Type of abuse"), for option rows below it
    open_question: str = ""  # the last question whose own cell was blank (its boxes may follow in a nested table)
    pairs: list[Pair] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)

    def is_label(self, text: str) -> bool:
        return bool(text.strip()) and self.vocabulary.match_label(text, self.section) is not None

    def add(self, label: str, answer: Answer, source: str) -> None:
        self.pairs.append(Pair(label.strip(), answer, source, self.confidence, self.section))
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


def _read_text(state: _State, text: str, source: str) -> None:
    """One paragraph or one lone cell: a heading, "Label: answer", a question with ticks, or an answer."""
    text = text.strip()
    if not text:
        return
    if len(text) < 160 and not has_ticks(text):
        state.titles.append(text)
        section = state.vocabulary.match_section(text)
        if section is not None:
            state.section, state.pending = section, None
            return
    if has_ticks(text):
        _read_ticks(state, text, source)
        return
    m = _LABEL_SPLIT.match(text)
    if m and state.is_label(m[1]):
        _flush_pending(state)
        state.add(m[1], Answer(m[2].strip()), source)
    elif state.is_label(text):
        _flush_pending(state)
        state.pending = (text, source)
    elif state.pending is not None:
        state.add(state.pending[0], Answer(text), state.pending[1])
        state.pending = None


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
    r = 0
    while r < len(rows):
        cells = [c for c in rows[r] if c]
        source = f"{table.source}, row {r + 1}"
        if r + 1 < len(rows) and _is_header_row(state, rows[r], rows[r + 1]):
            for c, label in enumerate(rows[r]):
                if label and state.is_label(label):
                    state.add(label, _answer(rows[r + 1][c]), f"{source}+{r + 2}, cell {c + 1}")
            r += 2
            continue
        if len(rows[r]) == 1 or (len(cells) == 1 and not state.is_label(cells[0])):
            _read_text(state, cells[0], source) if cells else None
        elif cells:
            _read_row(state, rows[r], source)
        r += 1


def _is_header_row(state: _State, row: tuple[str, ...], below: tuple[str, ...]) -> bool:
    """A row of labels only, with their answers in the same columns of the row below (label-above-answer)."""
    if len(below) != len(row):
        return False
    columns = [c for c, text in enumerate(row) if text]
    if not columns or not all(state.is_label(row[c]) and not has_ticks(row[c]) for c in columns):
        return False
    answers = [below[c] for c in columns]
    return any(answers) and not any(a and state.is_label(a) and not has_ticks(a) for a in answers)


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
        elif state.vocabulary.match_section(cell) is not None:
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
        else:
            _read_text(state, cell, where)
            c += 1


def _answer_span(state: _State, rest: tuple[str, ...]) -> int:
    """How many cells after a label answer it: up to the next cell that is itself a label."""
    span = 0
    while span < len(rest) and not (rest[span] and state.is_label(rest[span]) and not has_ticks(rest[span])):
        span += 1
    return max(span, 1) if rest else 0


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

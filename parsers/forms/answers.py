"""Turning label/answer pairs into canonical fields: questions to values, normalised, with provenance."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from parsers.forms import normalise as norm
from parsers.forms.document import Answer, Choice, Pair
from parsers.forms.vocabulary import FieldKind, FieldSpec, Section, Vocabulary
from parsers.values import Field, FieldValue, Flag, OtherAnswer

_YES_NO = FieldKind.YES_NO_UNKNOWN


@dataclass
class Collected:
    """Fields read so far (best confidence wins), with the flags, warnings and blank questions met."""

    fields: dict[str, Field] = field(default_factory=dict)
    flags: set[Flag] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    unanswered_fields: list[str] = field(default_factory=list)  # canonical names, for the acknowledgement
    others: list[OtherAnswer] = field(default_factory=list)
    people: list[tuple[str, OtherAnswer]] = field(default_factory=list)  # (heading, answer) in other sections

    def keep(self, pair: Pair, filename: str, note: str = "") -> None:
        """An answered question that gave no field: kept for staff, never dropped."""
        text = answer_text(pair.answer)
        if not text:
            return
        if text == pair.label:
            text = "ticked"  # a criterion printed as its own box's option
        other = OtherAnswer(pair.label, text, f"{filename}: {pair.source}", pair.heading, note)
        if pair.section is Section.OTHER:
            self.people.append((pair.heading, other))
        else:
            self.others.append(other)

    def put(self, new: Field) -> None:
        old = self.fields.get(new.name)
        if old is not None and new.name == "event.abuse_types":
            codes = tuple(dict.fromkeys((*old.value, *new.value)))  # type: ignore[misc]
            new = Field(new.name, codes, old.source, max(old.confidence, new.confidence), old.label)
        elif old is not None and old.confidence >= new.confidence:
            return
        self.fields[new.name] = new


def collect_pairs(pairs: Iterable[Pair], vocabulary: Vocabulary, filename: str) -> Collected:
    """Canonical fields from every pair; a blank or unticked question is listed as unanswered, never "no"."""
    out = Collected()
    for pair in pairs:
        _collect_pair(out, pair, vocabulary, filename)
    _infer_death(out)
    # A question asked twice (a box per option, a label repeated) counts as answered if any copy was.
    answered = {f.label for f in out.fields.values()}
    out.unanswered = [u for u in out.unanswered if u not in answered]
    out.unanswered_fields = [n for n in dict.fromkeys(out.unanswered_fields) if n not in out.fields]
    return out


def _collect_pair(out: Collected, pair: Pair, vocabulary: Vocabulary, filename: str) -> None:
    source = f"{filename}: {pair.source}"
    if _collect_statements(out, pair, vocabulary, source):
        return
    lone = len(pair.answer.choices) == 1 and not pair.answer.choices[0].label
    if lone and vocabulary.match_choice(FieldKind.ABUSE_TYPES, pair.label):
        _collect_loose_option(out, pair, vocabulary, filename)  # "☒ Self-neglect" as a box of its own
        return
    match = vocabulary.match_label(pair.label, pair.section) or vocabulary.match_perpetrator(pair.label, pair.heading)
    if match is None:
        if not _collect_loose_option(out, pair, vocabulary, filename):
            out.keep(pair, filename)
        return
    if match.unclear:
        out.keep(pair, filename, f"Not read into {match.spec.name}: the question can be read either way round.")
        return
    values = read_answer(match.spec, pair.answer, vocabulary, out, reverse=match.reversed)
    if not values:
        if _collect_loose_option(out, pair, vocabulary, filename):
            return
        if answer_text(pair.answer):
            out.keep(pair, filename, f"Could not be read as {match.spec.name}.")
        else:
            if pair.label not in out.unanswered:
                out.unanswered.append(pair.label)
            out.unanswered_fields.append(match.spec.name)
        return
    for name, value in values.items():
        out.put(Field(name, value, source, round(pair.confidence * match.score, 3), pair.label))


def _infer_death(out: Collected) -> None:
    """A date of death written where no one ticked "has the person died": the person has died."""
    death = out.fields.get("event.date_of_death")
    if death is not None and "event.is_deceased" not in out.fields:
        out.put(Field("event.is_deceased", True, death.source, round(death.confidence * 0.9, 3), death.label,
                      inferred=True))


def _collect_statements(out: Collected, pair: Pair, vocabulary: Vocabulary, source: str) -> bool:
    """Ticked review criteria ("☒ the adult has died"), each of which may answer several fields."""
    if pair.section is Section.OTHER:
        return False
    ticked = [c.label for c in pair.answer.choices if c.ticked and len(c.label.split()) >= 3]
    lone = [c for c in pair.answer.choices if not c.label]
    if len(lone) == 1 and lone[0].ticked and len(pair.answer.choices) == 1:
        ticked.append(pair.label)  # the criterion printed as the question, its box beside it
    found = False
    for text in ticked:
        stated = _without_disjunction(vocabulary.match_statement(text), text)
        for name, code in stated:
            value: FieldValue = code == "yes" if name == "event.is_deceased" else code
            out.put(Field(name, value, source, round(pair.confidence * 0.85, 3), text))
            found = True
    return found


def _without_disjunction(stated: tuple[tuple[str, str], ...], text: str) -> tuple[tuple[str, str], ...]:
    """ "The child has died or has been seriously harmed" states neither on its own."""
    names = {n for n, _ in stated}
    if {"event.is_deceased", "event.seriously_harmed"} <= names and re.search(r"(?i)\bor\b", text):
        return tuple((n, c) for n, c in stated if n not in ("event.is_deceased", "event.seriously_harmed"))
    return stated


def answer_text(answer: Answer) -> str:
    """An answer as words: what was written, or the options ticked."""
    ticked = [c.label or "ticked" for c in answer.choices if c.ticked]
    return "; ".join(x for x in (" ".join(answer.text.split()), *ticked) if x)


def _collect_loose_option(out: Collected, pair: Pair, vocabulary: Vocabulary, filename: str) -> bool:
    """A ticked abuse type printed without its question ("☒ Neglect" in a list of its own)."""
    choices = tuple(Choice(c.label or pair.label, c.ticked) for c in pair.answer.choices)
    codes = _ticked_codes(Answer(pair.answer.text, choices), FieldKind.ABUSE_TYPES, vocabulary)
    if codes:
        out.put(Field("event.abuse_types", tuple(codes), f"{filename}: {pair.source}",
                      round(pair.confidence * 0.8, 3), pair.label))
    return bool(codes)


def _ticked_codes(answer: Answer, kind: FieldKind, vocabulary: Vocabulary) -> list[str]:
    codes = []
    for choice in answer.choices:
        code = vocabulary.match_choice(kind, choice.label) if choice.ticked else None
        if code is not None and code not in codes:
            codes.append(code)
    return codes


def read_answer(
    spec: FieldSpec, answer: Answer, vocabulary: Vocabulary, out: Collected, *, reverse: bool = False
) -> dict[str, FieldValue]:
    """The canonical value(s) one answer gives, by the field's kind; {} when it says nothing.

    ``reverse``: the question was asked the other way round, so a yes means no (and no means yes).
    """
    values = _read_answer(spec, answer, vocabulary, out)
    return {n: _reversed(v) for n, v in values.items()} if reverse else values


def _reversed(value: FieldValue) -> FieldValue:
    if isinstance(value, bool):
        return not value
    return {"yes": "no", "no": "yes"}.get(value, value) if isinstance(value, str) else value


def _read_answer(spec: FieldSpec, answer: Answer, vocabulary: Vocabulary, out: Collected) -> dict[str, FieldValue]:
    kind = spec.kind
    if kind is FieldKind.COMBINED:
        return _read_combined(spec, answer, vocabulary, out)
    if answer.choices:
        return _read_choices(spec, answer, vocabulary)
    text = " ".join(answer.text.split())
    if not text or re.fullmatch(r"(?i)n/?a|-+|\.+|_+|click or tap here to enter text\.?", text):
        return {}
    if kind in (FieldKind.YES_BOOL, _YES_NO, FieldKind.ABUSE_OR_NEGLECT, FieldKind.PERPETRATOR, FieldKind.SEX):
        code = _coded(kind, text, vocabulary)
        return _coded_field(spec.name, kind, code) if code is not None else {}
    if kind is FieldKind.ABUSE_TYPES:
        parts = re.split(r"[,;/\n]|\band\b(?! acts)", text)
        codes = [c for p in [text, *parts] if (c := vocabulary.match_choice(kind, p)) is not None]
        return {spec.name: tuple(dict.fromkeys(codes))} if codes else {}
    return _read_text(spec, text, out)


_TYPED = (FieldKind.EMAIL, FieldKind.PHONE, FieldKind.DATE, FieldKind.DATE_OF_BIRTH, FieldKind.POSTCODE,
          FieldKind.NHS_NUMBER)


def _read_combined(spec: FieldSpec, answer: Answer, vocabulary: Vocabulary, out: Collected) -> dict[str, FieldValue]:
    """ "Name and role of referrer: Jane Smith, Social Worker": one written part per field, in order; a part
    that cannot be told apart goes whole to the first field, and typed fields (email, phone) find their own."""
    text = answer.text.strip()
    pieces = [p for p in re.split(r"\s*(?:\n|,|;| - | – | / )\s*", text, maxsplit=len(spec.parts) - 1) if p]
    values: dict[str, FieldValue] = {}
    for i, part in enumerate(spec.parts):
        if len(pieces) == len(spec.parts):
            piece = pieces[i]
        elif part.kind in _TYPED or i == 0:
            piece = text
        else:
            continue
        values.update(_read_answer(part, Answer(piece), vocabulary, out))
    return values


def _coded(kind: FieldKind, text: str, vocabulary: Vocabulary) -> str | None:
    """A code from typed text: the whole answer, else its first words ("Yes - on 3 March")."""
    lookup = kind if kind is not FieldKind.YES_BOOL else _YES_NO
    code = vocabulary.match_choice(lookup, text) or vocabulary.match_choice(kind, text)
    if code is None:
        words = re.split(r"[\s,.;:\-]+", text.strip())
        for n in (2, 1):
            code = code or vocabulary.match_choice(lookup, " ".join(words[:n]))
    return code


def _read_choices(spec: FieldSpec, answer: Answer, vocabulary: Vocabulary) -> dict[str, FieldValue]:
    kind = spec.kind
    if kind is FieldKind.ABUSE_TYPES:
        codes = _ticked_codes(answer, kind, vocabulary)
        return {spec.name: tuple(codes)} if codes else {}
    ticked = [c for c in answer.choices if c.ticked]
    if not ticked:
        return {}
    if len(answer.choices) == 1 and not ticked[0].label and kind in (FieldKind.YES_BOOL, _YES_NO):
        return _coded_field(spec.name, kind, "yes")  # a lone box beside the question, ticked
    lookup = _YES_NO if kind is FieldKind.YES_BOOL else kind
    found = {c for t in ticked if (c := vocabulary.match_choice(lookup, t.label) or
                                   vocabulary.match_choice(kind, t.label)) is not None}
    if len(found) != 1:
        return {}  # two contradictory ticks say nothing certain
    return _coded_field(spec.name, kind, found.pop())


def _coded_field(name: str, kind: FieldKind, code: str) -> dict[str, FieldValue]:
    """The field a code gives; "unknown" for a true/false field says nothing, so gives no field."""
    if kind is FieldKind.YES_BOOL:
        flag = {"yes": True, "no": False}.get(code)
        return {name: flag} if flag is not None else {}
    return {name: code}


def _read_text(spec: FieldSpec, text: str, out: Collected) -> dict[str, FieldValue]:
    kind, name = spec.kind, spec.name
    if kind is FieldKind.FULL_NAME:
        split = norm.split_name(text)
        return {"subject.forenames": split[0], "subject.surname": split[1]} if split and split[0] else (
            {"subject.surname": split[1]} if split else {})
    if kind is FieldKind.DATE_OF_BIRTH:
        return _read_birth(text, out, spec)
    if kind is FieldKind.DATE:
        return _checked(name, norm.parse_date(text), out, spec)
    if kind is FieldKind.AGE:
        return _checked(name, norm.parse_age(text), out, spec)
    if kind is FieldKind.NHS_NUMBER:
        digits = norm.nhs_digits(text)
        if digits and not norm.nhs_number_valid(digits):
            out.flags.add(Flag.INVALID_NHS_NUMBER)
        return _checked(name, digits, out, spec)
    if kind is FieldKind.POSTCODE:
        return _checked(name, norm.parse_postcode(text), out, spec)
    if kind is FieldKind.EMAIL:
        return _checked(name, norm.parse_email(text.replace(" ", "")), out, spec)  # wrapped in a narrow cell
    if kind is FieldKind.PHONE:
        return _checked(name, norm.parse_phone(text), out, spec)
    values: dict[str, FieldValue] = {name: text if kind is not FieldKind.FORENAMES else text.strip()}
    if name == "subject.address" and (postcode := norm.parse_postcode(text)):
        values["subject.postcode"] = postcode
    return values


def _read_birth(text: str, out: Collected, spec: FieldSpec) -> dict[str, FieldValue]:
    """ "DoB or EDD" / "Date of birth or age": a date of birth, an expected delivery date, or an age."""
    day = norm.parse_date(text)
    if day and norm.is_edd(text):
        return {"subject.expected_delivery_date": day}
    if day:
        return {"subject.date_of_birth": day}
    age = norm.parse_age(text)
    if age is not None:
        return {"subject.age": age}
    if not re.search(r"(?i)unknown|not known", text):
        out.warnings.append(f"{spec.name}: the answer is not a date or an age we can read")
    return {}


def _checked(name: str, value: FieldValue | None, out: Collected, spec: FieldSpec) -> dict[str, FieldValue]:
    if value is None:
        out.warnings.append(f"{spec.name}: the answer is not a value of the expected kind")
        return {}
    return {name: value}

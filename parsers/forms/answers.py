"""Turning label/answer pairs into canonical fields: questions to values, normalised, with provenance."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from parsers.forms import normalise as norm
from parsers.forms.document import Answer, Choice, Pair
from parsers.forms.vocabulary import FieldKind, FieldSpec, Vocabulary
from parsers.values import Field, FieldValue, Flag

_YES_NO = FieldKind.YES_NO_UNKNOWN


@dataclass
class Collected:
    """Fields read so far (best confidence wins), with the flags, warnings and blank questions met."""

    fields: dict[str, Field] = field(default_factory=dict)
    flags: set[Flag] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

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
        match = vocabulary.match_label(pair.label, pair.section)
        if match is None:
            _collect_loose_option(out, pair, vocabulary, filename)
            continue
        source = f"{filename}: {pair.source}"
        values = read_answer(match.spec, pair.answer, vocabulary, out)
        if not values:
            if pair.label not in out.unanswered:
                out.unanswered.append(pair.label)
            continue
        for name, value in values.items():
            out.put(Field(name, value, source, round(pair.confidence * match.score, 3), pair.label))
    # A question asked twice (a box per option, a label repeated) counts as answered if any copy was.
    answered = {f.label for f in out.fields.values()}
    out.unanswered = [u for u in out.unanswered if u not in answered]
    return out


def _collect_loose_option(out: Collected, pair: Pair, vocabulary: Vocabulary, filename: str) -> None:
    """A ticked abuse type printed without its question ("☒ Neglect" in a list of its own)."""
    choices = tuple(Choice(c.label or pair.label, c.ticked) for c in pair.answer.choices)
    codes = _ticked_codes(Answer(pair.answer.text, choices), FieldKind.ABUSE_TYPES, vocabulary)
    if codes:
        out.put(Field("event.abuse_types", tuple(codes), f"{filename}: {pair.source}",
                      round(pair.confidence * 0.8, 3), pair.label))


def _ticked_codes(answer: Answer, kind: FieldKind, vocabulary: Vocabulary) -> list[str]:
    codes = []
    for choice in answer.choices:
        code = vocabulary.match_choice(kind, choice.label) if choice.ticked else None
        if code is not None and code not in codes:
            codes.append(code)
    return codes


def read_answer(spec: FieldSpec, answer: Answer, vocabulary: Vocabulary, out: Collected) -> dict[str, FieldValue]:
    """The canonical value(s) one answer gives, by the field's kind; {} when it says nothing."""
    kind = spec.kind
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
        return _checked(name, norm.parse_email(text), out, spec)
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

"""Questions staff have mapped to a field, applied to a form as data: the service learns the forms it receives.

A learned mapping is (question key, canonical field name); the key is the question normalised as the
vocabulary normalises labels, so "Date of incident (if known):" and "date of incident" are one question.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from parsers.forms.answers import Collected, read_answer
from parsers.forms.document import Answer
from parsers.forms.vocabulary import FieldSpec, Vocabulary, normalise_label
from parsers.values import ExtractedForm, Field, FieldValue

LEARNED_CONFIDENCE = 0.9


def question_key(question: str) -> str:
    """The key a mapping is stored under."""
    return normalise_label(question)


def mappable_fields(vocabulary: Vocabulary) -> list[str]:
    """Every canonical field a question may be mapped to, sorted."""
    return sorted({spec.name for spec in vocabulary.fields.values()})


def spec_named(vocabulary: Vocabulary, name: str) -> FieldSpec | None:
    """The field's spec (how its answer is read), or None for a name the vocabulary does not know."""
    return next((s for s in vocabulary.fields.values() if s.name == name), None)


def read_as(vocabulary: Vocabulary, name: str, answer: str) -> dict[str, FieldValue]:
    """The value(s) a written answer gives when read as field ``name``; {} when it cannot be read so."""
    spec = spec_named(vocabulary, name)
    if spec is None:
        return {}
    return read_answer(spec, Answer(answer), vocabulary, Collected())


def apply_learned(form: ExtractedForm, learned: Mapping[str, str], vocabulary: Vocabulary) -> ExtractedForm:
    """The form with every kept answer whose question staff have mapped read into its field.

    A field the form already states keeps its value; the answer then stays with the other answers.
    """
    if not learned or not form.other_answers:
        return form
    fields = dict(form.fields)
    others = []
    for other in form.other_answers:
        name = learned.get(question_key(other.question))
        values = read_as(vocabulary, name, other.answer) if name else {}
        if not values or any(n in fields for n in values):
            others.append(other)
            continue
        for field_name, value in values.items():
            fields[field_name] = Field(field_name, value, other.source, LEARNED_CONFIDENCE, other.question)
    return dataclasses.replace(form, fields=fields, other_answers=tuple(others))

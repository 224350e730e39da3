"""Assembling, merging and printing ExtractedForm values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from parsers.forms.answers import collect_pairs
from parsers.forms.document import Pair
from parsers.forms.vocabulary import Vocabulary, normalise_label
from parsers.values import ExtractedForm, Field, Flag, FormType


def build_form(
    filename: str,
    pairs: Sequence[Pair],
    titles: Iterable[str],
    vocabulary: Vocabulary,
    *,
    flags: Iterable[Flag] = (),
    warnings: Iterable[str] = (),
) -> ExtractedForm:
    """An ExtractedForm from the pairs and title lines a reader found."""
    collected = collect_pairs(pairs, vocabulary, filename)
    form_type = detect_form_type(titles, pairs, collected.fields, vocabulary)
    return ExtractedForm(
        filename=filename,
        form_type=form_type,
        fields=collected.fields,
        flags=frozenset((*flags, *collected.flags)),
        warnings=(*warnings, *collected.warnings),
        unanswered=tuple(collected.unanswered),
    )


def detect_form_type(
    titles: Iterable[str], pairs: Sequence[Pair], fields: dict[str, Field], vocabulary: Vocabulary
) -> FormType:
    """The form type from its title, else from the questions it asks (adult or child)."""
    for title in titles:
        found = vocabulary.match_form_type(title)
        if found:
            return FormType(found)
    if any(n.startswith("adult.") for n in fields):
        return FormType.SAR_REFERRAL
    if any(n.startswith("child.") for n in fields):
        return FormType.CHILD_REFERRAL
    words = " ".join(normalise_label(p.label) for p in pairs).split()
    adult, child = words.count("adult") + words.count("adults"), words.count("child") + words.count("childs")
    if adult > child:
        return FormType.SAR_REFERRAL
    if child > adult:
        return FormType.CHILD_REFERRAL
    return FormType.UNKNOWN


def flagged_form(filename: str, flag: Flag, warning: str) -> ExtractedForm:
    """A form that could not be read, carrying the flag staff must see and why."""
    return ExtractedForm(filename, FormType.UNKNOWN, {}, frozenset({flag}), (warning,))


def merge_forms(forms: Sequence[ExtractedForm]) -> ExtractedForm:
    """One form from several attachments of a message: best confidence per field, flags joined."""
    if not forms:
        return ExtractedForm("", FormType.UNKNOWN, {}, frozenset({Flag.NO_FORM}))
    fields: dict[str, Field] = {}
    for form in forms:
        for name, fld in form.fields.items():
            if name not in fields or fld.confidence > fields[name].confidence:
                fields[name] = fld
    answered = {f.label for f in fields.values()}
    unanswered = [u for f in forms for u in f.unanswered if u not in answered]
    return ExtractedForm(
        filename=", ".join(dict.fromkeys(f.filename for f in forms)),
        form_type=next((f.form_type for f in forms if f.form_type is not FormType.UNKNOWN), FormType.UNKNOWN),
        fields=fields,
        flags=frozenset().union(*(f.flags for f in forms)),
        warnings=tuple(dict.fromkeys(w for f in forms for w in f.warnings)),
        unanswered=tuple(dict.fromkeys(unanswered)),
    )


def form_to_dict(form: ExtractedForm) -> dict[str, Any]:
    """The form as JSON-ready data (what `service.py extract FILE` prints)."""
    return {
        "filename": form.filename,
        "form_type": form.form_type.value,
        "fields": {
            name: {
                "value": list(f.value) if isinstance(f.value, tuple) else f.value,
                "source": f.source,
                "confidence": f.confidence,
                "label": f.label,
                "inferred": f.inferred,
            }
            for name, f in sorted(form.fields.items())
        },
        "flags": sorted(flag.value for flag in form.flags),
        "warnings": list(form.warnings),
        "unanswered": list(form.unanswered),
    }

"""Assembling, merging and printing ExtractedForm values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from parsers.forms.answers import collect_pairs
from parsers.forms.document import Pair
from parsers.forms.vocabulary import Vocabulary, normalise_label
from parsers.values import ExtractedForm, Field, Flag, FormType, OtherAnswer, Person


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
    titles = list(titles)
    form_type = detect_form_type(titles, pairs, collected.fields, vocabulary)
    extra: set[Flag] = set()
    if not any(vocabulary.match_form_type(t) for t in titles):
        what = next((w for t in titles if (w := vocabulary.match_not_referral(t))), None)
        if what is not None:
            # Not a review referral (an s42 concern form sent by mistake): read it all the same, say what it is.
            form_type, extra = FormType.UNKNOWN, {Flag(what)}
    return ExtractedForm(
        filename=filename,
        form_type=form_type,
        fields=collected.fields,
        flags=frozenset((*flags, *collected.flags, *extra)),
        warnings=(*warnings, *collected.warnings),
        unanswered=tuple(collected.unanswered),
        unanswered_fields=tuple(collected.unanswered_fields),
        other_answers=tuple(collected.others),
        people=group_people(collected.people),
    )


def group_people(answers: Iterable[tuple[str, OtherAnswer]]) -> tuple[Person, ...]:
    """Answers about other people, one record per person: a new one at a new heading, or when a question
    comes round again ("Name" for the second family member)."""
    people: list[tuple[str, list[OtherAnswer]]] = []
    for heading, answer in answers:
        current = people[-1] if people else None
        if current is None or current[0] != heading or any(a.question == answer.question for a in current[1]):
            people.append((heading, [answer]))
        else:
            current[1].append(answer)
    return tuple(Person(heading, tuple(found)) for heading, found in people)


def detect_form_type(
    titles: Iterable[str], pairs: Sequence[Pair], fields: dict[str, Field], vocabulary: Vocabulary
) -> FormType:
    """The form type from its title, else from the questions it asks (adult or child)."""
    named = {found for title in titles if (found := vocabulary.match_form_type(title))}
    if len(named) == 1:
        return FormType(named.pop())
    # No title, or a joint panel's form naming adult and child reviews alike: the person's age decides.
    by_age = _type_by_age(fields)
    if by_age is not None:
        return by_age
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


def _type_by_age(fields: dict[str, Field]) -> FormType | None:
    """Adult or child by the age at the event (death, incident, else the form's own date)."""
    age = fields.get("subject.age")
    born = fields.get("subject.date_of_birth")
    on = next((fields[n].value for n in ("event.date_of_death", "event.date_of_incident", "event.date_referred")
               if n in fields), None)
    years: int | None = age.value if age is not None and isinstance(age.value, int) else None
    if born is not None and isinstance(on, str):
        b, d = date.fromisoformat(str(born.value)), date.fromisoformat(on)
        years = d.year - b.year - ((d.month, d.day) < (b.month, b.day))
    if years is None:
        return None
    return FormType.SAR_REFERRAL if years >= 18 else FormType.CHILD_REFERRAL


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
        other_answers=tuple(a for f in forms for a in f.other_answers),
        people=tuple(p for f in forms for p in f.people),
        unanswered_fields=tuple(dict.fromkeys(n for f in forms for n in f.unanswered_fields if n not in fields)),
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
        "other_answers": [_other(a) for a in form.other_answers],
        "people": [{"section": p.section, "answers": [_other(a) for a in p.answers]} for p in form.people],
    }


def _other(answer: OtherAnswer) -> dict[str, str]:
    return {"question": answer.question, "answer": answer.answer, "source": answer.source,
            "section": answer.section, "note": answer.note}

"""Reading a person's correction by the field's kind: UK dates to ISO, choices, yes/no, NHS numbers, refusals."""

from __future__ import annotations

import pytest

from intake.web.fieldkinds import CANONICAL, RefusedError, read_value, shown


@pytest.mark.parametrize(("name", "texts", "value"), [
    ("subject.date_of_birth", ["14/06/2008"], "2008-06-14"),
    ("subject.date_of_birth", ["14.6.08"], "2008-06-14"),
    ("subject.date_of_birth", ["14 June 2008"], "2008-06-14"),
    ("event.date_la_aware", ["2026-03-04"], "2026-03-04"),
    ("event.is_deceased", ["yes"], True),
    ("event.is_deceased", ["no"], False),
    ("adult.care_and_support_needs", ["unknown"], "unknown"),
    ("event.abuse_or_neglect", ["Not suspected"], "not_suspected"),
    ("event.abuse_types", ["self_neglect", "physical"], ["physical", "self_neglect"]),
    ("event.abuse_types", ["neglect, Self neglect"], ["neglect", "self_neglect"]),
    ("subject.nhs_number", ["943 476 5919"], "9434765919"),
    ("subject.postcode", ["sl45ub"], "SL4 5UB"),
    ("subject.age", ["87"], 87),
    ("subject.surname", ["  Whitfield  "], "Whitfield"),
])
def test_typed_values_are_normalised(name: str, texts: list[str], value: object) -> None:
    assert read_value(name, texts) == value


@pytest.mark.parametrize(("name", "texts"), [
    ("subject.date_of_birth", ["maybe"]), ("subject.date_of_birth", ["31/02/2008"]),
    ("subject.date_of_birth", ["June 2008"]), ("subject.date_of_birth", ["14/06"]),
    ("event.is_deceased", ["maybe"]), ("adult.autistic", ["perhaps"]), ("event.abuse_types", ["shouting"]),
    ("subject.nhs_number", ["12345"]), ("subject.postcode", ["Windsor"]), ("subject.age", ["about eighty"]),
    ("subject.surname", ["   "]),
])
def test_unreadable_values_are_refused_with_a_message(name: str, texts: list[str]) -> None:
    with pytest.raises(RefusedError) as refused:
        read_value(name, texts)
    assert str(refused.value)


def test_every_canonical_field_has_a_kind_and_values_show_in_uk_form() -> None:
    assert "event.date_la_aware" in CANONICAL and len(CANONICAL) == len(set(CANONICAL))
    assert shown("2008-06-14") == "14/06/2008" and shown(True) == "yes" and shown(["a", "b"]) == "a, b"

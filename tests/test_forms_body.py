"""A referral typed loosely into an email: short labels still become canonical answers."""

from __future__ import annotations

from parsers.forms import extract_body, load_vocabulary
from parsers.values import Flag


def test_short_labels_in_a_typed_referral_are_read() -> None:
    text = ("Please treat this as a SAR referral.\n\nName: Margaret Testperson\nDate of birth: 01/02/1950\n"
            "Date of death: 03/03/2026\nCare and support needs: Yes\nAbuse or neglect: suspected (neglect)\n"
            "Concern about how agencies worked together: Yes\n")
    form = extract_body(text, vocabulary=load_vocabulary())
    values = {name: field.value for name, field in form.fields.items()}
    assert values["event.abuse_or_neglect"] == "suspected"
    assert values["subject.surname"] == "Testperson" and values["subject.date_of_birth"] == "1950-02-01"
    assert values["adult.care_and_support_needs"] == "yes"
    assert Flag.NO_FORM in form.flags

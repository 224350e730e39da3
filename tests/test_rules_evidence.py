"""Suggestions from free text, with the sentence they came from and negation handled."""

from __future__ import annotations

import pytest

from rules.evidence import read_evidence


def suggested(text: str) -> set[tuple[str, object]]:
    return {(s.field, s.value) for s in read_evidence(text)}


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("She was found dead at home by her carer.", "event.is_deceased", True),
        ("Mr Jones passed away in hospital on 3 March.", "event.is_deceased", True),
        ("Mrs A was killed by her husband.", "event.perpetrator_relationship", "intimate_partner"),
        ("He was stabbed by his ex-partner.", "event.perpetrator_relationship", "former_partner"),
        ("She was assaulted by her son.", "event.perpetrator_relationship", "relative"),
        ("The flat showed extensive hoarding.", "event.abuse_types", "self_neglect"),
        ("Health visitors raised neglect.", "event.abuse_types", "neglect"),
        ("Health visitors raised neglect.", "event.abuse_or_neglect", "suspected"),
        ("He nearly died after the fall.", "event.seriously_harmed", "yes"),
        ("She suffered a brain injury.", "event.seriously_harmed", "yes"),
        ("He has a learning disability.", "adult.learning_disability", "yes"),
        ("He is autistic.", "adult.autistic", "yes"),
        ("She lived with foster carers.", "child.looked_after", "yes"),
        ("She had a package of care, four calls a day.", "adult.care_and_support_needs", "yes"),
        ("Neglect cannot be ruled out.", "event.abuse_types", "neglect"),
        ("Her son still lives with her.", "event.current_risk", "yes"),
        ("No concerns were raised, and she died on 3 March.", "event.is_deceased", True),
        ("There were no concerns about neglect but he had bruising to his arms.", "event.abuse_types", "physical"),
    ],
)
def test_a_mention_suggests_an_answer(text: str, field: str, value: object) -> None:
    assert (field, value) in suggested(text)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("There were no concerns about neglect.", "event.abuse_types", "neglect"),
        ("No evidence of neglect or self-neglect was found.", "event.abuse_types", "self_neglect"),
        ("Neglect was ruled out by the paediatrician.", "event.abuse_types", "neglect"),
        ("The allegation of physical abuse was unfounded.", "event.abuse_types", "physical"),
        ("There is no evidence that the child was neglected.", "event.abuse_types", "neglect"),
        ("She denied any financial abuse.", "event.abuse_types", "financial_material"),
        ("He nearly died after the fall.", "event.is_deceased", True),
        ("She did not have a package of care.", "adult.care_and_support_needs", "yes"),
        ("Her injuries were not life-threatening.", "event.seriously_harmed", "yes"),
        ("Her injuries were not life-threatening.", "event.abuse_types", "psychological"),
        ("There were no concerns about neglect.", "event.abuse_or_neglect", "suspected"),
    ],
)
def test_a_negated_mention_does_not_suggest_it(text: str, field: str, value: object) -> None:
    assert (field, value) not in suggested(text)


def test_no_concerns_about_neglect_suggests_abuse_is_not_suspected() -> None:
    assert suggested("There were no concerns about neglect.") == {("event.abuse_or_neglect", "not_suspected")}


def test_a_negation_does_not_reach_past_but() -> None:
    found = suggested("The child was not neglected, but he had bruises on his arms.")
    assert ("event.abuse_types", "physical") in found
    assert ("event.abuse_types", "neglect") not in found
    assert ("event.abuse_or_neglect", "suspected") in found


def test_each_suggestion_carries_its_sentence_and_rule() -> None:
    text = "Mrs B lived alone. She was found dead at home. There was no evidence of neglect."
    died = next(s for s in read_evidence(text) if s.field == "event.is_deceased")
    assert died.sentence == "She was found dead at home."
    assert died.rule == "evidence.died"


def test_empty_text_suggests_nothing() -> None:
    assert read_evidence("") == ()
    assert read_evidence("   \n ") == ()

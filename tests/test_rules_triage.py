"""classify(): behaviour the decision table does not show row by row."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from parsers.values import Field, Flag, FormType
from rules.calendar import WorkingCalendar
from rules.codes import AbuseType
from rules.ruleset import load_ruleset
from rules.triage import classify
from rules.truth import Truth
from rules.values import CsprDecision, SarDecision, Track, Triage

RECEIVED = datetime(2026, 3, 10, 9, 14, tzinfo=UTC)


def fields(**values: object) -> dict[str, Field]:
    return {
        name.replace("__", "."): Field(name=name.replace("__", "."), value=v, source="test", confidence=1.0)  # type: ignore[arg-type]
        for name, v in values.items()
    }


def run(found: dict[str, Field], form_type: FormType = FormType.SAR_REFERRAL, **changes: Any) -> Triage:
    ruleset = dataclasses.replace(load_ruleset(), **changes) if changes else load_ruleset()
    return classify(found, form_type=form_type, received_at=RECEIVED, ruleset=ruleset, calendar=WorkingCalendar())


ALIVE_MODERN_SLAVERY = fields(
    subject__age=40,
    event__is_deceased=False,
    event__abuse_or_neglect="suspected",
    event__abuse_types=("modern_slavery",),
    adult__care_and_support_needs="yes",
    adult__joint_working_concern="yes",
)


def test_local_serious_abuse_types_make_condition_2() -> None:
    assert run(ALIVE_MODERN_SLAVERY).sar is SarDecision.NEEDS_INFORMATION  # seriousness not answered
    local = run(ALIVE_MODERN_SLAVERY, serious_abuse_types=frozenset({AbuseType.MODERN_SLAVERY}))
    assert local.sar is SarDecision.MANDATORY
    assert any("s44(3) condition 2" in r and "local policy" in r for r in local.reasons)


def test_reordering_rules_changes_only_the_order_of_reasons() -> None:
    base = run(ALIVE_MODERN_SLAVERY)
    reordered = run(ALIVE_MODERN_SLAVERY, rule_order=tuple(reversed(load_ruleset().rule_order)))
    assert (base.track, base.cspr, base.sar, set(base.signposts)) == (
        reordered.track, reordered.cspr, reordered.sar, set(reordered.signposts)
    )
    assert set(base.reasons) == set(reordered.reasons)


def test_a_naive_received_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        classify({}, form_type=FormType.UNKNOWN, received_at=datetime(2026, 3, 10), ruleset=load_ruleset(),
                 calendar=WorkingCalendar())


def test_received_at_in_another_zone_is_read_in_london() -> None:
    # 00:30 on 11 March in UTC+02:00 is 22:30 on 10 March in London (GMT).
    late = datetime(2026, 3, 11, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    found = fields(subject__age=5, event__is_deceased=True, event__abuse_or_neglect="known")
    triage = classify(found, form_type=FormType.CHILD_REFERRAL, received_at=late, ruleset=load_ruleset(),
                      calendar=WorkingCalendar())
    assert triage.deadlines.aware_on == RECEIVED.date()


def test_no_fields_at_all_asks_for_the_age_and_decides_nothing() -> None:
    triage = run({}, FormType.UNKNOWN)
    assert (triage.track, triage.cspr, triage.sar) == (Track.UNKNOWN, CsprDecision.NEEDS_INFORMATION,
                                                       SarDecision.NEEDS_INFORMATION)
    assert any("date of birth" in q for q in triage.questions)
    assert triage.flags == frozenset()


def test_an_inferred_field_is_a_suggestion_not_an_answer() -> None:
    found = fields(subject__age=8, event__is_deceased=True)
    found["event.abuse_or_neglect"] = Field("event.abuse_or_neglect", "suspected", "summary", 0.6, inferred=True)
    triage = run(found, FormType.CHILD_REFERRAL)
    assert triage.cspr is CsprDecision.NEEDS_INFORMATION
    assert [(s.field, s.value, s.rule) for s in triage.suggestions] == [
        ("event.abuse_or_neglect", "suspected", "parser.inferred")
    ]


def test_an_unreadable_value_is_noted_and_treated_as_not_stated() -> None:
    triage = run(fields(subject__date_of_birth="01/03/2010", event__abuse_or_neglect="maybe"), FormType.CHILD_REFERRAL)
    assert triage.track is Track.UNKNOWN
    assert any("subject.date_of_birth '01/03/2010' is not an ISO date" in r for r in triage.reasons)
    assert any("event.abuse_or_neglect 'maybe'" in r for r in triage.reasons)


def test_an_age_on_the_birthday_counts_the_new_year() -> None:
    found = fields(subject__date_of_birth="2008-03-10", event__is_deceased=False)
    assert run(found).track is Track.ADULT  # 18 today
    assert run(fields(subject__date_of_birth="2008-03-11")).track is Track.CHILD


def test_care_leaver_over_the_limit_is_not_flagged() -> None:
    found = fields(subject__age=26, child__care_leaver="yes")
    assert Flag.CARE_LEAVER not in run(found).flags
    assert Flag.CARE_LEAVER in run(fields(subject__age=25, child__care_leaver="yes")).flags


def test_every_hit_and_miss_is_recorded() -> None:
    triage = run(ALIVE_MODERN_SLAVERY)
    assert len(triage.hits) == len(load_ruleset().rule_order)
    assert any(h.matched for h in triage.hits) and any(not h.matched for h in triage.hits)


@pytest.mark.parametrize(
    ("left", "right", "both", "either"),
    [
        (Truth.of(True), Truth.unknown("q"), "unknown", "true"),
        (Truth.of(False), Truth.unknown("q"), "false", "unknown"),
        (Truth.unknown("a"), Truth.unknown("b"), "unknown", "unknown"),
        (Truth.of(True), Truth.of(False), "false", "true"),
    ],
)
def test_three_valued_logic(left: Truth, right: Truth, both: str, either: str) -> None:
    assert (left & right).value == both
    assert (left | right).value == either


def test_unknown_answers_carry_their_questions() -> None:
    assert (Truth.unknown("a") & Truth.unknown("b")).questions == ("a", "b")
    assert (~Truth.unknown("a")).questions == ("a",)

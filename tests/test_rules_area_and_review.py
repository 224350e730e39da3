"""rules/area.py (is a place in the partnership's area?) and rules/review.py (the clock after triage)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from rules.area import Placing, area_from_mapping, read_place
from rules.review import ClockStage, ReviewState, StepKind, live_clock, review_state

CONFIG = yaml.safe_load(Path(__file__).parents[1].joinpath("config.yaml").read_text(encoding="utf-8"))
AREA = area_from_mapping(CONFIG["partnership"]["area"])


@pytest.mark.parametrize(("text", "placing"), [
    ("12 Ray Mill Road, Maidenhead SL6 8NJ", Placing.IN_AREA),      # a whole district of the borough
    ("sl4 3db", Placing.IN_AREA),                                   # written in lower case
    ("Sunninghill, SL5 9AB", Placing.IN_AREA),                      # a sector of a shared district
    ("Bracknell RG12 1AA", Placing.ELSEWHERE_IN_ENGLAND),
    ("Slough SL1 2EL", Placing.ELSEWHERE_IN_ENGLAND),              # SL, but Slough's district
    ("Langley SL3 8AA", Placing.ELSEWHERE_IN_ENGLAND),             # the Slough side of SL3
    ("Edinburgh EH1 1AA", Placing.OUTSIDE_ENGLAND),
    ("on holiday in Wales", Placing.OUTSIDE_ENGLAND),
    ("the family home in Cookham", Placing.IN_AREA),
    ("a flat in Leeds", Placing.UNKNOWN),                           # not ours by name, and no postcode: ask
    ("", Placing.UNKNOWN),
])
def test_a_place_is_read_against_the_configured_area(text: str, placing: Placing) -> None:
    assert read_place(text, AREA).placing is placing


def test_a_town_is_less_certain_than_a_postcode() -> None:
    assert read_place("Windsor", AREA).confidence < read_place("SL4 1AA", AREA).confidence < 1


def test_no_area_configured_asks_about_every_place() -> None:
    assert read_place("SL6 8NJ", area_from_mapping(None)).placing is Placing.UNKNOWN


def test_a_misspelt_area_key_is_named() -> None:
    with pytest.raises(ValueError, match="postcode_distrcts"):
        area_from_mapping({"postcode_distrcts": ["SL4"]})


PANEL, REVIEW = date(2026, 3, 17), date(2026, 3, 31)


@pytest.mark.parametrize(("steps", "stage", "due", "state"), [
    ((), ClockStage.PANEL_NOTIFICATION, PANEL, None),
    ((StepKind.PANEL_NOTIFIED,), ClockStage.RAPID_REVIEW, REVIEW, ReviewState.IN_REVIEW),
    ((StepKind.PANEL_NOTIFIED, StepKind.RAPID_REVIEW_HELD), ClockStage.RAPID_REVIEW, REVIEW, ReviewState.IN_REVIEW),
    ((StepKind.PANEL_NOTIFIED, StepKind.RAPID_REVIEW_REPORT_SENT), ClockStage.NONE, None, ReviewState.CLOSED),
    ((StepKind.WITHDRAWN,), ClockStage.NONE, None, ReviewState.WITHDRAWN),
    ((StepKind.TRANSFERRED,), ClockStage.NONE, None, ReviewState.TRANSFERRED),
    ((StepKind.ROUTED_ELSEWHERE,), ClockStage.NONE, None, ReviewState.ROUTED_ELSEWHERE),
])
def test_the_clock_runs_until_the_step_that_stops_it(steps, stage, due, state) -> None:
    clock = live_clock(panel_due=PANEL, review_due=REVIEW, steps=set(steps))
    assert (clock.stage, clock.due, review_state(set(steps))) == (stage, due, state)


def test_an_adult_case_closes_when_the_referrer_is_told_of_the_chairs_decision() -> None:
    assert review_state({StepKind.SAR_DECIDED}) is ReviewState.DECIDED
    assert review_state({StepKind.SAR_DECIDED, StepKind.REFERRER_TOLD}) is ReviewState.CLOSED
    assert live_clock(panel_due=None, review_due=None, steps=set()).stage is ClockStage.NONE

"""The decision table (tests/decision_table.yaml): one row per kind of case, each row one test."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from parsers.values import FormType
from rules.area import area_from_mapping
from rules.calendar import WorkingCalendar
from rules.catalogue import RULE_NAMES
from rules.explain import to_fields
from rules.ruleset import load_ruleset
from rules.triage import classify
from rules.values import CsprDecision, SarDecision, Signpost, Triage

TABLE = yaml.safe_load(Path(__file__).with_name("decision_table.yaml").read_text(encoding="utf-8"))
DEFAULT_RECEIVED = "2026-03-10T09:14:00+00:00"
# The area as config.yaml configures it (partnership.area), so that place rows read real postcodes and towns.
_CONFIG = yaml.safe_load(Path(__file__).parents[1].joinpath("config.yaml").read_text(encoding="utf-8"))
RULESET = dataclasses.replace(load_ruleset(), area=area_from_mapping(_CONFIG["partnership"]["area"]))
CALENDAR = WorkingCalendar()


def classify_row(row: dict[str, Any]) -> Triage:
    return classify(
        to_fields(row["fields"]),
        form_type=FormType(row.get("form_type", "unknown")),
        received_at=datetime.fromisoformat(row.get("received_at", DEFAULT_RECEIVED)),
        ruleset=RULESET,
        calendar=CALENDAR,
    )


@pytest.mark.parametrize("row", TABLE, ids=[row["case"] for row in TABLE])
def test_decision_table_row(row: dict[str, Any]) -> None:
    expect = row["expect"]
    triage = classify_row(row)
    assert (triage.track.value, triage.cspr.value, triage.sar.value) == (expect["track"], expect["cspr"], expect["sar"])
    assert {s.value for s in triage.signposts} == set(expect.get("signposts", []))
    assert {f.value for f in triage.flags} == set(expect.get("flags", []))
    panel, review = expect.get("deadlines", [None, None])
    assert triage.deadlines.panel_notification == (date.fromisoformat(panel) if panel else None)
    assert triage.deadlines.rapid_review == (date.fromisoformat(review) if review else None)
    assert (triage.deadlines.estimated_from_receipt or bool(triage.provisional_deadlines
            and triage.provisional_deadlines.estimated_from_receipt)) is expect.get("estimated", False)
    provisional = triage.provisional_deadlines
    got = [provisional.panel_notification.isoformat(), provisional.rapid_review.isoformat()] if provisional and \
        provisional.panel_notification and provisional.rapid_review else None
    assert got == expect.get("provisional"), got
    if "first_question" in expect:
        assert triage.questions and expect["first_question"] in triage.questions[0], triage.questions
    for text in expect.get("no_reason", []):
        assert not any(text in reason for reason in triage.reasons), (text, triage.reasons)
    for text in expect.get("no_question", []):
        assert not any(text in question for question in triage.questions), (text, triage.questions)
    for text in expect.get("reasons", []):
        assert any(text in reason for reason in triage.reasons), (text, triage.reasons)
    for text in expect.get("questions", []):
        assert any(text in question for question in triage.questions), (text, triage.questions)


@pytest.mark.parametrize("row", TABLE, ids=[row["case"] for row in TABLE])
def test_exactly_one_rule_decides_each_family(row: dict[str, Any]) -> None:
    # The rule order is presentation only because each family's conditions exclude each other.
    hits = classify_row(row).hits
    assert [h.rule for h in hits] == list(RULE_NAMES)
    for family in ("cspr_", "sar_"):
        deciding = [h.rule for h in hits if h.matched and h.rule.startswith(family) and h.rule != "cspr_deadlines"]
        assert len(deciding) == 1, deciding


@pytest.mark.parametrize("row", TABLE, ids=[row["case"] for row in TABLE])
def test_a_summary_only_ever_holds_a_decision_back(row: dict[str, Any]) -> None:
    # Free text never decides; where it strongly contradicts a ticked answer, the decision it touches waits
    # (needs_information, flagged `contradiction`) until a person has looked (domain.md).
    with_summary = classify_row(row)
    without = classify_row({**row, "fields": {k: v for k, v in row["fields"].items() if k != "event.summary"}})
    assert with_summary.track == without.track
    if "contradiction" in {f.value for f in with_summary.flags - without.flags}:
        changed = [(a, b) for a, b in ((with_summary.cspr, without.cspr), (with_summary.sar, without.sar)) if a != b]
        assert all(a.value == "needs_information" for a, _ in changed), changed
        return
    assert (with_summary.cspr, with_summary.sar, with_summary.deadlines) == (
        without.cspr, without.sar, without.deadlines)


def test_the_table_covers_every_decision_code() -> None:
    triages = [classify_row(row) for row in TABLE]
    assert {t.cspr for t in triages} == set(CsprDecision)
    assert {t.sar for t in triages} == set(SarDecision)
    assert {s for t in triages for s in t.signposts} == set(Signpost)


def test_no_reason_reads_met_as_a_cspr_being_required() -> None:
    # domain.md: "met" means notify the Panel and hold a rapid review; a local CSPR is the partners' decision.
    for row in TABLE:
        for reason in classify_row(row).reasons:
            assert "CSPR is required" not in reason and "CSPR met" not in reason, (row["case"], reason)

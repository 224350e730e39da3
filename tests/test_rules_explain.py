"""explain(): every rule's verdict for plain JSON fields; triage_to_dict(): the export's shape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rules.calendar import WorkingCalendar
from rules.catalogue import RULE_NAMES
from rules.explain import explain, triage_to_dict
from rules.ruleset import load_ruleset

RECEIVED = datetime(2025, 12, 24, 10, 0, tzinfo=UTC)
CHILD_DEATH = {
    "subject.date_of_birth": "2019-04-04",
    "event.date_of_death": "2025-12-22",
    "event.abuse_or_neglect": "suspected",
    "event.abuse_types": ["neglect"],
}


def run(fields: Mapping[str, Any], form_type: str = "child_referral") -> dict[str, Any]:
    return explain(
        fields, form_type=form_type, received_at=RECEIVED, ruleset=load_ruleset(), calendar=WorkingCalendar()
    )


def test_explain_shows_every_rule_with_its_law_and_verdict() -> None:
    result = run(CHILD_DEATH)
    rules = result["rules"]
    assert [r["name"] for r in rules] == list(RULE_NAMES)
    assert all(set(r) == {"name", "description", "law", "matched", "reason"} for r in rules)
    assert all(r["description"] and r["law"] and r["reason"] for r in rules)
    assert {r["name"] for r in rules if r["matched"]} == {
        "cspr_met", "cspr_deadlines", "sar_not_applicable", "signpost_cdr",
        "duty_holder_child", "ask_other_children",  # the questions that would change or confirm it
    }


def test_explain_reads_both_plain_values_and_value_objects() -> None:
    wrapped = {name: {"value": v, "source": "form.docx: table 1", "confidence": 0.9} for name, v in CHILD_DEATH.items()}
    assert run(wrapped)["triage"] == run(CHILD_DEATH)["triage"]


def test_explain_output_is_json_ready() -> None:
    result = run({**CHILD_DEATH, "event.summary": "She was found dead. No concerns about self-neglect."})
    # Plain JSON types only: a tuple, date or enum would not come back from JSON equal to itself.
    assert json.loads(json.dumps(result)) == result
    assert result["triage"]["track"] == "child"


def test_triage_to_dict_has_the_export_keys_and_the_extras() -> None:
    result = run(CHILD_DEATH)["triage"]
    assert set(result) == {
        "track", "decisions", "reasons", "signposts", "deadlines", "flags",
        "hits", "suggestions", "questions", "deadlines_estimated",
        "ranked_questions", "provisional_deadlines",
    }
    assert result["track"] == "child"
    assert result["decisions"] == {"cspr": "met", "sar": "not_applicable"}
    assert result["deadlines"] == {"panel_notification": "2026-01-05", "rapid_review": "2026-01-19"}
    assert result["deadlines_estimated"] is True
    assert result["flags"] == ["deadline_estimated"]
    assert result["signposts"] == ["cdr"]


def test_deadlines_are_null_when_the_cspr_is_not_met() -> None:
    result = run({**CHILD_DEATH, "event.abuse_or_neglect": "not_suspected"})["triage"]
    assert result["deadlines"] == {"panel_notification": None, "rapid_review": None}
    assert result["deadlines_estimated"] is False


def test_blank_values_in_json_count_as_not_stated() -> None:
    result = run({**CHILD_DEATH, "event.abuse_or_neglect": None, "event.abuse_types": []})["triage"]
    assert result["decisions"]["cspr"] == "needs_information"


def test_triage_to_dict_of_a_default_triage() -> None:
    from rules.values import CsprDecision, SarDecision, Track, Triage

    plain = triage_to_dict(Triage(Track.UNKNOWN, CsprDecision.NEEDS_INFORMATION, SarDecision.NEEDS_INFORMATION))
    assert plain["deadlines"] == {"panel_notification": None, "rapid_review": None}
    assert plain["reasons"] == [] and plain["flags"] == [] and plain["signposts"] == []

"""The ruleset YAML: the shipped file loads, and every kind of mistake stops start-up naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.catalogue import RULE_NAMES
from rules.codes import AbuseType
from rules.policy import DEFAULT_RULE_ORDER, Ruleset, Thresholds
from rules.ruleset import DEFAULT_PATH, RulesetError, load_ruleset


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def shipped() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_the_shipped_ruleset_loads_with_the_statutory_defaults() -> None:
    ruleset = load_ruleset()
    assert ruleset.thresholds == Thresholds()
    assert ruleset.rule_order == RULE_NAMES
    assert ruleset.local_authority.name == "Royal Borough of Windsor and Maidenhead"
    assert "E06000040" in ruleset.local_authority.codes
    assert ruleset.timezone == "Europe/London"
    assert ruleset.serious_abuse_types == frozenset()


def test_every_setting_in_the_shipped_file_is_commented() -> None:
    lines = DEFAULT_PATH.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line and not line.startswith("#") and ":" in line and not line.startswith(" "):
            assert lines[number - 1].startswith("#") or "#" in line, line


def test_a_local_addition_to_serious_abuse_is_read(tmp_path: Path) -> None:
    data = {**shipped(), "serious_abuse_types": ["modern_slavery"]}
    assert load_ruleset(write(tmp_path, data)).serious_abuse_types == {AbuseType.MODERN_SLAVERY}


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"rule_order": [*RULE_NAMES, "cspr_maybe"]}, "rule_order: unknown rule"),
        ({"rule_order": list(RULE_NAMES[1:])}, "rule_order: missing rule(s): signpost_live_concern"),
        ({"rule_order": [*RULE_NAMES, "cspr_met"]}, "rule_order: listed more than once: cspr_met"),
        ({"rule_order": "cspr_met"}, "rule_order: must be a list"),
        ({"thresholds": {"age_of_majority": "eighteen"}}, "thresholds.age_of_majority"),
        ({"thresholds": {"age_of_majority": 18, "transition_max_age": 18}}, "thresholds.transition_max_age"),
        ({"thresholds": {"care_leaver_max_age": 17}}, "thresholds.care_leaver_max_age"),
        ({"thresholds": {"dardr_age": 16}}, "thresholds: unknown key(s): dardr_age"),
        ({"serious_abuse_types": ["slavery"]}, "serious_abuse_types: unknown code(s): slavery"),
        ({"local_authority": {"codes": ["E06000040"]}}, "local_authority.name"),
        ({"local_authority": {"name": "RBWM", "codes": "E06000040"}}, "local_authority.codes"),
        ({"timezone": "Europe/Windsor"}, "timezone"),
        ({"version": 2}, "version"),
        ({"rule_ordre": list(RULE_NAMES)}, "unknown key(s): rule_ordre"),
    ],
)
def test_a_mistake_names_the_key(tmp_path: Path, change: dict[str, Any], key: str) -> None:
    with pytest.raises(RulesetError) as caught:
        load_ruleset(write(tmp_path, {**shipped(), **change}))
    assert key in str(caught.value)


def test_an_unreadable_file_is_a_ruleset_error(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match="cannot read"):
        load_ruleset(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rule_order: [", encoding="utf-8")
    with pytest.raises(RulesetError, match="cannot read"):
        load_ruleset(bad)


def test_a_ruleset_built_in_code_has_the_same_defaults() -> None:
    assert Ruleset().rule_order == load_ruleset().rule_order


def test_the_default_rule_order_names_every_rule_of_the_catalogue_in_its_order() -> None:
    # policy.py lists names only (so that it imports no rule); this keeps it in step with the catalogue.
    assert DEFAULT_RULE_ORDER == RULE_NAMES

"""The partnership's ruleset: rule order, local thresholds and local additions, read from YAML at start-up.

The values themselves (Ruleset, Thresholds, LocalAuthority) live in rules/policy.py; this module reads and
checks them, against the catalogue of rules for the rule order.

Everything is validated when loaded so that a typo stops the service with a message naming the key, instead of
quietly changing a recommendation later. The default file is rules/rules.yaml beside this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from rules.catalogue import RULE_NAMES
from rules.codes import AbuseType
from rules.policy import LocalAuthority, Ruleset, Thresholds

DEFAULT_PATH = Path(__file__).with_name("rules.yaml")


class RulesetError(ValueError):
    """The ruleset file is missing, unreadable or invalid; the message names the key."""


_TOP_KEYS = {"version", "timezone", "local_authority", "thresholds", "serious_abuse_types", "rule_order"}


def load_ruleset(path: Path | None = None) -> Ruleset:
    """Read and validate the ruleset YAML (default rules/rules.yaml); raise RulesetError naming the bad key."""
    source = path or DEFAULT_PATH
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesetError(f"{source}: cannot read the ruleset: {exc}") from exc
    if not isinstance(data, Mapping):
        raise RulesetError(f"{source}: the ruleset must be a mapping of settings")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise RulesetError(f"{source}: unknown key(s): {', '.join(map(str, unknown))}")
    if data.get("version") != 1:
        raise RulesetError(f"{source}: version: must be 1")
    return Ruleset(
        rule_order=_rule_order(data.get("rule_order"), source),
        thresholds=_thresholds(data.get("thresholds", {}), source),
        local_authority=_local_authority(data.get("local_authority"), source),
        serious_abuse_types=_abuse_types(data.get("serious_abuse_types", []), source),
        timezone=_timezone(data.get("timezone", "Europe/London"), source),
        source=str(source),
    )


def _rule_order(value: Any, source: Path) -> tuple[str, ...]:
    """Every rule exactly once: a rule left out would silently drop a statutory test."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesetError(f"{source}: rule_order: must be a list of rule names")
    unknown = [v for v in value if v not in RULE_NAMES]
    if unknown:
        raise RulesetError(f"{source}: rule_order: unknown rule(s): {', '.join(unknown)}")
    repeated = sorted({v for v in value if value.count(v) > 1})
    if repeated:
        raise RulesetError(f"{source}: rule_order: listed more than once: {', '.join(repeated)}")
    missing = [n for n in RULE_NAMES if n not in value]
    if missing:
        raise RulesetError(f"{source}: rule_order: missing rule(s): {', '.join(missing)}")
    return tuple(value)


def _thresholds(value: Any, source: Path) -> Thresholds:
    """Whole-number settings, each checked, then checked against each other."""
    if not isinstance(value, Mapping):
        raise RulesetError(f"{source}: thresholds: must be a mapping")
    known = Thresholds.__dataclass_fields__
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise RulesetError(f"{source}: thresholds: unknown key(s): {', '.join(map(str, unknown))}")
    for key, number in value.items():
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise RulesetError(f"{source}: thresholds.{key}: must be a whole number, 0 or more")
    result = Thresholds(**value)
    if not result.transition_min_age <= result.transition_max_age < result.age_of_majority:
        raise RulesetError(
            f"{source}: thresholds.transition_max_age: need transition_min_age <= transition_max_age < age_of_majority"
        )
    if result.care_leaver_max_age < result.age_of_majority:
        raise RulesetError(f"{source}: thresholds.care_leaver_max_age: must be at least age_of_majority")
    return result


def _local_authority(value: Any, source: Path) -> LocalAuthority:
    """The council's name (shown in reasons) and its codes (ONS GSS, legacy ONS, DfE)."""
    if not isinstance(value, Mapping):
        raise RulesetError(f"{source}: local_authority: must be a mapping with name and codes")
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RulesetError(f"{source}: local_authority.name: must be a non-empty string")
    codes = value.get("codes", [])
    if not isinstance(codes, list) or not all(isinstance(c, str | int) and str(c).strip() for c in codes):
        raise RulesetError(f"{source}: local_authority.codes: must be a list of codes")
    unknown = sorted(set(value) - {"name", "codes"})
    if unknown:
        raise RulesetError(f"{source}: local_authority: unknown key(s): {', '.join(map(str, unknown))}")
    return LocalAuthority(name=name.strip(), codes=tuple(str(c).strip() for c in codes))


def _abuse_types(value: Any, source: Path) -> frozenset[AbuseType]:
    """Codes from interfaces.md `event.abuse_types` only, so that a misspelt code is caught now."""
    if not isinstance(value, list):
        raise RulesetError(f"{source}: serious_abuse_types: must be a list of abuse type codes")
    allowed = {t.value for t in AbuseType}
    wrong = [str(v) for v in value if v not in allowed]
    if wrong:
        listed = ", ".join(sorted(allowed))
        raise RulesetError(f"{source}: serious_abuse_types: unknown code(s): {', '.join(wrong)} (allowed: {listed})")
    return frozenset(AbuseType(v) for v in value)


def _timezone(value: Any, source: Path) -> str:
    """An IANA zone name; "date received" is the date in this zone."""
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RulesetError(f"{source}: timezone: unknown time zone {value!r}") from exc
    return str(value)

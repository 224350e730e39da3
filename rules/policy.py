"""The partnership's policy as the rules read it: thresholds, the local authority and the order rules run in.

Plain frozen values with no imports from the rules themselves, so that the facts object (rules/case.py) can carry
its policy, the rules can read it, and the catalogue can list the rules without any of them importing each other
in a circle. Reading and validating the YAML file is rules/ruleset.py's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rules.area import Area
from rules.codes import AbuseType

# The order rules run in and their verdicts are shown when rules.yaml does not say otherwise. Names only: the
# catalogue (rules/catalogue.py) maps them to rules, and a test keeps the two lists the same.
DEFAULT_RULE_ORDER: tuple[str, ...] = (
    "signpost_live_concern",
    "contradiction",
    "track_mismatch",
    "transition_case",
    "age_uncertain",
    "care_leaver",
    "cspr_not_applicable",
    "cspr_met",
    "cspr_not_met",
    "cspr_needs_information",
    "cspr_deadlines",
    "duty_holder_child",
    "sar_not_applicable",
    "sar_mandatory_condition_1",
    "sar_mandatory_condition_2",
    "sar_discretionary",
    "sar_not_met",
    "sar_needs_information",
    "area_adult",
    "signpost_cdr",
    "signpost_lac_death_notification",
    "signpost_dardr",
    "signpost_leder",
    "signpost_care_leaver_death_notification",
    "ask_other_children",
    "looked_after_question",
)


@dataclass(frozen=True)
class Thresholds:
    """Ages and working-day counts the rules compare against."""

    age_of_majority: int = 18
    transition_min_age: int = 16
    transition_max_age: int = 17
    care_leaver_max_age: int = 25
    dardr_min_age: int = 16
    panel_notification_working_days: int = 5
    rapid_review_working_days: int = 15


@dataclass(frozen=True)
class LocalAuthority:
    """The partnership's local authority, named in reasons."""

    name: str = "the local authority"
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ruleset:
    """Validated settings for the triage rules."""

    rule_order: tuple[str, ...] = DEFAULT_RULE_ORDER
    thresholds: Thresholds = field(default_factory=Thresholds)
    local_authority: LocalAuthority = field(default_factory=LocalAuthority)
    # Abuse types the partnership treats as serious in themselves for s44(3) (added to "seriously harmed: yes").
    serious_abuse_types: frozenset[AbuseType] = frozenset()
    timezone: str = "Europe/London"
    source: str = "defaults"
    # The partnership's area (config.yaml `partnership.area`, set by the caller with dataclasses.replace):
    # empty means every place is asked about.
    area: Area = field(default_factory=Area)

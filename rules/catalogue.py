"""Every rule the service knows, by name. The order they run in is data (rules.yaml `rule_order`)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rules.cspr import CsprMet, CsprNeedsInformation, CsprNotApplicable, CsprNotMet
from rules.deadlines import PanelDeadlines
from rules.flags import CareLeaver, TrackMismatch, TransitionCase
from rules.rule import Rule
from rules.sar import (
    SarDiscretionary,
    SarMandatoryCondition1,
    SarMandatoryCondition2,
    SarNeedsInformation,
    SarNotApplicable,
    SarNotMet,
)
from rules.signposts import (
    ChildDeathReview,
    DomesticAbuseRelatedDeath,
    LearningDisabilityDeath,
    LiveConcern,
    LookedAfterChildDeath,
)

_ALL: tuple[Rule, ...] = (
    TrackMismatch(),
    TransitionCase(),
    CareLeaver(),
    CsprNotApplicable(),
    CsprMet(),
    CsprNotMet(),
    CsprNeedsInformation(),
    PanelDeadlines(),
    SarNotApplicable(),
    SarMandatoryCondition1(),
    SarMandatoryCondition2(),
    SarDiscretionary(),
    SarNotMet(),
    SarNeedsInformation(),
    ChildDeathReview(),
    LookedAfterChildDeath(),
    DomesticAbuseRelatedDeath(),
    LearningDisabilityDeath(),
    LiveConcern(),
)

RULES: Mapping[str, Rule] = MappingProxyType({rule.name: rule for rule in _ALL})
RULE_NAMES: tuple[str, ...] = tuple(RULES)

"""Every rule the service knows, by name. The order they run in is data (rules.yaml `rule_order`)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rules.cspr import CsprMet, CsprNeedsInformation, CsprNotApplicable, CsprNotMet
from rules.deadlines import PanelDeadlines
from rules.duty import AdultArea, ChildDutyHolder
from rules.flags import AgeUncertain, CareLeaver, Contradictions, TrackMismatch, TransitionCase
from rules.questions import LookedAfterQuestion, OtherChildrenQuestion
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
    CareLeaverDeath,
    ChildDeathReview,
    DomesticAbuseRelatedDeath,
    LearningDisabilityDeath,
    LiveConcern,
    LookedAfterChildDeath,
)

_ALL: tuple[Rule, ...] = (
    LiveConcern(),
    Contradictions(),
    TrackMismatch(),
    TransitionCase(),
    AgeUncertain(),
    CareLeaver(),
    CsprNotApplicable(),
    CsprMet(),
    CsprNotMet(),
    CsprNeedsInformation(),
    PanelDeadlines(),
    ChildDutyHolder(),
    SarNotApplicable(),
    SarMandatoryCondition1(),
    SarMandatoryCondition2(),
    SarDiscretionary(),
    SarNotMet(),
    SarNeedsInformation(),
    AdultArea(),
    ChildDeathReview(),
    LookedAfterChildDeath(),
    DomesticAbuseRelatedDeath(),
    LearningDisabilityDeath(),
    CareLeaverDeath(),
    OtherChildrenQuestion(),
    LookedAfterQuestion(),
)

RULES: Mapping[str, Rule] = MappingProxyType({rule.name: rule for rule in _ALL})
RULE_NAMES: tuple[str, ...] = tuple(RULES)

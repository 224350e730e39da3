"""What free text says between the lines: phrases that suggest an answer the tick boxes may not give.

Data, not logic: each phrase names the field it suggests, the value, and (optionally) what a negated mention
suggests instead ("no concerns about neglect" suggests abuse is not suspected, never that it is). Patterns are
matched case-insensitively against one clause at a time by rules/evidence.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.values import FieldValue

ABUSE_TYPES_FIELD = "event.abuse_types"
ABUSE_FIELD = "event.abuse_or_neglect"
# Not a form field: the summary describes risk now (rules/signposts.py routes it as `live_concern`).
CURRENT_RISK_FIELD = "event.current_risk"
# Other children in the same household or care (a form answer where the form asks, else from the summary).
OTHER_CHILDREN_FIELD = "child.other_children_in_household"


@dataclass(frozen=True)
class Phrase:
    """One kind of evidence: its name, the field and value it suggests, and its pattern."""

    name: str
    field: str
    value: FieldValue
    pattern: re.Pattern[str]
    negated_field: str | None = None
    negated_value: FieldValue | None = None


def _p(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


# "nearly died" is serious harm, not a death.
_NOT_A_DEATH = r"(?<!nearly )(?<!almost )(?<!could have )(?<!would have )(?<!might have )(?<!may have )"


def _abuse(name: str, pattern: str) -> Phrase:
    """An abuse category: a mention suggests the type; a negated mention suggests abuse is not suspected."""
    return Phrase(f"evidence.{name}", ABUSE_TYPES_FIELD, name, _p(pattern), ABUSE_FIELD, "not_suspected")


PHRASES: tuple[Phrase, ...] = (
    Phrase(
        "evidence.died",
        "event.is_deceased",
        True,
        _p(
            _NOT_A_DEATH + r"\b(died|dies|found dead|was dead|passed away|deceased|death|was killed|murdered|"
            r"took (?:his|her|their) own life|suicide|post[- ]mortem|inquest)\b"
        ),
    ),
    Phrase(
        "evidence.serious_harm",
        "event.seriously_harmed",
        "yes",
        _p(
            r"\b((?:nearly|almost|could have|would have|might have|may have) died|life[- ]threatening|"
            r"serious(?:ly)? (?:injur\w*|harm\w*|hurt)|fractur\w+|brain (?:injury|damage)|intensive care|\bICU\b|"
            r"permanent (?:harm|injury|damage|disability)|critical condition|resuscitat\w+)"
        ),
    ),
    _abuse("self_neglect", r"\b(self[- ]neglect\w*|hoard\w*|squalor|refus\w+ (?:care|support|food|medication))"),
    _abuse(
        "neglect",
        r"(?<!self-)(?<!self )\b(neglect\w*|malnourish\w*|starv\w+|left alone|unkempt|pressure (?:sore|ulcer)s?)",
    ),
    _abuse(
        "physical",
        r"\b(physical(?:ly)? abuse\w*|assault\w*|bruis\w+|beaten|punched|kicked|stabbed|strangled|shaken)",
    ),
    _abuse("sexual", r"\b(sexual(?:ly)? abuse\w*|sexual(?:ly)? assault\w*|rape\w*|raping)"),
    _abuse("sexual_exploitation", r"\b(sexual(?:ly)? exploit\w*|\bCSE\b|groom\w*)"),
    _abuse("criminal_exploitation", r"\b(criminal(?:ly)? exploit\w*|county lines|\bCCE\b|cuckoo\w*)"),
    _abuse("domestic", r"\b(domestic (?:abuse|violence)|coercive(?: and)? control\w*|\bDV\b)"),
    _abuse(
        "psychological",
        r"\b(psychological(?:ly)? abuse\w*|emotional(?:ly)? abuse\w*|intimidat\w+|(?<!life-)(?<!life )threaten\w*)",
    ),
    _abuse("financial_material", r"\b(financial(?:ly)? abuse\w*|financial exploitation|theft|stole\w*|scam\w*)"),
    _abuse("modern_slavery", r"\b(modern slavery|traffick\w+|forced labour|forced to work|debt bondage)"),
    _abuse("discriminatory", r"\b(discriminat\w+|hate crime|racial(?:ly)? abuse\w*)"),
    _abuse(
        "organisational",
        r"\b(organisational abuse|institutional abuse|poor care (?:home|practice)|care home failings)",
    ),
    Phrase(
        "evidence.killed_by_partner",
        "event.perpetrator_relationship",
        "intimate_partner",
        _p(
            r"\b(?:killed|murdered|stabbed|strangled|assaulted|attacked|beaten|abused|hit|shot|harmed|controlled)"
            r"(?: \w+)? by (?:her|his|their|the) (?:husband|wife|partner|boyfriend|girlfriend|spouse|fianc\w*)"
        ),
    ),
    Phrase(
        "evidence.killed_by_former_partner",
        "event.perpetrator_relationship",
        "former_partner",
        _p(
            r"\b(?:killed|murdered|stabbed|strangled|assaulted|attacked|beaten|abused|hit|shot|harmed)(?: \w+)? "
            r"by (?:her|his|their|the) (?:ex[- ]?(?:husband|wife|partner|boyfriend|girlfriend)|former partner)"
        ),
    ),
    Phrase(
        "evidence.killed_by_relative",
        "event.perpetrator_relationship",
        "relative",
        _p(
            r"\b(?:killed|murdered|stabbed|strangled|assaulted|attacked|beaten|abused|hit|shot|harmed|neglected)"
            r"(?: \w+)? by (?:her|his|their|the) (?:son|daughter|mother|father|brother|sister|grand\w+|uncle|aunt|"
            r"nephew|niece|cousin|step\w+|parent\w*)"
        ),
    ),
    Phrase("evidence.learning_disability", "adult.learning_disability", "yes",
           _p(r"\b(learning disabilit\w+|learning disabled|down'?s syndrome)")),
    Phrase("evidence.autistic", "adult.autistic", "yes", _p(r"\b(autis\w+|asperger\w*|\bASD\b|\bASC\b)")),
    Phrase("evidence.looked_after", "child.looked_after", "yes",
           _p(r"\b(looked[- ]after|foster (?:carer|care|placement|home)|children'?s home|care order|section 20)")),
    Phrase("evidence.care_needs", "adult.care_and_support_needs", "yes",
           _p(r"\b(care and support needs|care package|package of care|carers? visit\w*|domiciliary care|"
              r"residential care|nursing home|care home|dementia)"),
           "adult.care_and_support_needs", "no"),
    Phrase("evidence.current_risk", CURRENT_RISK_FIELD, "yes",
           _p(r"\b(remains? at risk|ongoing (?:risk|abuse|concerns?)|currently at risk|at risk now|"
              r"still (?:lives|living|resides|residing|stays|staying) with|continu\w+ to (?:be at risk|live with)|"
              r"remains? (?:at home|in the (?:family )?home|in the household|in (?:his|her|their) care)|"
              r"(?:has|have) returned (?:home|to the (?:family )?home)|still (?:has|have) (?:contact|access)|"
              r"other children (?:in|at) the (?:home|household)|"
              r"siblings? (?:remain|still))")),
    # Other children in the same household or care (siblings after a child's death): a live concern.
    Phrase("evidence.other_children", OTHER_CHILDREN_FIELD, "yes",
           _p(r"\b(siblings?|(?:(?:younger|older|baby|twin|little|big) |half[- ]|step[- ]?)(?:brother|sister)s?|"
              r"other children|brothers? and sisters?)\b"),
           OTHER_CHILDREN_FIELD, "no"),
    # A relative who was also the person's carer is still a relative for a DARDR (a paid carer is not).
    Phrase("evidence.relative_carer", "event.perpetrator_relationship", "relative",
           _p(r"\b(?:her|his|their) (?:son|daughter|husband|wife|partner|mother|father|brother|sister|grand\w+|"
              r"niece|nephew)\b,? (?:\w+ ){0,3}?(?:was|is|as|acted as|and) (?:also )?(?:her|his|their|the) "
              r"(?:main |primary |sole |unpaid |informal |family )?carer")),
    Phrase("evidence.stillbirth", "event.stillbirth", "yes", _p(r"\b(still[- ]?birth|still[- ]?born)\b")),
)

"""Classify one case: run every rule in the ruleset's order and gather the recommendation.

Pure: fields, the received time, the ruleset and the calendar in; a frozen Triage out. It recommends; people
decide. Each decision family (CSPR, SAR) has rules whose conditions exclude each other, so exactly one matches;
the first match in order is taken, and needs_information is the fallback should none match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from parsers.values import Field, Flag, FormType
from rules.calendar import WorkingCalendar
from rules.case import CaseFacts, build_case
from rules.catalogue import RULES
from rules.policy import Ruleset
from rules.questions import rank_questions
from rules.rule import Outcome, Rule
from rules.values import CsprDecision, Deadlines, RuleHit, SarDecision, Triage

RuleResult = tuple[Rule, Outcome]


def classify(
    fields: Mapping[str, Field],
    *,
    form_type: FormType,
    received_at: datetime,
    ruleset: Ruleset,
    calendar: WorkingCalendar,
) -> Triage:
    """The recommended track, decisions, reasons, signposts, deadlines and flags for one referral."""
    case = build_case(fields, form_type=form_type, received_at=received_at, ruleset=ruleset, calendar=calendar)
    results = [(rule, rule.check(case)) for rule in (RULES[name] for name in ruleset.rule_order)]
    return assemble(case, results)


def assemble(case: CaseFacts, results: Sequence[RuleResult]) -> Triage:
    """Gather the results into a Triage; every hit and miss is kept in `hits`."""
    matched = [outcome for _, outcome in results if outcome.matched]
    cspr = next((o.cspr for o in matched if o.cspr is not None), CsprDecision.NEEDS_INFORMATION)
    sar = next((o.sar for o in matched if o.sar is not None), SarDecision.NEEDS_INFORMATION)
    found = next((o.deadlines for o in matched if o.deadlines is not None), Deadlines())
    deadlines, provisional = (Deadlines(), found) if found.provisional else (found, None)
    ranked = rank_questions(results)
    flags: frozenset[Flag] = frozenset().union(*(o.flags for o in matched))
    reasons = (case.age.reason, *(o.reason for o in matched), *case.notes)
    return Triage(
        track=case.track,
        cspr=cspr,
        sar=sar,
        reasons=tuple(dict.fromkeys(reasons)),
        signposts=tuple(dict.fromkeys(o.signpost for o in matched if o.signpost is not None)),
        deadlines=deadlines,
        flags=flags,
        hits=tuple(_hit(rule, outcome) for rule, outcome in results),
        suggestions=case.suggestions,
        questions=tuple(q.text for q in ranked),
        ranked_questions=ranked,
        provisional_deadlines=provisional,
    )


def _hit(rule: Rule, outcome: Outcome) -> RuleHit:
    return RuleHit(
        rule=rule.name, description=rule.description, law=rule.law, matched=outcome.matched, reason=outcome.reason
    )


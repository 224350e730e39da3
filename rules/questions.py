"""Questions for every decision: what would change or confirm it, ranked by how much it matters.

A decision that waits (`needs_information`, a contradiction) asks what it needs; a decision already reached still
shows what would change or confirm it (where did it happen, when did the authority first know, are other children
in the household, did the abuse cause the death). The rank is data: a contradiction first, then what a decision
needs, then who holds the duty and the clock, then what would confirm a decision or a signpost.
"""

from __future__ import annotations

from collections.abc import Sequence

from rules.case import ASK_OTHER_CHILDREN, CaseFacts
from rules.cspr import serious_case
from rules.phrases import OTHER_CHILDREN_FIELD
from rules.rule import Outcome, Rule, miss
from rules.values import RankedQuestion, Track

# Lower ranks first. A rule not listed ranks last.
RANK: dict[str, int] = {
    "contradiction": 0,
    "cspr_needs_information": 1,
    "sar_needs_information": 1,
    "age_uncertain": 2,
    "transition_case": 2,
    "duty_holder_child": 2,
    "cspr_deadlines": 3,
    "sar_mandatory_condition_1": 3,
    "ask_other_children": 4,
    "area_adult": 5,
    "looked_after_question": 5,
}
_NEEDED = {"contradiction", "cspr_needs_information", "sar_needs_information"}
_LAST = 9


def rank_questions(results: Sequence[tuple[Rule, Outcome]]) -> tuple[RankedQuestion, ...]:
    """Every matched rule's questions, each once, most important first (ties keep the rule order)."""
    seen: dict[str, RankedQuestion] = {}
    for rule, outcome in results:
        if not outcome.matched:
            continue
        for text in outcome.questions:
            rank = RANK.get(rule.name, _LAST)
            kind = "needed" if rule.name in _NEEDED else "confirm"
            if text not in seen or rank < seen[text].rank:
                seen[text] = RankedQuestion(text=text, rule=rule.name, rank=rank, kind=kind)
    return tuple(sorted(seen.values(), key=lambda q: q.rank))


class OtherChildrenQuestion:
    """After a child's death or serious harm, are other children in the same household or care?"""

    name = "ask_other_children"
    description = "A child died or was harmed: ask whether other children are in the same household or care"
    law = "Children Act 1989 s47; Working Together to Safeguard Children 2023, chapter 5 (immediate safety)"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched for a (possible) serious child safeguarding case that does not say whether there are others."""
        if case.track is Track.ADULT or serious_case(case).is_false or not case.other_children.is_unknown:
            return miss("not a child's case, or the form answers whether there are other children")
        if case.suggested(OTHER_CHILDREN_FIELD) is not None:
            return miss("the summary already speaks of other children")
        return Outcome(True, "Question: are other children at risk in the same household or care?",
                       questions=(ASK_OTHER_CHILDREN,))


class LookedAfterQuestion:
    """A blank looked-after answer with a care order, foster placement or children's home in the text: ask."""

    name = "looked_after_question"
    description = "The looked-after question is not answered but the text speaks of care: ask"
    law = "Children Act 1989 s22 (looked after); Care Planning, Placement and Case Review Regulations 2010 reg 40"

    def check(self, case: CaseFacts) -> Outcome:
        """Matched when `child.looked_after` is blank or not known and the summary suggests care."""
        hint = case.suggested("child.looked_after", "yes")
        if case.track is Track.ADULT or not case.looked_after.is_unknown or hint is None:
            return miss("the looked-after question is answered, or the text does not speak of care")
        question = (
            f'Was the child looked after by a local authority? The summary says: "{hint.sentence}" (a looked-after '
            "child's death is notified to the Secretary of State and Ofsted)"
        )
        return Outcome(True, "Looked-after status not stated, but the summary speaks of care: ask",
                       questions=(question,))

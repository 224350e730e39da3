"""Suggestions read from free text (`event.summary`), with the sentence each came from.

A suggestion is shown beside the decision and never decides anything (domain.md: only stated answers decide).
Negation is handled NegEx-style, clause by clause: a negation cue shortly before a phrase ("no concerns about
neglect", "did not die") or a refuting cue just after it ("neglect was ruled out") turns the mention round, and
pseudo-negations ("cannot be ruled out", "not only") are not negations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from parsers.values import Field
from rules.phrases import ABUSE_FIELD, ABUSE_TYPES_FIELD, PHRASES, Phrase
from rules.values import Suggestion

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# A negation does not reach over these: "No concerns were raised, and she died" is a death.
_CLAUSE_END = re.compile(r"[;:]|,\s*(?:and|but|so|then|which)\b|\b(?:but|however|although|though|whereas|except)\b",
                         re.IGNORECASE)
_PSEUDO = re.compile(
    r"\b(?:not only|no doubt|cannot (?:be )?rule[sd]? out|can'?t (?:be )?rule[sd]? out|not (?:been )?ruled out|"
    r"not (?:be )?excluded|not clear (?:whether|if)|unclear (?:whether|if)|no longer)\b",
    re.IGNORECASE,
)
_PRE = re.compile(
    r"\b(?:no|not|never|without|denie[sd]|deny|nor|neither|none|absence of|free (?:from|of)|ruled out|n't)\b|n't\b",
    re.IGNORECASE,
)
_POST = re.compile(
    r"\b(?:ruled out|unfounded|unsubstantiated|excluded|not (?:found|substantiated|suspected|present|evident|"
    r"identified|indicated|a factor|an issue|a concern)|(?:was|were|is|are) not)\b",
    re.IGNORECASE,
)
_PRE_WINDOW_WORDS = 6
_POST_WINDOW_WORDS = 4


def read_evidence(summary: str) -> tuple[Suggestion, ...]:
    """Suggestions found in a summary, one per field and value, each with the first sentence saying it."""
    found: dict[tuple[str, object], Suggestion] = {}
    for sentence in _sentences(summary):
        for clause in _CLAUSE_END.split(sentence):
            for phrase, negated in _mentions(clause or ""):
                suggestion = _suggest(phrase, negated, sentence)
                if suggestion is not None:
                    found.setdefault((suggestion.field, suggestion.value), suggestion)
    return _reconcile(tuple(found.values()))


def inferred_suggestions(fields: Mapping[str, Field]) -> tuple[Suggestion, ...]:
    """Fields a parser marked `inferred`: offered as suggestions, since the referrer did not state them."""
    return tuple(
        Suggestion(field=name, value=f.value, sentence=f.label or f.source, rule="parser.inferred")
        for name, f in fields.items()
        if f.inferred
    )


def _sentences(text: str) -> Iterator[str]:
    for sentence in _SENTENCE_END.split(text):
        if sentence.strip():
            yield sentence.strip()


def _mentions(clause: str) -> Iterator[tuple[Phrase, bool]]:
    """Each phrase mentioned in the clause, and whether the mention is negated."""
    # Blank out pseudo-negations, keeping positions, so their "not"/"no" is not read as a negation.
    cleaned = _PSEUDO.sub(lambda m: " " * len(m.group()), clause)
    for phrase in PHRASES:
        for match in phrase.pattern.finditer(cleaned):
            yield phrase, _is_negated(cleaned, match.start(), match.end())


def _is_negated(clause: str, start: int, end: int) -> bool:
    before = [m for m in _PRE.finditer(clause, 0, start) if m.end() <= start]
    if before and len(clause[before[-1].end() : start].split()) <= _PRE_WINDOW_WORDS:
        return True
    after = _POST.search(clause, end)
    return after is not None and len(clause[end : after.start()].split()) <= _POST_WINDOW_WORDS


def _suggest(phrase: Phrase, negated: bool, sentence: str) -> Suggestion | None:
    if not negated:
        return Suggestion(field=phrase.field, value=phrase.value, sentence=sentence, rule=phrase.name)
    if phrase.negated_field is None or phrase.negated_value is None:
        return None
    return Suggestion(field=phrase.negated_field, value=phrase.negated_value, sentence=sentence, rule=phrase.name)


def _reconcile(suggestions: tuple[Suggestion, ...]) -> tuple[Suggestion, ...]:
    """A mention of any abuse suggests abuse is suspected and outweighs "no concerns about" another kind."""
    abuse = next((s for s in suggestions if s.field == ABUSE_TYPES_FIELD), None)
    if abuse is None:
        return suggestions
    kept = tuple(s for s in suggestions if s.field != ABUSE_FIELD)
    return (*kept, Suggestion(field=ABUSE_FIELD, value="suspected", sentence=abuse.sentence, rule=abuse.rule))

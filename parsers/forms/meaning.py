"""Matching a question by meaning: its key terms, its negation and its sense, not its exact words.

A question is reduced to a set of key terms: words are stemmed, synonyms ("agencies", "professionals",
"services") become one term, and filler words go. Words that only say which way a question is asked
("concern", "effectively") are read apart as its *sense*; "not", "didn't" as its *negation*. A question then
means a field when it holds every key term of one of that field's example labels (or nearly all of a long
one), and names no other person ("GP", "parent") that the example does not. Asked the other way round
("Did agencies work together effectively?" against "Is there concern about how agencies worked together?")
the answer is reversed; where the sense cannot be told, the match says so and the answer is left for staff.
All the word lists are data (the `meaning` part of vocabulary.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# A long example label may miss one of its key terms and still match ("needs for care and support").
NEAR_COVERAGE = 0.75
NEAR_MIN_TERMS = 4
MIN_CONFIDENCE = 0.65


@dataclass(frozen=True)
class Meaning:
    """What a question asks: its key terms, whether it is negated, and its sense (+1 concern, -1 reassurance)."""

    terms: frozenset[str]
    negated: bool
    sense: int


@dataclass(frozen=True)
class MeaningMatch:
    """How well a question's meaning fits an example label, and whether its answer must be reversed."""

    confidence: float
    reversed: bool
    unclear: bool


@dataclass(frozen=True)
class Lexicon:
    """The word lists that turn a normalised question into its Meaning."""

    phrases: tuple[tuple[str, str], ...]  # (phrase, replacement), longest first
    words: Mapping[str, str]  # word -> canonical term(s)
    stopwords: frozenset[str]
    negations: frozenset[str]
    neutral: tuple[str, ...]  # phrases that look negated but are not ("whether or not", "not known")
    concern: tuple[str, ...]
    reassurance: tuple[str, ...]
    roles: frozenset[str]

    def read(self, key: str) -> Meaning:
        """The Meaning of a normalised question (see vocabulary.normalise_label)."""
        text = f" {key} "
        for phrase in self.neutral:
            text = text.replace(f" {phrase} ", " ")
        sense, text = self._sense(text)
        negated = False
        terms: set[str] = set()
        for phrase, replacement in self.phrases:
            text = text.replace(f" {phrase} ", f" {replacement} ")
        for word in text.split():
            if word in self.negations:
                negated = not negated
                continue
            for term in self.words.get(word, _stem(word)).split():
                if term not in self.stopwords:
                    terms.add(term)
        return Meaning(frozenset(terms), negated, sense)

    def _sense(self, text: str) -> tuple[int, str]:
        """(sense, text without its sense words); concern phrases are taken out first ("more effectively")."""
        concern = reassurance = False
        for phrase in self.concern:
            if f" {phrase} " in text:
                concern, text = True, text.replace(f" {phrase} ", " ")
        for phrase in self.reassurance:
            if f" {phrase} " in text:
                reassurance, text = True, text.replace(f" {phrase} ", " ")
        if concern and reassurance:
            return 0, text
        return (1 if concern else -1 if reassurance else 0), text

    def compare(self, question: Meaning, example: Meaning, polar: bool) -> MeaningMatch | None:
        """How ``question`` fits ``example``, or None when it does not mean the same thing."""
        if not example.terms:
            return None
        common = question.terms & example.terms
        coverage = len(common) / len(example.terms)
        near = len(example.terms) >= NEAR_MIN_TERMS and coverage >= NEAR_COVERAGE
        if len(common) < min(2, len(example.terms)) or not (coverage == 1.0 or near):
            return None
        extra = question.terms - example.terms
        if extra & self.roles:
            return None  # "Name of the child's GP" is not the child's name
        confidence = 0.9 * coverage * len(common) / (len(common) + 0.3 * len(extra))
        if confidence < MIN_CONFIDENCE:
            return None
        flipped = question.negated != example.negated
        unclear = False
        if polar and example.sense:
            if question.sense == 0:
                unclear = True
            elif question.sense != example.sense:
                flipped = not flipped
        return MeaningMatch(round(confidence, 3), flipped, unclear)


def _stem(word: str) -> str:
    """A light English stem, the same on both sides of a comparison ("worked", "works" -> "work")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def build_lexicon(raw: Mapping[str, Any], normalise: Any) -> Lexicon:
    """A Lexicon from the `meaning` mapping of vocabulary.yaml (``normalise`` is normalise_label)."""
    phrases: dict[str, str] = {}
    words: dict[str, str] = {}
    for canonical, variants in (raw.get("synonyms") or {}).items():
        target = " ".join(_stem(w) for w in normalise(str(canonical)).split())
        for variant in [canonical, *variants]:
            key = normalise(str(variant))
            (phrases if " " in key else words)[key] = target
    return Lexicon(
        phrases=tuple(sorted(phrases.items(), key=lambda kv: -len(kv[0]))),
        words=words,
        stopwords=frozenset(_stem(w) for w in _norm_all(raw.get("stopwords"), normalise)),
        negations=frozenset(_norm_all(raw.get("negations"), normalise)),
        neutral=tuple(_norm_all(raw.get("neutral"), normalise)),
        concern=tuple(sorted(_norm_all(raw.get("concern"), normalise), key=len, reverse=True)),
        reassurance=tuple(sorted(_norm_all(raw.get("reassurance"), normalise), key=len, reverse=True)),
        roles=frozenset(_stem(w) for w in _norm_all(raw.get("roles"), normalise)),
    )


def _norm_all(values: Iterable[Any] | None, normalise: Any) -> list[str]:
    return [n for v in values or () if (n := normalise(str(v)))]


def numbered(text: str) -> str:
    """The question without its printed number ("1.2 Name of referrer", "5a. Date", "(b) Age", "Q3 Sex")."""
    return re.sub(r"^\s*(?:q(?:uestion)?\s*)?(?:\(?[0-9]{1,2}(?:\.[0-9]{1,2})*[a-z]?[.)]?|\(?[a-h][.)])\s+", "",
                  text, flags=re.I)

"""The label vocabulary: which printed labels mean which canonical field (loaded from YAML config)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from rapidfuzz import fuzz, process

from parsers.forms.meaning import Lexicon, Meaning, numbered

DEFAULT_VOCABULARY = Path(__file__).resolve().parent.parent / "vocabulary.yaml"
# Below this token_sort_ratio a label is not taken to mean a field: "Name of GP" must not become a name.
FUZZY_CUTOFF = 88.0
# A long question may contain a listed label ("Has the adult died? If so, when?"); short ones may not.
CONTAINED_MIN_CHARS = 12
CACHE_LIMIT = 20_000  # labels remembered per vocabulary (a form reads each of its lines several times)


class FieldKind(StrEnum):
    """How the answer to a label is read."""

    TEXT = "text"
    FULL_NAME = "full_name"
    FORENAMES = "forenames"
    SURNAME = "surname"
    DATE = "date"
    DATE_OF_BIRTH = "date_of_birth"
    AGE = "age"
    SEX = "sex"
    NHS_NUMBER = "nhs_number"
    POSTCODE = "postcode"
    EMAIL = "email"
    PHONE = "phone"
    YES_BOOL = "yes_bool"
    YES_NO_UNKNOWN = "yes_no_unknown"
    ABUSE_OR_NEGLECT = "abuse_or_neglect"
    ABUSE_TYPES = "abuse_types"
    PERPETRATOR = "perpetrator"
    COMBINED = "combined"  # "Name and role of referrer": one answer, several fields


class Section(StrEnum):
    """Parts of a form that give generic labels ("Name") their meaning."""

    SUBJECT = "subject"
    REFERRER = "referrer"
    EVENT = "event"
    OTHER = "other"  # another person: parent, family member, alleged perpetrator, GP, next of kin


class VocabularyError(ValueError):
    """The vocabulary file is missing, malformed or names an unknown kind; the message says where."""


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field and how its answer is read."""

    name: str
    kind: FieldKind
    parts: tuple[FieldSpec, ...] = ()  # the fields a combined question answers, in the order it asks them

    @property
    def section(self) -> Section:
        """The section whose generic labels may mean this field."""
        prefix = self.name.split(".", 1)[0]
        return Section.REFERRER if prefix == "referrer" else Section.EVENT if prefix == "event" else Section.SUBJECT


@dataclass(frozen=True)
class LabelMatch:
    """A label taken to mean a field, and how well it matched (0..1)."""

    spec: FieldSpec
    score: float
    reversed: bool = False  # asked the other way round: a yes means no
    unclear: bool = False  # which way round it is asked cannot be told: leave the answer for staff


def normalise_label(text: str) -> str:
    """Lower case, plain letters and digits only, asides like "(if known)" and tick characters dropped."""
    text = numbered(unicodedata.normalize("NFKC", text)).lower().replace("’", "'").replace("'", "")
    text = re.sub(r"\((?:s|if|please|tick|where|optional|e\.?g|dd|as|including|more)\b[^)]*\)", " ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r" (?:if known|if applicable|if any|optional|please specify|please tick|tick all that apply)$", "",
                  " ".join(text.split()))
    return text


@dataclass(frozen=True)
class Example:
    """One listed label of a field, read for its meaning."""

    meaning: Meaning
    spec: FieldSpec


@dataclass(frozen=True)
class Statement:
    """A criterion a referrer ticks ("the adult has died") and the field values ticking it gives."""

    meaning: Meaning
    values: tuple[tuple[str, str], ...]  # (field name, code)


@dataclass(frozen=True)
class Vocabulary:
    """Labels, section headings, form titles and answer words, all normalised, ready to match."""

    fields: MappingProxyType[str, FieldSpec]  # normalised label -> FieldSpec
    section_fields: MappingProxyType[tuple[Section, str], FieldSpec]  # (section, normalised label) -> FieldSpec
    sections: MappingProxyType[str, Section]  # normalised heading -> Section
    form_titles: tuple[tuple[str, str], ...]  # (normalised title words, form type value)
    choices: MappingProxyType[str, MappingProxyType[str, str]]  # kind -> {normalised word: code}
    lexicon: Lexicon | None = None
    examples: tuple[Example, ...] = ()
    statements: tuple[Statement, ...] = ()
    section_terms: tuple[tuple[Section, tuple[str, ...]], ...] = ()  # in order of precedence
    heading_words: frozenset[str] = frozenset()
    polar: frozenset[str] = frozenset()  # fields whose questions can be asked either way round
    not_referral: tuple[tuple[str, str], ...] = ()  # (normalised title words, what the form is instead)
    perpetrator_headings: tuple[str, ...] = ()
    cache: dict[tuple[str, Section | None], LabelMatch | None] = field(default_factory=dict, compare=False,
                                                                        repr=False)

    def match_label(self, label: str, section: Section | None) -> LabelMatch | None:
        """The field a printed label means inside ``section`` (None: outside any), or None."""
        key = (label, section)
        if key in self.cache:
            return self.cache[key]
        if len(self.cache) > CACHE_LIMIT:  # a long-running process reads endless new lines
            self.cache.clear()
        found = self.cache[key] = resolve_in_section(self._match(label, section), label, section)
        return found

    def _match(self, label: str, section: Section | None) -> LabelMatch | None:
        key = normalise_label(label)
        if not key:
            return None
        spec = self.section_fields.get((section or Section.SUBJECT, key)) or self.fields.get(key)
        if spec is not None:
            return LabelMatch(spec, 1.0)
        if section is Section.OTHER:
            return None
        combined = self._match_combined(label, section)
        if combined is not None:
            return combined
        meant = self.match_meaning(key)
        if meant is not None:
            return meant
        best = process.extractOne(key, self.fields.keys(), scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF)
        if best is not None and not self._names_someone_else(key, best[0]):
            return LabelMatch(self.fields[best[0]], best[1] / 100 * 0.95)
        return self._match_contained(key)

    def match_meaning(self, key: str) -> LabelMatch | None:
        """The field whose example labels a question means, by key terms, negation and sense."""
        if self.lexicon is None:
            return None
        question = self.lexicon.read(key)
        best: tuple[float, LabelMatch] | None = None
        for example in self.examples:
            if len(example.meaning.terms) < 2 or not question.terms & example.meaning.terms:
                continue  # one-word labels ("Agency") are matched exactly or fuzzily, never by meaning
            fit = self.lexicon.compare(question, example.meaning, example.spec.name in self.polar)
            if fit is not None and (best is None or fit.confidence > best[0]):
                best = (fit.confidence, LabelMatch(example.spec, fit.confidence, fit.reversed, fit.unclear))
        return best[1] if best else None

    def _match_combined(self, label: str, section: Section | None) -> LabelMatch | None:
        """ "Name and role of referrer", "Agency & designation/title": every part a listed label."""
        parts = [p for p in re.split(r"\s*(?:&|\band\b|/|\+)\s*", label.strip(" :?")) if p.strip()]
        if len(parts) < 2:
            return None
        tail = re.search(r"\b(?:of|for)\b.*$", parts[-1])
        specs: list[FieldSpec] = []
        missed = 0
        for part in parts:
            spec = self.fields.get(normalise_label(f"{part} {tail[0]}")) if tail and part is not parts[-1] else None
            key = normalise_label(part)
            spec = spec or self.section_fields.get((section or Section.SUBJECT, key)) or self.fields.get(key)
            if spec is None:
                missed += 1  # "designation/title": a second word for the same question
            elif spec not in specs:
                specs.append(spec)
        if missed > 1 or len(specs) < 2 or missed >= len(specs):
            return None
        name = "+".join(s.name for s in specs)
        return LabelMatch(FieldSpec(name, FieldKind.COMBINED, tuple(specs)), 0.9)

    def _names_someone_else(self, key: str, listed: str) -> bool:
        """ "Parents names" is near "persons name" in spelling, but names another person."""
        if self.lexicon is None:
            return False
        return bool((self.lexicon.read(key).terms - self.lexicon.read(listed).terms) & self.lexicon.roles)

    def _match_contained(self, key: str) -> LabelMatch | None:
        # Only a question a little longer than the label: a paragraph of answer that mentions
        # "learning disability" is not the question.
        padded = f" {key} "
        found = [k for k in self.fields
                 if len(k) >= CONTAINED_MIN_CHARS and len(key) <= 2 * len(k) + 12 and f" {k} " in padded]
        if not found:
            return None
        return LabelMatch(self.fields[max(found, key=len)], 0.85)

    def match_perpetrator(self, label: str, heading: str) -> LabelMatch | None:
        """ "Relationship to adult at risk" under a heading about the alleged perpetrator: their relationship."""
        padded = f" {normalise_label(heading)} "
        spec = self.fields.get("relationship of alleged perpetrator")
        if spec is None or "relationship" not in normalise_label(label).split():
            return None
        return LabelMatch(spec, 0.9) if any(f" {t} " in padded for t in self.perpetrator_headings) else None

    def match_statement(self, text: str) -> tuple[tuple[str, str], ...]:
        """The (field, code) pairs a ticked criterion states ("the adult has died" -> event.is_deceased yes)."""
        if self.lexicon is None:
            return ()
        question = self.lexicon.read(normalise_label(text))
        values: dict[str, str] = {}
        for statement in self.statements:
            if statement.meaning.terms <= question.terms and statement.meaning.negated == question.negated:
                for name, code in statement.values:
                    values.setdefault(name, code)
        return tuple(values.items())

    def match_section(self, heading: str, *, spanning: bool = False) -> Section | None:
        """The section a heading opens, or None; ``spanning``: the text fills a row spanning its table."""
        key = _strip_part_number(normalise_label(heading))
        found = self.sections.get(key)
        if found is not None or not self._looks_like_heading(heading, key, spanning):
            return found
        padded = f" {key} "
        for section, terms in self.section_terms:
            if any(f" {term} " in padded for term in terms):
                return section
        return None

    def listed_label(self, label: str, section: Section | None) -> bool:
        """Whether the label is listed word for word (not merely near one in meaning)."""
        key = normalise_label(label)
        return key in self.fields or (section or Section.SUBJECT, key) in self.section_fields

    def listed_section(self, heading: str) -> bool:
        """Whether the heading is one listed in the vocabulary (it wins over a label of the same words)."""
        return _strip_part_number(normalise_label(heading)) in self.sections

    def _looks_like_heading(self, heading: str, key: str, spanning: bool) -> bool:
        """A short line that names a part of the form ("Details of person completing this form")."""
        text = _PART_PREFIX.sub("", heading.strip())  # "Section 1: About you" is a heading, not "label: answer"
        if not key or "?" in text or ":" in text or len(key.split()) > 12:
            return False  # "Is there concern about ...?: Yes" is a question and its answer
        return spanning or bool(set(key.split()) & self.heading_words)

    def match_choice(self, kind: FieldKind, text: str) -> str | None:
        """The code a typed answer or a ticked option's label means for ``kind``, or None."""
        words: Mapping[str, str] = self.choices.get(kind.value, {})
        key = normalise_label(text)
        if key in words:
            return words[key]
        key = re.sub(r"\b(abuse|or|and|the)\b", " ", key)
        return words.get(" ".join(key.split()))

    def match_form_type(self, text: str) -> str | None:
        """The form type whose title words appear in ``text`` (a title or heading), or None."""
        padded = f" {normalise_label(text)} "
        for words, form_type in self.form_titles:
            if f" {words} " in padded:
                return form_type
        return None

    def match_not_referral(self, text: str) -> str | None:
        """What a form that is not a review referral is ("safeguarding_concern_form"), from a title line."""
        padded = f" {normalise_label(text)} "
        return next((what for words, what in self.not_referral if f" {words} " in padded), None)


_REFERRER_WORDS = re.compile(r"(?i)referr|notifi|\byour?\b|complet|practitioner|reporting")
_SUBJECT_WORDS = re.compile(r"(?i)adult|child|person|subject|young|deceased|individual|patient|baby")


def resolve_in_section(match: LabelMatch | None, label: str, section: Section | None) -> LabelMatch | None:
    """A match kept only where it belongs: the referrer's "Address" is not the subject's, and so on."""
    if match is None:
        return None
    names = [p.name for p in match.spec.parts] or [match.spec.name]
    if section is Section.OTHER:
        return match if names == ["event.perpetrator_relationship"] else None
    if section is Section.REFERRER and any(not n.startswith(("referrer.", "event.")) for n in names):
        return match if _SUBJECT_WORDS.search(label) else None
    if section is Section.SUBJECT and any(n.startswith("referrer.") for n in names):
        return match if _REFERRER_WORDS.search(label) else None
    return match


# "Section 1", "Part A", "Step 2b", "1.2": the number of a part of the form, before its name.
_PART_NUMBER = re.compile(r"^(?:(?:section|part|step) (?:\d+[a-z]?|[a-z]|[ivx]+)|\d+[a-z]?) ")
_PART_PREFIX = re.compile(r"^\s*(?:section|part|step)\s*(?:\d+[a-z]?|[a-z]|[ivx]+)\s*[:.)\-\u2013\u2014]\s*",
                          re.IGNORECASE)


def _strip_part_number(key: str) -> str:
    """A normalised heading without its part number ("section 1 about you" -> "about you")."""
    return _PART_NUMBER.sub("", key)

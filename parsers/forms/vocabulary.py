"""The label vocabulary: which printed labels mean which canonical field (loaded from YAML config)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from rapidfuzz import fuzz, process

DEFAULT_VOCABULARY = Path(__file__).resolve().parent.parent / "vocabulary.yaml"
# Below this token_sort_ratio a label is not taken to mean a field: "Name of GP" must not become a name.
FUZZY_CUTOFF = 88.0
# A long question may contain a listed label ("Has the adult died? If so, when?"); short ones may not.
CONTAINED_MIN_CHARS = 12


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


class Section(StrEnum):
    """Parts of a form that give generic labels ("Name") their meaning."""

    SUBJECT = "subject"
    REFERRER = "referrer"
    EVENT = "event"


class VocabularyError(ValueError):
    """The vocabulary file is missing, malformed or names an unknown kind; the message says where."""


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field and how its answer is read."""

    name: str
    kind: FieldKind

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


def normalise_label(text: str) -> str:
    """Lower case, plain letters and digits only, asides like "(if known)" and tick characters dropped."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("'", "")
    text = re.sub(r"\((?:s|if|please|tick|where|optional|e\.?g)\b[^)]*\)", " ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r" (?:if known|if applicable|if any|optional|please specify|please tick|tick all that apply)$", "",
                  " ".join(text.split()))
    return text


@dataclass(frozen=True)
class Vocabulary:
    """Labels, section headings, form titles and answer words, all normalised, ready to match."""

    fields: MappingProxyType[str, FieldSpec]  # normalised label -> FieldSpec
    section_fields: MappingProxyType[tuple[Section, str], FieldSpec]  # (section, normalised label) -> FieldSpec
    sections: MappingProxyType[str, Section]  # normalised heading -> Section
    form_titles: tuple[tuple[str, str], ...]  # (normalised title words, form type value)
    choices: MappingProxyType[str, MappingProxyType[str, str]]  # kind -> {normalised word: code}

    def match_label(self, label: str, section: Section | None) -> LabelMatch | None:
        """The field a printed label means inside ``section`` (None: outside any), or None."""
        key = normalise_label(label)
        if not key:
            return None
        spec = self.section_fields.get((section or Section.SUBJECT, key)) or self.fields.get(key)
        if spec is not None:
            return LabelMatch(spec, 1.0)
        best = process.extractOne(key, self.fields.keys(), scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF)
        if best is not None:
            return LabelMatch(self.fields[best[0]], best[1] / 100 * 0.95)
        return self._match_contained(key)

    def _match_contained(self, key: str) -> LabelMatch | None:
        # Only a question a little longer than the label: a paragraph of answer that mentions
        # "learning disability" is not the question.
        padded = f" {key} "
        found = [k for k in self.fields
                 if len(k) >= CONTAINED_MIN_CHARS and len(key) <= 2 * len(k) + 12 and f" {k} " in padded]
        if not found:
            return None
        return LabelMatch(self.fields[max(found, key=len)], 0.85)

    def match_section(self, heading: str) -> Section | None:
        """The section a heading opens, or None."""
        key = normalise_label(heading)
        key = re.sub(r"^(?:section|part)? ?\d+ ", "", key)
        return self.sections.get(key)

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


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Load and validate the label vocabulary (default: parsers/vocabulary.yaml)."""
    path = path or DEFAULT_VOCABULARY
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path}: cannot be read: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), dict):
        raise VocabularyError(f"{path}: expected a mapping with a 'fields' mapping")
    fields, section_fields = _build_fields(path, raw["fields"])
    sections = {
        normalise_label(h): _enum(path, Section, name, "sections")
        for name, hs in _mapping(path, raw, "sections").items()
        for h in _strings(path, hs, f"sections.{name}")
    }
    titles = tuple(
        (normalise_label(t), str(ft)) for ft, ts in _mapping(path, raw, "form_types").items()
        for t in _strings(path, ts, f"form_types.{ft}")
    )
    choices = {
        kind: MappingProxyType({normalise_label(w): str(code) for code, ws in codes.items()
                                for w in _strings(path, ws, f"choices.{kind}.{code}")})
        for kind, codes in _mapping(path, raw, "choices").items()
    }
    return Vocabulary(MappingProxyType(fields), MappingProxyType(section_fields), MappingProxyType(sections),
                      titles, MappingProxyType(choices))


def _build_fields(path: Path, raw: dict[str, Any]
                  ) -> tuple[dict[str, FieldSpec], dict[tuple[Section, str], FieldSpec]]:
    fields: dict[str, FieldSpec] = {}
    section_fields: dict[tuple[Section, str], FieldSpec] = {}
    for name, entry in raw.items():
        if not isinstance(entry, dict):
            raise VocabularyError(f"{path}: fields.{name}: expected a mapping with 'kind' and 'labels'")
        spec = FieldSpec(str(name), _enum(path, FieldKind, entry.get("kind"), f"fields.{name}.kind"))
        fields[normalise_label(spec.name)] = spec  # a form whose fields are named canonically
        for label in _strings(path, entry.get("labels", []), f"fields.{name}.labels"):
            key = normalise_label(label)
            if key in fields and fields[key] != spec:
                raise VocabularyError(f"{path}: label {label!r} is listed for both {fields[key].name} and {name}")
            fields[key] = spec
        for label in _strings(path, entry.get("section_labels", []), f"fields.{name}.section_labels"):
            section_fields[(spec.section, normalise_label(label))] = spec
    return fields, section_fields


def _mapping(path: Path, raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise VocabularyError(f"{path}: {key}: expected a mapping")
    return value


def _strings(path: Path, value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise VocabularyError(f"{path}: {where}: expected a list of strings")
    return [str(v) for v in value]


def _enum(path: Path, enum: type[StrEnum], value: Any, where: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise VocabularyError(f"{path}: {where}: {value!r} is not one of {allowed}") from None

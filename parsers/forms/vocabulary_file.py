"""Loading parsers/vocabulary.yaml into a Vocabulary, with errors that say where the file is wrong."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from parsers.forms.meaning import Lexicon, build_lexicon
from parsers.forms.vocabulary import (
    DEFAULT_VOCABULARY,
    Example,
    FieldKind,
    FieldSpec,
    Section,
    Statement,
    Vocabulary,
    VocabularyError,
    normalise_label,
)


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
    titles = _titles(path, raw, "form_types")
    choices = {
        kind: MappingProxyType({normalise_label(w): str(code) for code, ws in codes.items()
                                for w in _strings(path, ws, f"choices.{kind}.{code}")})
        for kind, codes in _mapping(path, raw, "choices").items()
    }
    meaning = _mapping(path, raw, "meaning")
    lexicon = build_lexicon(meaning, normalise_label)
    examples = tuple(Example(lexicon.read(label), spec) for label, spec in fields.items())
    section_terms = tuple((_enum(path, Section, name, "section_terms"),
                           tuple(normalise_label(t) for t in _strings(path, terms, f"section_terms.{name}")))
                          for name, terms in _mapping(path, raw, "section_terms").items())
    return Vocabulary(
        MappingProxyType(fields), MappingProxyType(section_fields), MappingProxyType(sections), titles,
        MappingProxyType(choices), lexicon, examples, _statements(path, raw, lexicon), section_terms,
        frozenset(normalise_label(w) for w in _strings(path, meaning.get("heading_words", []), "heading_words")),
        frozenset(_strings(path, meaning.get("polar_fields", []), "meaning.polar_fields")),
        _titles(path, raw, "not_referral"),
        tuple(normalise_label(t) for t in _strings(path, meaning.get("perpetrator_headings", []), "perpetrator")),
    )


def _titles(path: Path, raw: dict[str, Any], key: str) -> tuple[tuple[str, str], ...]:
    return tuple((normalise_label(t), str(ft)) for ft, ts in _mapping(path, raw, key).items()
                 for t in _strings(path, ts, f"{key}.{ft}"))


def _statements(path: Path, raw: dict[str, Any], lexicon: Lexicon) -> tuple[Statement, ...]:
    out = []
    for n, entry in enumerate(raw.get("statements") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("sets"), dict):
            raise VocabularyError(f"{path}: statements[{n}]: expected a mapping with 'sets' and 'examples'")
        values = tuple((str(k), str(v)) for k, v in entry["sets"].items())
        for text in _strings(path, entry.get("examples", []), f"statements[{n}].examples"):
            out.append(Statement(lexicon.read(normalise_label(text)), values))
    return tuple(out)


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

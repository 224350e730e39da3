"""Every rule's verdict for a set of fields, as JSON (behind `service.py rules explain FIELDS.json`),
and the Triage in the shape of the case export (interfaces.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from parsers.values import Field, FieldValue, FormType
from rules.calendar import WorkingCalendar
from rules.policy import Ruleset
from rules.triage import classify
from rules.values import Triage


def explain(
    fields: Mapping[str, Any],
    *,
    form_type: str = "unknown",
    received_at: datetime,
    ruleset: Ruleset,
    calendar: WorkingCalendar,
) -> dict[str, Any]:
    """Classify plain JSON fields ({"name": value} or {"name": {"value": ...}}) and show every rule's verdict."""
    triage = classify(
        to_fields(fields), form_type=FormType(form_type), received_at=received_at, ruleset=ruleset, calendar=calendar
    )
    return {
        "form_type": FormType(form_type).value,
        "received_at": received_at.isoformat(),
        "ruleset": ruleset.source,
        "rules": [
            {"name": h.rule, "description": h.description, "law": h.law, "matched": h.matched, "reason": h.reason}
            for h in triage.hits
        ],
        "triage": triage_to_dict(triage),
    }


def to_fields(raw: Mapping[str, Any]) -> dict[str, Field]:
    """Plain JSON fields to Field values; lists become tuples, a missing source reads "explain input"."""
    fields: dict[str, Field] = {}
    for name, item in raw.items():
        spec = item if isinstance(item, Mapping) else {"value": item}
        if spec.get("value") is None:
            continue
        fields[name] = Field(
            name=name,
            value=_value(spec["value"]),
            source=str(spec.get("source", "explain input")),
            confidence=float(spec.get("confidence", 1.0)),
            label=str(spec.get("label", "")),
            inferred=bool(spec.get("inferred", False)),
        )
    return fields


def _value(value: Any) -> FieldValue:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def triage_to_dict(triage: Triage) -> dict[str, Any]:
    """The export keys (track, decisions, reasons, signposts, deadlines, flags) plus hits, suggestions,
    questions (ranked), deadlines_estimated and provisional_deadlines; JSON-ready, dates as ISO strings or null."""
    deadlines = triage.deadlines
    return {
        "track": triage.track.value,
        "decisions": {"cspr": triage.cspr.value, "sar": triage.sar.value},
        "reasons": list(triage.reasons),
        "signposts": [s.value for s in triage.signposts],
        "deadlines": {
            "panel_notification": _iso(deadlines.panel_notification),
            "rapid_review": _iso(deadlines.rapid_review),
        },
        "flags": sorted(f.value for f in triage.flags),
        "hits": [
            {"rule": h.rule, "description": h.description, "law": h.law, "matched": h.matched, "reason": h.reason}
            for h in triage.hits
        ],
        "suggestions": [
            {"field": s.field, "value": list(s.value) if isinstance(s.value, tuple) else s.value,
             "sentence": s.sentence, "rule": s.rule}
            for s in triage.suggestions
        ],
        "questions": list(triage.questions),
        "deadlines_estimated": deadlines.estimated_from_receipt,
        "ranked_questions": [
            {"question": q.text, "rule": q.rule, "rank": q.rank, "kind": q.kind} for q in triage.ranked_questions
        ],
        "provisional_deadlines": _provisional(triage),
    }


def _provisional(triage: Triage) -> dict[str, str | None] | None:
    """The "if a child" dates of a person of unknown age, or None."""
    found = triage.provisional_deadlines
    if found is None:
        return None
    return {"panel_notification": _iso(found.panel_notification), "rapid_review": _iso(found.rapid_review)}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None

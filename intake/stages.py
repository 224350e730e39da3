"""Which extractor and which rules the pipeline runs: the one place the pure packages are wired in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from intake.pipeline import Stages
from intake.settings import Settings
from parsers.values import Attachment, ExtractedForm, Field, Flag, FormType
from rules.calendar import WorkingCalendar
from rules.ruleset import load_ruleset
from rules.triage import classify
from rules.values import Triage

_FORM_SUFFIXES = (".pdf", ".docx", ".docm", ".doc", ".odt")


def _is_form(attachment: Attachment) -> bool:
    return attachment.filename.lower().endswith(_FORM_SUFFIXES) or attachment.content_type in {
        "application/pdf", "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _unread_form(attachment: Attachment) -> ExtractedForm:
    return ExtractedForm(attachment.filename, FormType.UNKNOWN, {}, frozenset({Flag.FORM_NOT_EXTRACTED}))


def _body(text: str) -> ExtractedForm:
    return ExtractedForm("email body", FormType.UNKNOWN, {}, frozenset({Flag.NO_FORM}))


def _merge(forms: Sequence[ExtractedForm]) -> ExtractedForm:
    flags = frozenset().union(*(f.flags for f in forms))
    return ExtractedForm(forms[0].filename, FormType.UNKNOWN, {}, flags)


def build_classifier(settings: Settings) -> Callable[[Mapping[str, Field], FormType, datetime], Triage]:
    """The triage rules, loaded and validated once (a bad rules file stops start-up with its key named)."""
    ruleset = load_ruleset(settings.rules.file)
    calendar = WorkingCalendar()

    def run(fields: Mapping[str, Field], form_type: FormType, received_at: datetime) -> Triage:
        return classify(fields, form_type=form_type, received_at=received_at, ruleset=ruleset, calendar=calendar)

    return run


def build_stages(settings: Settings) -> Stages:
    """The stages for this configuration."""
    return Stages(is_form=_is_form, read_form=_unread_form, read_body=_body, merge=_merge,
                  classify=build_classifier(settings), error_code=lambda exc: getattr(exc, "code", None))

"""Which extractor and which rules the pipeline runs: the one place the pure packages are wired in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from intake.config.settings import Settings
from intake.worker.isolation import extract_isolated, parse_isolated
from intake.worker.pipeline import Stages
from parsers.forms import (
    ExtractionLimits,
    apply_learned,
    extract_body,
    is_form_candidate,
    load_vocabulary,
    merge_forms,
)
from parsers.forms.vocabulary import Vocabulary
from parsers.secure_mail import Catalogue, load_catalogue, recognise
from parsers.smime import SmimeKeys
from parsers.values import ExtractedForm, Field, FormType, ParsedEmail
from rules.area import area_from_mapping
from rules.calendar import WorkingCalendar
from rules.policy import Ruleset
from rules.ruleset import load_ruleset
from rules.triage import classify
from rules.values import Triage


def extraction_limits(settings: Settings) -> ExtractionLimits:
    """The per-attachment limits of config.yaml (limits and forms sections)."""
    limits = settings.limits
    return ExtractionLimits(
        max_attachment_bytes=limits.max_attachment_bytes, max_uncompressed_bytes=limits.max_uncompressed_bytes,
        timeout_seconds=limits.extraction_timeout_seconds, memory_bytes=limits.extraction_memory_bytes,
        max_pages=settings.forms.max_pages, max_ocr_pages=settings.forms.max_ocr_pages)


def configured_ruleset(settings: Settings) -> Ruleset:
    """The rules file's settings plus the partnership's area from config.yaml."""
    return replace(load_ruleset(settings.rules.file), area=area_from_mapping(settings.partnership.area))


def build_classifier(settings: Settings) -> Callable[[Mapping[str, Field], FormType, datetime], Triage]:
    """The triage rules, loaded and validated once (a bad rules file stops start-up with its key named)."""
    ruleset = configured_ruleset(settings)
    calendar = WorkingCalendar()

    def run(fields: Mapping[str, Field], form_type: FormType, received_at: datetime) -> Triage:
        return classify(fields, form_type=form_type, received_at=received_at, ruleset=ruleset, calendar=calendar)

    return run


class KeyFileError(ValueError):
    """A configured S/MIME file is missing or unreadable; the message names it."""


def smime_keys(settings: Settings) -> SmimeKeys:
    """The partnership's trusted CAs and decryption key, read once at start-up (a missing file stops it)."""
    config = settings.secure_mail

    def read(path: object) -> bytes | None:
        if path is None:
            return None
        try:
            return Path(str(path)).read_bytes()
        except OSError as exc:
            raise KeyFileError(f"secure_mail: cannot read {path}: {exc.strerror}") from None

    key = config.smime_private_key.get_secret_value().encode() if config.smime_private_key else None
    return SmimeKeys(trusted=read(config.smime_ca_bundle) or b"", certificate=read(config.smime_certificate),
                     private_key=key or read(config.smime_private_key_file))


def build_parser(settings: Settings) -> Callable[[bytes], ParsedEmail]:
    """Parse in the bounded child (S/MIME opened with the partnership's keys), then name any secure-email
    service and document links; the catalogue is validated here, at start-up."""
    catalogue: Catalogue = load_catalogue(settings.secure_mail.catalogue_file)
    keys = smime_keys(settings)
    limits = extraction_limits(settings)

    def parse(raw: bytes) -> ParsedEmail:
        # Certificates are judged valid or not as of now: the caller's clock, as parsers have none.
        parsed = parse_isolated(raw, limits=limits, smime=replace(keys, at=datetime.now(UTC)))
        return recognise(parsed, catalogue)

    return parse


def build_stages(settings: Settings) -> Stages:
    """The stages for this configuration: forms read in a bounded child process, then the rules."""
    vocabulary = load_vocabulary(settings.forms.vocabulary_file)  # validated at start-up
    limits = extraction_limits(settings)
    return Stages(
        parse=build_parser(settings),
        is_form=is_form_candidate,
        read_form=partial(extract_isolated, vocabulary_path=settings.forms.vocabulary_file,
                          limits=limits),
        read_body=partial(extract_body, vocabulary=vocabulary),
        merge=merge_forms,
        classify=build_classifier(settings),
        error_code=lambda exc: getattr(exc, "code", None),
        learn=partial(_learn, vocabulary=vocabulary),
    )


def _learn(form: ExtractedForm, learned: Mapping[str, str], *, vocabulary: Vocabulary) -> ExtractedForm:
    return apply_learned(form, learned, vocabulary)

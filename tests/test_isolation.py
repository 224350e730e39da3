"""The bounded child process: memory exhaustion and time-outs are specific errors, never a dead worker."""

from __future__ import annotations

import pytest

from demo.forms import SAR_FORM, Layout, build
from intake.worker.isolation import extract_isolated, parse_isolated
from parsers.errors import ExtractionMemoryError
from parsers.forms import ExtractionLimits
from parsers.values import Attachment
from tests.support.mailfactory import make_email

STARVED = ExtractionLimits(memory_bytes=64 * 2**20, timeout_seconds=20)  # far below what the reader needs


def test_a_reader_that_runs_out_of_memory_is_a_memory_error() -> None:
    name, data = build(SAR_FORM, Layout.PDF_FLAT)
    with pytest.raises(ExtractionMemoryError):
        extract_isolated(Attachment(name, "application/pdf", data), vocabulary_path=None, limits=STARVED)


def test_parsing_that_runs_out_of_memory_is_a_memory_error() -> None:
    raw = make_email(body="x" * 5_000_000)
    with pytest.raises(ExtractionMemoryError):
        parse_isolated(raw, limits=STARVED)


def test_the_runner_goes_on_after_a_starved_child() -> None:
    name, data = build(SAR_FORM, Layout.PDF_FLAT)
    attachment = Attachment(name, "application/pdf", data)
    with pytest.raises(ExtractionMemoryError):
        extract_isolated(attachment, vocabulary_path=None, limits=STARVED)
    form = extract_isolated(attachment, vocabulary_path=None, limits=ExtractionLimits())
    assert form.fields["subject.surname"].value == "Whitfield"

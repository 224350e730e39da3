"""The golden set (tests/golden/): each committed email through the real pipeline gives what its .expected.json says.

A mismatch prints a diff. If the change is deliberate, regenerate (see tests/golden/make_golden.py) and say why.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.golden.make_golden import GOLDEN, GOLDEN_SET, as_text, observe

EMAILS = sorted(p.name for p in GOLDEN.glob("*.eml"))


def test_every_golden_email_is_built_by_the_generator_and_has_its_expectation() -> None:
    assert sorted(f"{name}.eml" for name in GOLDEN_SET) == EMAILS
    assert all((GOLDEN / f"{name}.expected.json").is_file() for name in GOLDEN_SET)


@pytest.mark.parametrize("filename", EMAILS)
def test_the_pipeline_gives_the_golden_outcome(filename: str, tmp_path: Path) -> None:
    name = filename.removesuffix(".eml")
    expected = (GOLDEN / f"{name}.expected.json").read_text(encoding="utf-8")
    got = as_text(observe(name, tmp_path))
    if got != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), got.splitlines(keepends=True),
                                            fromfile=f"tests/golden/{name}.expected.json", tofile="pipeline now"))
        pytest.fail(f"{filename}: the pipeline's outcome differs from the golden file\n{diff}", pytrace=False)

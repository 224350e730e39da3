"""Every real-world PDF and Word file goes through the isolated extractor without an unhandled exception."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from intake.worker.isolation import extract_isolated
from parsers.errors import AttachmentError, CorruptAttachmentError
from parsers.forms import ExtractionLimits
from parsers.values import Attachment

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
LIMITS = ExtractionLimits(timeout_seconds=45, max_ocr_pages=1)
# A file that overran while another ran beside it gets one more try alone, with room to spare: on a busy
# machine a large PDF can need more than 45 s, but a reader that hangs overruns this too.
PATIENT = ExtractionLimits(timeout_seconds=240, max_ocr_pages=1)


def run_one(path: Path, limits: ExtractionLimits = LIMITS) -> str:
    """"ok", the code of the AttachmentError the reader raised, or "crash" when the child died of an exception
    that no reader handled (isolation reports that as a corrupt file, which would hide the bug)."""
    try:
        extract_isolated(Attachment(path.name, "application/octet-stream", path.read_bytes()),
                         vocabulary_path=None, limits=limits)
        return "ok"
    except CorruptAttachmentError as exc:
        return "crash" if str(exc).startswith("The reader stopped unexpectedly") else exc.code
    except AttachmentError as exc:
        return exc.code


@pytest.mark.slow
@pytest.mark.timeout(900)  # the whole corpus: minutes on a loaded 2-core machine, more than the suite's 300 s
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is absent ({CORPUS})")
@pytest.mark.parametrize("folder", ["pdfs", "docx"])
def test_corpus_files_extract_without_unhandled_exceptions(folder: str) -> None:
    files = sorted(p for p in (CORPUS / folder).iterdir() if p.is_file())
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = dict(zip(files, pool.map(run_one, files), strict=True))
    for path in [p for p, o in outcomes.items() if o == "timeout"]:
        outcomes[path] = run_one(path, PATIENT)
    counts = Counter(outcomes.values())
    assert "crash" not in counts, [p.name for p, o in outcomes.items() if o == "crash"]
    assert "timeout" not in counts, [p.name for p, o in outcomes.items() if o == "timeout"]
    # Most real-world files are well-formed: a reader that refused them all would pass the two checks above.
    assert counts["ok"] > len(files) // 2, counts

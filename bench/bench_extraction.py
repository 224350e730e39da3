"""Milliseconds per form by layout, against pdfplumber's bare text extraction of the same file (run by hand).

    .venv/bin/python bench/bench_extraction.py [repeats]
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pdfplumber

from demo.forms import SAR_FORM, Layout, build
from parsers.forms import ExtractionLimits, extract, load_vocabulary
from parsers.values import Attachment


def timings(action, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        out.append((time.perf_counter() - start) * 1000)
    return out


def bare_text(data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    vocabulary, limits = load_vocabulary(), ExtractionLimits()
    print(f"{'layout':24} {'median ms':>10} {'p95 ms':>8} {'bare median':>12} {'ratio':>6}")
    for layout in Layout:
        name, data = build(SAR_FORM, layout)
        attachment = Attachment(name, "application/octet-stream", data)
        runs = max(3, repeats // 10) if layout is Layout.PDF_SCANNED else repeats
        ours = timings(lambda a=attachment: extract(a, vocabulary=vocabulary, limits=limits), runs)
        line = f"{layout.value:24} {statistics.median(ours):10.1f} {p95(ours):8.1f}"
        if name.endswith(".pdf"):
            bare = timings(lambda d=data: bare_text(d), runs)
            line += f" {statistics.median(bare):12.1f} {statistics.median(ours) / statistics.median(bare):6.2f}"
        print(line)


if __name__ == "__main__":
    main()

"""OCR of scanned pages with the Tesseract binary, pages rendered by pypdfium2 (no poppler needed)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pypdfium2

from parsers.forms.pdf_lines import Word

DPI = 200


def ocr_available() -> bool:
    """Whether the `tesseract` binary is on PATH."""
    return shutil.which("tesseract") is not None


def ocr_pages(data: bytes, password: str | None, max_pages: int, timeout: float) -> list[list[Word]]:
    """Words of each page (up to ``max_pages``), in points with the origin top-left."""
    document = pypdfium2.PdfDocument(data, password=password)
    try:
        pages = []
        for index in range(min(len(document), max_pages)):
            page = document[index]
            image = page.render(scale=DPI / 72).to_pil().convert("L")
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            pages.append(_tesseract_words(buffer.getvalue(), timeout))
            page.close()
        return pages
    finally:
        document.close()


def words_of_image(png: bytes, timeout: float) -> list[Word]:
    """Words of one page image (PNG at DPI), in points with the origin top-left."""
    return _tesseract_words(png, timeout)


def _tesseract_words(png: bytes, timeout: float) -> list[Word]:
    # One thread: readers already run side by side, one per core; Tesseract's own OpenMP threads on top of
    # that only make every reader slower (and a page is small enough that one thread reads it quickly).
    done = subprocess.run(
        ["tesseract", "stdin", "stdout", "--psm", "4", "tsv"],
        input=png, capture_output=True, timeout=timeout, check=False,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    words = []
    scale = 72 / DPI
    for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = (float(c) for c in cols[6:10])
        words.append(Word(cols[11].strip(), left * scale, (left + width) * scale, top * scale,
                          (top + height) * scale))
    return words

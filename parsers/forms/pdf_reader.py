"""PDF forms: AcroForm fields, flat pages printed from Word (words and tables by position), and scans (OCR)."""

from __future__ import annotations

import io
import subprocess
from functools import cache

import pdfplumber
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from parsers.forms.acroform import read_widgets, widget_pairs
from parsers.forms.document import Block, Paragraph, Table
from parsers.forms.layout import read_blocks
from parsers.forms.limits import ExtractionLimits
from parsers.forms.ocr import ocr_available, ocr_pages
from parsers.forms.pdf_lines import Word, group_lines
from parsers.forms.result import build_form, flagged_form
from parsers.forms.vocabulary import Section, Vocabulary
from parsers.values import Attachment, ExtractedForm, Flag

FLAT_CONFIDENCE = 0.88
OCR_CONFIDENCE = 0.6


def read_pdf(
    attachment: Attachment, vocabulary: Vocabulary, limits: ExtractionLimits, password: str | None
) -> ExtractedForm:
    """Fields of a PDF form; an encrypted PDF without its password comes back flagged, not read."""
    name = attachment.filename
    reader = PdfReader(io.BytesIO(attachment.data), strict=False)
    used = ""
    if reader.is_encrypted:
        opened = next((p for p in ("", password) if p is not None and reader.decrypt(p)), None)
        if opened is None:
            return flagged_form(name, Flag.ENCRYPTED_ATTACHMENT,
                                "The PDF is password-protected; it can be read once staff supply the password.")
        used = opened
    warnings = []
    if len(reader.pages) > limits.max_pages:
        warnings.append(f"Only the first {limits.max_pages} of {len(reader.pages)} pages were read.")
    with pdfplumber.open(io.BytesIO(attachment.data), password=used) as pdf:
        pages = pdf.pages[: limits.max_pages]

        @cache
        def words_on(index: int) -> list[Word]:
            return [Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
                    for w in pages[index].extract_words(x_tolerance=1.5)]

        @cache
        def headings(index: int) -> list[tuple[float, Section, str]]:
            return [(line.top, s, line.text) for line in group_lines(words_on(index))
                    if (s := vocabulary.match_section(line.text.replace("\n", " "))) is not None]

        def section_at(page: int, top: float) -> tuple[Section | None, str]:
            """The section heading printed last above a point (on this page or an earlier one)."""
            for index in range(page, -1, -1):
                found = [(s, h) for t, s, h in headings(index) if index < page or t < top]
                if found:
                    return found[-1]
            return None, ""

        root = reader.trailer["/Root"]
        fillable = isinstance(root, DictionaryObject) and "/AcroForm" in root
        widgets = read_widgets(reader, limits.max_pages) if fillable else []
        if widgets:
            titles = [line.text for line in group_lines(words_on(0))[:8]] if pages else []
            pairs = widget_pairs(widgets, words_on, section_at)
            return build_form(name, pairs, titles, vocabulary, warnings=warnings)
        if any(page.chars for page in pages):
            blocks = [b for i, page in enumerate(pages) for b in _flat_blocks(page, i)]
            pairs, titles = read_blocks(blocks, vocabulary, FLAT_CONFIDENCE)
            return build_form(name, pairs, titles, vocabulary, warnings=warnings)
    return _read_scan(attachment, vocabulary, limits, used, warnings)


def _flat_blocks(page: pdfplumber.page.Page, index: int) -> list[Block]:
    """Tables and lines of one page, top to bottom; words inside a table are read as its cells only."""
    items: list[tuple[float, Block]] = []
    tables = page.find_tables()
    for t, table in enumerate(tables):
        rows = tuple(tuple(cell or "" for cell in row) for row in table.extract())
        items.append((table.bbox[1], Table(rows, f"page {index + 1}, table {t + 1}")))
    boxes = [table.bbox for table in tables]
    words = [Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
             for w in page.extract_words(x_tolerance=1.5)
             if not any(x0 <= w["x0"] and w["x1"] <= x1 and top <= w["top"] and w["bottom"] <= bottom
                        for x0, top, x1, bottom in boxes)]
    for n, line in enumerate(group_lines(words), start=1):
        items.append((line.top, Paragraph(line.text, f"page {index + 1}, line {n}")))
    return [block for _, block in sorted(items, key=lambda item: item[0])]


def _read_scan(
    attachment: Attachment, vocabulary: Vocabulary, limits: ExtractionLimits, password: str, warnings: list[str]
) -> ExtractedForm:
    """A PDF with no text layer: OCR where Tesseract is installed, else flagged for a person to read."""
    name = attachment.filename
    if not ocr_available():
        return flagged_form(name, Flag.SCANNED_FORM, "The PDF is a scan with no text layer and OCR is not installed.")
    try:
        pages = ocr_pages(attachment.data, password or None, limits.max_ocr_pages,
                          timeout=max(5.0, limits.timeout_seconds / 2))
    except subprocess.TimeoutExpired:
        return flagged_form(name, Flag.SCANNED_FORM, "The PDF is a scan and OCR took too long.")
    blocks = [Paragraph(line.text, f"page {i + 1} (OCR), line {n}")
              for i, words in enumerate(pages) for n, line in enumerate(group_lines(words), start=1)]
    pairs, titles = read_blocks(blocks, vocabulary, OCR_CONFIDENCE)
    warnings.append("The PDF is a scan: fields were read by OCR; check them against the document.")
    return build_form(name, pairs, titles, vocabulary, flags=(Flag.SCANNED_FORM,), warnings=warnings)

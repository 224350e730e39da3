"""Limits on reading one attachment (defaults match config.yaml `limits`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractionLimits:
    """How big an attachment may be, unpacked and packed, and how long and how much memory reading may take."""

    max_attachment_bytes: int = 25 * 1024 * 1024
    max_uncompressed_bytes: int = 100 * 1024 * 1024
    timeout_seconds: float = 60.0
    memory_bytes: int = 1024 * 1024 * 1024
    # Pages read from one PDF; a referral form is a few pages, a 2,000-page PDF is not one.
    max_pages: int = 40
    # Pages sent to OCR; each costs about a second.
    max_ocr_pages: int = 6

"""Labels as the UI shows them: the one table lives in intake.config.labels (the digest and CSV read it too)."""

from __future__ import annotations

from intake.config.labels import CODE_LABELS, FIELD_LABELS, code_label, field_label

LOW_CONFIDENCE = 0.7

__all__ = ["CODE_LABELS", "FIELD_LABELS", "LOW_CONFIDENCE", "code_label", "field_label"]

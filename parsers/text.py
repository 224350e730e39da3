"""Characters a sender can use to make text lie about itself: bidi overrides and control characters.

A right-to-left override (U+202E) inside "report\u202excod.exe" makes it display as "reportexe.docx"; control
characters can hide text or break lines where none should be. Text from mail is kept as it came (evidence), and
made harmless where it is shown: `visible_controls` writes each such character as a visible mark
("⟨U+202E⟩") for staff, `strip_controls` drops them where nothing may be shown (mail we send).
"""

from __future__ import annotations

import re

# Whitespace a person typed (tabs and line breaks in a multi-line answer) is kept as it is.
_KEPT = "\t\n\r"
_BIDI = (
    "\u061c"  # ARABIC LETTER MARK
    "\u200e\u200f"  # LEFT-TO-RIGHT / RIGHT-TO-LEFT MARK
    "\u202a-\u202e"  # LRE, RLE, PDF, LRO, RLO (embeddings and overrides)
    "\u2066-\u2069"  # LRI, RLI, FSI, PDI (isolates)
)
# Invisible characters that hide or split text: zero-width space, line and paragraph separators, word joiner
# and invisible operators, the byte-order mark, interlinear annotation marks. (Zero-width joiners U+200C/D are
# kept: scripts and emoji need them.)
_INVISIBLE = "\u200b\u2028\u2029\u2060-\u2064\ufeff\ufff9-\ufffb"
_C0 = "".join(chr(c) for c in range(0x20) if chr(c) not in _KEPT)
_CONTROLS = re.compile(f"[{re.escape(_C0)}\u007f-\u009f{_BIDI}{_INVISIBLE}]")


def visible_controls(text: str) -> str:
    """`text` with each bidi or control character written as a visible mark, e.g. "⟨U+202E⟩"."""
    return _CONTROLS.sub(lambda match: f"⟨U+{ord(match.group()):04X}⟩", text)


def strip_controls(text: str) -> str:
    """`text` without its bidi and control characters (tabs and line breaks kept)."""
    return _CONTROLS.sub("", text)


def has_controls(text: str) -> bool:
    """Whether `text` holds a bidi or control character."""
    return _CONTROLS.search(text) is not None

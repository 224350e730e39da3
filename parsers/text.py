"""Text from mail made safe to show: bidi overrides, invisible formatting and control characters removed or shown.

A file name like "xcod\u202e.exe" displays as "xcodexe.docx"-looking text because U+202E reverses what follows;
zero-width characters hide words from a reader's eye and from simple filters; C0/C1 controls can break a
terminal, a log line or a header. Anything we show or send that came from mail goes through one of these two:

- `strip_controls` removes them (outgoing mail, one-line labels);
- `visible_controls` replaces each by a marker such as "⟨U+202E⟩", so that staff see that it was there.

Tab, line feed and carriage return are kept: they are layout, not disguise (callers that need one line
collapse whitespace themselves).
"""

from __future__ import annotations

import html as html_module
import re
import unicodedata

# Every Unicode "format" character (Cf) goes: the bidi embeddings and overrides U+202A-U+202E, the isolates
# U+2066-U+2069, the marks U+200E/U+200F and U+061C, zero-width spaces and joiners, the BOM, tag characters.
# Listed here as well so the intent survives a Unicode version that reclassifies one of them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_KEPT = frozenset("\t\n\r")
_LINE_SEPARATORS = frozenset("\u2028\u2029")  # Zl/Zp: read as line breaks by some viewers and not others


def is_hidden(char: str) -> bool:
    """Whether a character is a control, bidi or other invisible format character (tab and newlines are not)."""
    if char in _KEPT:
        return False
    if char in BIDI_CONTROLS or char in _LINE_SEPARATORS:
        return True
    # Cc: C0 and C1 controls and DEL; Cf: format characters; Cs: lone surrogates left by a bad decode.
    return unicodedata.category(char) in ("Cc", "Cf", "Cs")


def strip_controls(text: str) -> str:
    """The text without bidi, format and control characters (tab, line feed and carriage return kept)."""
    if text.isascii() and text.isprintable():
        return text  # the common case, without a look at each character
    return "".join(c for c in text if not is_hidden(c))


def visible_controls(text: str) -> str:
    """The text with each bidi, format or control character replaced by a visible marker, e.g. "⟨U+202E⟩"."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(f"\u27e8U+{ord(c):04X}\u27e9" if is_hidden(c) else c for c in text)


def has_controls(text: str) -> bool:
    """Whether the text holds any character `strip_controls` would remove."""
    return any(is_hidden(c) for c in text)


_SCRIPT_OR_STYLE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_LINE_BREAK = re.compile(r"<br\b[^>]*>|</(?:p|div|tr|li|h[1-6]|table|blockquote)\s*>", re.IGNORECASE)
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[^\S\n]+")


def html_to_text(html: str) -> str:
    """The text of an HTML body, line by line as it was shown: breaks, paragraphs and table rows end a line
    (a referral typed as "Name: …<br>Date of birth: …" stays two lines), cells are spaced, scripts, styles and
    the head are dropped, entities decoded."""
    text = _SCRIPT_OR_STYLE.sub(" ", html)
    text = _LINE_BREAK.sub("\n", text)
    text = _CELL_END.sub(" ", text)
    text = html_module.unescape(_TAG.sub(" ", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)

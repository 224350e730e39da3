"""Fillable PDF fields (AcroForm) as label/answer pairs.

The label is the tooltip (/TU) when there is one, else a meaningful field name, else the words printed
beside the field on the page (matched by position), for forms whose fields are called "Text12".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from parsers.forms.document import Answer, Choice, Pair
from parsers.forms.pdf_lines import Word
from parsers.forms.vocabulary import Section

_GENERIC = re.compile(
    r"(?i)(text|text ?field|check ?box|checkbox|field|untitled|radio ?button|group|drop ?down|combo ?box|list ?box"
    r"|fill|button|choice)[\s_\-.]*\d*")
CONFIDENCE = {"tooltip": 0.95, "name": 0.97, "position": 0.85}


@dataclass(frozen=True)
class Widget:
    """One widget annotation of a field, where it is and what it holds."""

    name: str
    tooltip: str
    kind: str  # /Tx, /Btn, /Ch
    value: str
    export: str  # a check box's or radio button's "on" name
    on: bool
    page: int
    box: tuple[float, float, float, float]  # x0, top, x1, bottom (origin top-left)


def _inherited(field: DictionaryObject, key: str) -> object:
    node: DictionaryObject | None = field
    while node is not None:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _full_name(field: DictionaryObject) -> str:
    names: list[str] = []
    node: DictionaryObject | None = field
    while node is not None:
        if "/T" in node:
            names.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(names))


def read_widgets(reader: PdfReader, max_pages: int) -> list[Widget]:
    """Every field widget on the first ``max_pages`` pages."""
    widgets = []
    for index, page in enumerate(reader.pages[:max_pages]):
        height = float(page.mediabox.top)
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") != "/Widget":
                continue
            widgets.append(_widget(annot, index, height))
    return widgets


def _widget(annot: DictionaryObject, page: int, height: float) -> Widget:
    value = _inherited(annot, "/V")
    appearance = annot.get("/AP", {}).get("/N", {}) if isinstance(annot.get("/AP"), DictionaryObject) else {}
    exports = [str(k).lstrip("/") for k in getattr(appearance, "keys", list)() if str(k) != "/Off"]
    export = exports[0] if exports else ""
    state = str(annot.get("/AS", "/Off")).lstrip("/")
    rect = [float(x) for x in annot.get("/Rect", [0, 0, 0, 0])]
    x0, x1 = sorted((rect[0], rect[2]))
    y0, y1 = sorted((rect[1], rect[3]))
    tooltip = _inherited(annot, "/TU")
    text = str(value.get_object() if hasattr(value, "get_object") else value or "").lstrip("/") if value else ""
    on = bool(export) and (state == export or text == export)
    return Widget(_full_name(annot), str(tooltip or ""), str(_inherited(annot, "/FT") or ""), text, export, on,
                  page, (x0, height - y1, x1, height - y0))


def is_generic(name: str) -> bool:
    """Whether a field name says nothing about its question ("Text12", "Check Box2")."""
    last = re.split(r"[.\[]", name.split(".")[-1])[0]
    return not last or bool(_GENERIC.fullmatch(last.strip()))


def humanise(name: str) -> str:
    """ "adult_surname" / "AdultSurname" -> "adult surname"."""
    last = name.split(".")[-1]
    return " ".join(re.sub(r"([a-z])([A-Z])", r"\1 \2", re.sub(r"[_\-\[\]0-9]+", " ", last)).split())


def widget_pairs(
    widgets: list[Widget], words_on: Callable[[int], list[Word]],
    section_at: Callable[[int, float], tuple[Section | None, str]],
) -> list[Pair]:
    """Pairs from widgets; a radio group or set of same-named boxes answers one question with choices."""
    groups: dict[tuple[str, ...], list[Widget]] = {}
    labels: dict[tuple[str, ...], tuple[str, str]] = {}
    for widget in widgets:
        label, how = _label(widget, widgets, words_on)
        # Separate boxes ("Check Box1" Yes, "Check Box2" No) beside one printed question answer it together.
        together = how == "position" and widget.kind == "/Btn"
        key: tuple[str, ...] = ("btn", str(widget.page), label) if together else (widget.name,)
        groups.setdefault(key, []).append(widget)
        labels.setdefault(key, (label, how))
    pairs = []
    for key, group in groups.items():
        first = group[0]
        label, how = labels[key]
        source = f"page {first.page + 1}, field {' / '.join(dict.fromkeys(w.name for w in group))}"
        section, heading = section_at(first.page, first.box[1])
        if how == "name" and label.lower().startswith("referrer "):
            label, section = label[len("referrer ") :], Section.REFERRER  # "referrer_email" names its section
        if first.kind == "/Btn":
            options = [Choice(_option(w, widgets, words_on), w.on) for w in group]
            answer = Answer("", tuple(options))
        else:
            answer = Answer(first.value)
        pairs.append(Pair(label, answer, source, CONFIDENCE[how], section, heading))
    return pairs


def _label(widget: Widget, widgets: list[Widget], words_on: Callable[[int], list[Word]]) -> tuple[str, str]:
    if widget.tooltip.strip():
        return widget.tooltip.strip(), "tooltip"
    if not is_generic(widget.name):
        return humanise(widget.name), "name"
    line = [w for w in widgets if w.page == widget.page and _same_line(w.box, widget.box)]
    first = min(line, key=lambda w: w.box[0])
    left_edge = max((w.box[2] for w in line if w.box[2] <= first.box[0]), default=0.0)
    words = [w for w in words_on(widget.page) if _same_line((w.x0, w.top, w.x1, w.bottom), first.box)
             and left_edge <= w.x0 and w.x1 <= first.box[0] + 1]
    if not words:
        x0, top, x1, _ = widget.box
        words = [w for w in words_on(widget.page) if 0 < top - w.bottom < 16 and w.x1 > x0 and w.x0 < x1]
    return " ".join(w.text for w in sorted(words, key=lambda w: (w.top, w.x0))), "position"


def _option(widget: Widget, widgets: list[Widget], words_on: Callable[[int], list[Word]]) -> str:
    """A box's option: the words right of it up to the next widget on the line, else its export name.

    A lone box exported as "Yes"/"On" has no option of its own ("" = ticking it answers its question).
    """
    x1 = widget.box[2]
    stop = min((w.box[0] for w in widgets if w.page == widget.page and _same_line(w.box, widget.box)
                and w.box[0] > x1), default=10_000.0)
    words = [w for w in words_on(widget.page) if _same_line((w.x0, w.top, w.x1, w.bottom), widget.box)
             and x1 - 1 <= w.x0 < x1 + 80 and w.x1 <= stop]
    printed = " ".join(w.text for w in sorted(words, key=lambda w: w.x0))
    if printed:
        return printed
    return "" if widget.export.lower() in ("on", "1", "true", "yes") or is_generic(widget.export) else widget.export


def _same_line(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    middle = (a[1] + a[3]) / 2
    return b[1] - 2 <= middle <= b[3] + 2

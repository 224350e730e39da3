"""Reading Word (DOCX, DOCM, DOTX) XML into blocks, including what python-docx hides.

Content-control check boxes, legacy FORMCHECKBOX fields and Wingdings tick symbols are rendered as ☒/☐;
placeholder text of content controls and untouched FORMTEXT defaults are dropped (they are not answers);
text boxes and headers become blocks of their own. Macros (vbaProject.bin) are never opened.
"""

from __future__ import annotations

import re

from lxml import etree

from parsers.errors import CorruptAttachmentError
from parsers.forms.container import SafeZip
from parsers.forms.document import TICKED, UNTICKED, Block, Paragraph, Table, lone_tick

_SYMBOLS = {"F0FE": TICKED, "F0FD": TICKED, "F0FC": "✓", "F0A8": UNTICKED, "F06F": UNTICKED, "F078": TICKED}
_SKIP = frozenset({"instrText", "delText", "rPr", "pPr", "Fallback", "sdtPr", "tcPr", "trPr", "tblPr", "tblGrid"})
_TRUE = ("", "1", "true", "on")


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _attr(el: etree._Element | None, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (transitional, strict or w14)."""
    if el is None:
        return None
    for key, value in el.attrib.items():
        if key.rsplit("}", 1)[-1] == name:
            return value
    return None


def _child(el: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in el if _local(c) == name), None)


def _find(el: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in el.iter() if _local(c) == name), None)


class DocxReader:
    """Walks WordprocessingML parts into paragraphs and tables, in reading order."""

    def __init__(self, container: SafeZip) -> None:
        self._zip = container
        self.blocks: list[Block] = []
        self._tables = 0
        self._paragraphs = 0
        self._fields: list[tuple[str, int, str]] = []  # open legacy fields: (kind, start in parts, default)
        self._boxes: list[etree._Element] = []  # text boxes met inside the paragraph being read
        self._box_count = 0

    def read(self) -> list[Block]:
        """Headers first (titles live there), then the document body."""
        for name in sorted(n for n in self._zip.names if re.fullmatch(r"word/header\d*\.xml", n)):
            self._read_body(self._zip.xml(name), "header, ")
        main = self._main_part()
        body = _find(self._zip.xml(main), "body")
        if body is None:
            raise CorruptAttachmentError("The Word document has no body.")
        self._read_body(body, "")
        return self.blocks

    def _main_part(self) -> str:
        if "_rels/.rels" in self._zip.names:
            for rel in self._zip.xml("_rels/.rels"):
                if (rel.get("Type") or "").endswith("/officeDocument"):
                    target = (rel.get("Target") or "").lstrip("/")
                    if target in self._zip.names:
                        return target
        if "word/document.xml" in self._zip.names:
            return "word/document.xml"
        raise CorruptAttachmentError("The Word document has no main part.")

    def _read_body(self, el: etree._Element, where: str) -> None:
        for child in el:
            tag = _local(child)
            if tag == "p":
                self._paragraphs += 1
                number = self._paragraphs
                boxes, self._boxes = self._boxes, []
                text = self._text(child)
                self.blocks.append(Paragraph(text, f"{where}paragraph {number}"))
                # A text box anchored in this paragraph is read after it, so that its paragraphs
                # neither come first nor take the enclosing paragraph's number.
                inner, self._boxes = self._boxes, boxes
                for box in inner:
                    self._read_box(box)
            elif tag == "tbl":
                self._read_table(child, where)
            elif tag == "sdt" and not self._placeholder(child):
                content = _child(child, "sdtContent")
                if content is not None:
                    self._read_body(content, where)
            elif tag in ("customXml", "smartTag"):
                self._read_body(child, where)

    def _read_box(self, box: etree._Element) -> None:
        """A text box's paragraphs, numbered within the box so that the body's numbers never shift."""
        self._box_count += 1
        saved, self._paragraphs = self._paragraphs, 0
        self._read_body(box, f"text box {self._box_count}, ")
        self._paragraphs = saved

    def _read_table(self, tbl: etree._Element, where: str) -> None:
        self._tables += 1
        name = f"{where}table {self._tables}"
        nested: list[etree._Element] = []
        rows = tuple(tuple(self._cell_text(tc, nested) for tc in self._cells(tr)) for tr in self._rows(tbl))
        self.blocks.append(Table(rows, name))
        boxes, self._boxes = self._boxes, []
        for box in boxes:  # text boxes anchored in the table's cells, after the table
            self._read_box(box)
        for inner in nested:
            self._read_table(inner, f"{name} > ")

    def _rows(self, tbl: etree._Element) -> list[etree._Element]:
        return [r for r in self._unwrap(tbl) if _local(r) == "tr"]

    def _cells(self, tr: etree._Element) -> list[etree._Element]:
        return [c for c in self._unwrap(tr) if _local(c) == "tc"]

    def _unwrap(self, el: etree._Element) -> list[etree._Element]:
        """Children with row- and cell-level content controls opened."""
        out = []
        for child in el:
            content = _child(child, "sdtContent") if _local(child) in ("sdt", "customXml") else None
            out.extend(self._unwrap(content) if content is not None else [child])
        return out

    def _cell_text(self, tc: etree._Element, nested: list[etree._Element]) -> str:
        pr = _child(tc, "tcPr")
        merge = _child(pr, "vMerge") if pr is not None else None
        if merge is not None and (_attr(merge, "val") or "continue") == "continue":
            return ""  # the continuation of a vertically merged cell repeats nothing
        lines = []
        for child in self._unwrap(tc):
            tag = _local(child)
            if tag == "p":
                lines.append(self._text(child))
            elif tag == "tbl":
                ticks = self._tick_list(child)
                if ticks is None:
                    nested.append(child)
                else:
                    lines.extend(ticks)
        return "\n".join(line for line in lines if line.strip())

    def _tick_list(self, tbl: etree._Element) -> list[str] | None:
        """A nested table of option | tick rows, as "☒ option" lines of its cell; None if it is not one."""
        rows = [[self._cell_text(tc, []) for tc in self._cells(tr)] for tr in self._rows(tbl)]
        if not rows or any(len(row) != 2 or lone_tick(row[1] or "☐") is None for row in rows):
            return None
        return [f"{TICKED if lone_tick(row[1]) else UNTICKED} {row[0]}" for row in rows]

    def _placeholder(self, sdt: etree._Element) -> bool:
        pr = _child(sdt, "sdtPr")
        return pr is not None and _child(pr, "showingPlcHdr") is not None

    def _text(self, p: etree._Element) -> str:
        parts: list[str] = []
        # Each paragraph has its own field stack: a paragraph read inside another (a table cell's, a
        # text box's) must not reset the outer one, or an open FORMTEXT loses its untouched default.
        saved, self._fields = self._fields, []
        try:
            self._walk(p, parts)
        finally:
            self._fields = saved
        return "".join(parts)

    def _walk(self, el: etree._Element, parts: list[str]) -> None:
        for child in el:
            tag = _local(child)
            if tag in _SKIP:
                continue
            if tag == "t":
                if not self._in_checkbox_field():
                    parts.append(child.text or "")
            elif tag == "tab":
                parts.append(" ")
            elif tag in ("br", "cr"):
                parts.append("\n")
            elif tag == "sym":
                parts.append(_SYMBOLS.get((_attr(child, "char") or "").upper()[-4:], ""))
            elif tag == "fldChar":
                self._field_char(child, parts)
            elif tag == "sdt":
                self._inline_sdt(child, parts)
            elif tag == "txbxContent":
                self._boxes.append(child)
            else:
                self._walk(child, parts)

    def _inline_sdt(self, sdt: etree._Element, parts: list[str]) -> None:
        pr = _child(sdt, "sdtPr")
        box = _child(pr, "checkbox") if pr is not None else None
        if box is not None:
            checked = _child(box, "checked")
            parts.append(TICKED if checked is not None and (_attr(checked, "val") or "1") in _TRUE else UNTICKED)
        elif not self._placeholder(sdt) and (content := _child(sdt, "sdtContent")) is not None:
            self._walk(content, parts)

    def _field_char(self, fld: etree._Element, parts: list[str]) -> None:
        kind = _attr(fld, "fldCharType")
        if kind == "begin":
            ff = _child(fld, "ffData")
            box = _child(ff, "checkBox") if ff is not None else None
            if box is not None:
                parts.append(TICKED if self._legacy_checked(box) else UNTICKED)
                self._fields.append(("checkbox", len(parts), ""))
            else:
                text_input = _child(ff, "textInput") if ff is not None else None
                default = _attr(_child(text_input, "default"), "val") if text_input is not None else None
                self._fields.append(("text", len(parts), default or ""))
        elif kind == "end" and self._fields:
            field_kind, start, default = self._fields.pop()
            result = "".join(parts[start:]).strip(" \u2002\u00a0")
            if field_kind == "text" and default and result == default.strip():
                del parts[start:]  # the untouched default of a FORMTEXT is not an answer

    def _in_checkbox_field(self) -> bool:
        return bool(self._fields) and self._fields[-1][0] == "checkbox"

    @staticmethod
    def _legacy_checked(box: etree._Element) -> bool:
        checked = _child(box, "checked")
        if checked is not None:
            return (_attr(checked, "val") or "1").lower() in _TRUE
        default = _child(box, "default")
        return default is not None and (_attr(default, "val") or "0").lower() in _TRUE

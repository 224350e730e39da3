"""Reading old binary Word files (.doc, Word 97–2003) into blocks, without LibreOffice.

Most .doc referral forms are plain: paragraphs, tables of label and answer, legacy form fields (FORMTEXT,
FORMCHECKBOX). For those this reader walks the file itself ([MS-DOC]): the piece table gives the text, the
paragraph properties say which paragraphs are table cells and which end a row, and each form field's FFData
says whether a box is ticked and what a text field's untouched default was. It renders what DocxReader renders
(☒/☐ for boxes, untouched defaults dropped, headers and text boxes as blocks of their own), so one layout model
reads both.

Starting LibreOffice costs a second or two and about 200 MB per conversion; reading the file here costs
milliseconds and almost no memory. Whatever this reader does not fully understand (fast-saved files, nested
tables, drop-down fields, Word 6/95, a structure that does not add up) raises UnsupportedDocError, and the caller
falls back to LibreOffice: never a half-read form.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from typing import Final

import olefile

from parsers.forms.document import TICKED, UNTICKED, Block, Paragraph, Table, lone_tick
from parsers.forms.limits import ExtractionLimits

_WORD_IDENT: Final = 0xA5EC
_PAGE: Final = 512  # FKP pages are 512 bytes
_FIB_RGFCLCB: Final = 154  # offset of FibRgFcLcb97 in the FIB (after FibBase, csw, FibRgW97, cslw, FibRgLw97)
_PAIR_HDD, _PAIR_BTE_CHPX, _PAIR_BTE_PAPX, _PAIR_CLX = 11, 12, 13, 33  # indices of (fc, lcb) pairs in FibRgFcLcb97

# Paragraph sprms: in a table, row end (TTP), table depth, inner-table marks.
_P_IN_TABLE, _P_TTP, _P_ITAP, _P_INNER_CELL, _P_INNER_TTP, _P_DTAP = 0x2416, 0x2417, 0x6649, 0x244B, 0x244C, 0x664A
# Character sprms: binary data position (FFData of a form field), "has data", a symbol (Wingdings tick), special.
_C_PIC_LOCATION, _C_DATA, _C_SYMBOL, _C_OLE2 = 0x6A03, 0x0806, 0x6A09, 0x080A
_T_DEF_TABLE, _T_DEF_TABLE10, _P_CHG_TABS = 0xD608, 0xD606, 0xC615

# Wingdings code points that are ticks or boxes (as DocxReader's _SYMBOLS, keyed by the low byte).
_SYMBOLS: Final = {0xFE: TICKED, 0xFD: TICKED, 0xFC: "✓", 0xA8: UNTICKED, 0x6F: UNTICKED, 0x78: TICKED}
# cp1252 bytes 0x80–0x9F that a compressed piece maps to Unicode ([MS-DOC] 2.4.1).
_CP1252: Final = bytes(range(0x80, 0xA0)).decode("cp1252", errors="replace")

_CELL, _PARA, _FIELD_BEGIN, _FIELD_SEP, _FIELD_END = "\x07", "\r", "\x13", "\x14", "\x15"
# Characters that are anchors or marks, not text (pictures, footnote and comment references, drawn objects).
_DROP: Final = dict.fromkeys(map(ord, "\x01\x02\x03\x04\x05\x06\x08\x1f"), None) | {0x1E: "-", 0x09: " ", 0x0B: "\n"}


class UnsupportedDocError(Exception):
    """This .doc uses something the native reader does not read; LibreOffice should convert it instead."""


@dataclass(frozen=True)
class _Piece:
    cp_start: int
    cp_end: int
    offset: int  # byte offset of cp_start in the WordDocument stream
    compressed: bool


@dataclass
class _TableBuild:
    """A table being read: finished rows, the row and cell being read, tables nested in its cells."""

    rows: list[tuple[str, ...]] = field(default_factory=list)
    row: list[str] = field(default_factory=list)
    cell: list[str] = field(default_factory=list)
    nested: list[_TableBuild] = field(default_factory=list)

    def tick_lines(self) -> list[str] | None:
        """A nested table of option | tick rows as "☒ option" lines (as DocxReader reads one); else None."""
        if not self.rows or any(len(r) != 2 or lone_tick(r[1] or UNTICKED) is None for r in self.rows):
            return None
        return [f"{TICKED if lone_tick(r[1]) else UNTICKED} {r[0]}" for r in self.rows]


@dataclass(frozen=True)
class _FormField:
    checkbox: bool
    checked: bool
    default: str
    choice: str | None = None  # a drop-down's chosen entry


@dataclass(frozen=True)
class DocContent:
    """What a .doc holds: its blocks in reading order, and whether it carries macros (never run, only noted)."""

    blocks: list[Block]
    macros: bool


def read_doc_blocks(data: bytes, limits: ExtractionLimits) -> DocContent:
    """Headers, then the body's paragraphs and tables, then text boxes, of a Word 97–2003 document."""
    try:
        document = _DocFile(data, limits)
        return DocContent(document.blocks(), document.macros)
    except UnsupportedDocError:
        raise
    except (OSError, struct.error, IndexError, ValueError, KeyError, UnicodeDecodeError) as exc:
        # olefile and the structures below fail in many ways on a file that is not what it claims; LibreOffice
        # may still open it (it repairs what it can), so this is "unsupported here", not "corrupt".
        raise UnsupportedDocError(f"{type(exc).__name__}: {exc}") from exc


class _DocFile:
    def __init__(self, data: bytes, limits: ExtractionLimits) -> None:
        if len(data) > limits.max_attachment_bytes:
            raise UnsupportedDocError("larger than the attachment limit")
        ole = olefile.OleFileIO(io.BytesIO(data))
        try:
            if not ole.exists("WordDocument"):
                raise UnsupportedDocError("no WordDocument stream")
            self.word = ole.openstream("WordDocument").read()
            flags = self._u16(self.word, 0x0A)
            if self._u16(self.word, 0) != _WORD_IDENT or self._u16(self.word, 2) < 0x00C1:
                raise UnsupportedDocError("not a Word 97–2003 document")
            if flags & 0x0100:
                raise UnsupportedDocError("encrypted")
            if flags & 0x0004:
                raise UnsupportedDocError("fast-saved (complex) file")
            table_name = "1Table" if flags & 0x0200 else "0Table"
            if not ole.exists(table_name):
                raise UnsupportedDocError("no table stream")
            self.table = ole.openstream(table_name).read()
            self.data = ole.openstream("Data").read() if ole.exists("Data") else b""
            self.macros = ole.exists("Macros")
        finally:
            ole.close()
        self.limits = limits
        rg_lw = 64  # FibRgLw97 follows FibBase (32), csw (2), FibRgW97 (28) and cslw (2)
        # ccpText, ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn, ccpTxbx, ccpHdrTxbx: the stories' lengths, in order
        self.ccp = [self._u32(self.word, rg_lw + 4 * i) for i in range(3, 11)]
        self.pieces = self._pieces()
        self.papx = self._bin_table(_PAIR_BTE_PAPX)
        self.chpx = self._bin_table(_PAIR_BTE_CHPX)
        self._paragraphs = 0  # numbered across headers and body, as DocxReader numbers them
        self._tables = 0
        self._papx_cache: dict[int, dict[int, bytes]] = {}
        self._chpx_cache: dict[int, dict[int, bytes]] = {}

    # ---- structure ----

    @staticmethod
    def _u16(buf: bytes, at: int) -> int:
        return int(struct.unpack_from("<H", buf, at)[0])

    @staticmethod
    def _u32(buf: bytes, at: int) -> int:
        return int(struct.unpack_from("<I", buf, at)[0])

    def _pair(self, index: int) -> tuple[int, int]:
        if self._u16(self.word, _FIB_RGFCLCB - 2) <= index:
            raise UnsupportedDocError("short FIB")
        at = _FIB_RGFCLCB + 8 * index
        return self._u32(self.word, at), self._u32(self.word, at + 4)

    def _pieces(self) -> list[_Piece]:
        fc, lcb = self._pair(_PAIR_CLX)
        clx, at = self.table[fc:fc + lcb], 0
        while at < len(clx) and clx[at] == 0x01:  # Prc: a grpprl of a fast save's property changes
            at += 3 + struct.unpack_from("<h", clx, at + 1)[0]
        if at >= len(clx) or clx[at] != 0x02:
            raise UnsupportedDocError("no piece table")
        size = self._u32(clx, at + 1)
        plc = clx[at + 5:at + 5 + size]
        count = (len(plc) - 4) // 12
        if count <= 0 or count * 12 + 4 != len(plc):
            raise UnsupportedDocError("piece table does not add up")
        cps = [self._u32(plc, 4 * i) for i in range(count + 1)]
        pieces = []
        for i in range(count):
            fc_compressed = self._u32(plc, 4 * (count + 1) + 8 * i + 2)
            prm = self._u16(plc, 4 * (count + 1) + 8 * i + 6)
            if prm & 0xFFFE:  # the piece carries property changes (fast save): not read here
                raise UnsupportedDocError("piece with property modifiers")
            compressed = bool(fc_compressed & 0x40000000)
            raw = fc_compressed & 0x3FFFFFFF
            pieces.append(_Piece(cps[i], cps[i + 1], raw // 2 if compressed else raw, compressed))
        return pieces

    def _bin_table(self, index: int) -> list[tuple[int, int, int]]:
        """A PlcBte: (first fc, end fc, FKP page number) per page."""
        fc, lcb = self._pair(index)
        plc = self.table[fc:fc + lcb]
        count = (len(plc) - 4) // 8
        if count <= 0:
            return []
        fcs = [self._u32(plc, 4 * i) for i in range(count + 1)]
        return [(fcs[i], fcs[i + 1], self._u32(plc, 4 * (count + 1) + 4 * i) & 0x3FFFFF) for i in range(count)]

    def _fkp(self, table: list[tuple[int, int, int]], cache: dict[int, dict[int, bytes]], offset: int,
             paragraph: bool) -> bytes:
        """The grpprl that applies at this byte offset (b"" when none)."""
        page = next((pn for start, end, pn in table if start <= offset < end), None)
        if page is None:
            return b""
        if page not in cache:
            cache[page] = self._read_fkp(page, paragraph)
        runs = cache[page]
        best = b""
        for first in sorted(runs):  # runs keyed by their first fc; the last one starting at or before offset
            if first > offset:
                break
            best = runs[first]
        return best

    def _read_fkp(self, page: int, paragraph: bool) -> dict[int, bytes]:
        fkp = self.word[page * _PAGE:(page + 1) * _PAGE]
        if len(fkp) < _PAGE:
            raise UnsupportedDocError("FKP page outside the stream")
        crun = fkp[_PAGE - 1]
        fcs = [self._u32(fkp, 4 * i) for i in range(crun + 1)]
        runs: dict[int, bytes] = {}
        base = 4 * (crun + 1)
        for i in range(crun):
            if paragraph:
                offset = fkp[base + 13 * i] * 2  # BxPap: bOffset, then a 12-byte PHE
                if offset == 0:
                    runs[fcs[i]] = b""
                    continue
                # PapxInFkp: cb counts words, less one byte; a zero cb is followed by the real count.
                cb = fkp[offset]
                grpprl = fkp[offset + 1:offset + 2 * cb] if cb else fkp[offset + 2:offset + 2 + 2 * fkp[offset + 1]]
                runs[fcs[i]] = grpprl[2:]  # after the istd
            else:
                offset = fkp[base + i] * 2
                runs[fcs[i]] = fkp[offset + 1:offset + 1 + fkp[offset]] if offset else b""
        return runs

    @staticmethod
    def _sprms(grpprl: bytes) -> dict[int, bytes]:
        """Each sprm's operand (the last one wins, as in Word)."""
        found: dict[int, bytes] = {}
        at = 0
        while at + 2 <= len(grpprl):
            sprm = int(struct.unpack_from("<H", grpprl, at)[0])
            at += 2
            spra = sprm >> 13
            if spra in (0, 1):
                size = 1
            elif spra in (2, 4, 5):
                size = 2
            elif spra == 3:
                size = 4
            elif spra == 7:
                size = 3
            elif sprm in (_T_DEF_TABLE, _T_DEF_TABLE10):
                size = int(struct.unpack_from("<H", grpprl, at)[0]) + 1
            elif sprm == _P_CHG_TABS and at < len(grpprl) and grpprl[at] == 255:
                raise UnsupportedDocError("tab changes of the long form")
            else:
                if at >= len(grpprl):
                    raise UnsupportedDocError("sprm runs past its grpprl")
                size = grpprl[at]
                at += 1
            if at + size > len(grpprl):
                raise UnsupportedDocError("sprm runs past its grpprl")
            found[sprm] = grpprl[at:at + size]
            at += size
        return found

    def _offset(self, cp: int) -> tuple[int, bool]:
        for piece in self.pieces:
            if piece.cp_start <= cp < piece.cp_end:
                return piece.offset + (cp - piece.cp_start) * (1 if piece.compressed else 2), piece.compressed
        raise UnsupportedDocError("character outside the piece table")

    def _text(self, start: int, end: int) -> str:
        parts = []
        for piece in self.pieces:
            lo, hi = max(start, piece.cp_start), min(end, piece.cp_end)
            if lo >= hi:
                continue
            at = piece.offset + (lo - piece.cp_start) * (1 if piece.compressed else 2)
            if piece.compressed:
                raw = self.word[at:at + hi - lo]
                parts.append(raw.decode("latin-1").translate({0x80 + i: c for i, c in enumerate(_CP1252)}))
            else:
                parts.append(self.word[at:at + 2 * (hi - lo)].decode("utf-16-le", errors="replace"))
        text = "".join(parts)
        if len(text) != end - start:
            raise UnsupportedDocError("text shorter than the piece table says")
        return text

    def _paragraph_props(self, cp: int) -> dict[int, bytes]:
        offset, _ = self._offset(cp)
        return self._sprms(self._fkp(self.papx, self._papx_cache, offset, paragraph=True))

    def _char_props(self, cp: int) -> dict[int, bytes]:
        offset, _ = self._offset(cp)
        return self._sprms(self._fkp(self.chpx, self._chpx_cache, offset, paragraph=False))

    # ---- content ----

    def blocks(self) -> list[Block]:
        ccp_text, ccp_ftn, ccp_hdd, ccp_mcr, ccp_atn, ccp_edn, ccp_txbx, ccp_hdr_txbx = self.ccp
        if ccp_text <= 0 or 2 * ccp_text > self.limits.max_uncompressed_bytes:
            raise UnsupportedDocError("no text, or more than the text limit")
        blocks: list[Block] = []
        hdd_start = ccp_text + ccp_ftn
        for story_start, story_end in self._header_stories(hdd_start, ccp_hdd):
            for text in self._plain_paragraphs(story_start, story_end):
                self._paragraphs += 1
                blocks.append(Paragraph(text, f"header, paragraph {self._paragraphs}"))
        blocks.extend(self._story(0, ccp_text))
        if ccp_txbx:
            start = hdd_start + ccp_hdd + ccp_mcr + ccp_atn + ccp_edn
            for n, text in enumerate(self._plain_paragraphs(start, start + ccp_txbx), 1):
                blocks.append(Paragraph(text, f"text box, paragraph {n}"))
        if ccp_hdr_txbx:
            start = hdd_start + ccp_hdd + ccp_mcr + ccp_atn + ccp_edn + ccp_txbx
            for n, text in enumerate(self._plain_paragraphs(start, start + ccp_hdr_txbx), 1):
                blocks.append(Paragraph(text, f"header text box, paragraph {n}"))
        return blocks

    def _plain_paragraphs(self, start: int, end: int) -> list[str]:
        """A header or text-box story as its non-empty paragraphs (no tables are expected there)."""
        text = _clean(self._fields(start, self._text(start, end)))
        return [p.strip() for p in text.replace(_CELL, _PARA).replace("\x0c", _PARA).split(_PARA) if p.strip()]

    def _header_stories(self, hdd_start: int, ccp_hdd: int) -> list[tuple[int, int]]:
        """The headers (not footers, not the note separators) of every section, as CP ranges: PlcfHdd holds six
        separator stories, then six per section (even, odd header; even, odd footer; first header, footer)."""
        if not ccp_hdd:
            return []
        fc, lcb = self._pair(_PAIR_HDD)
        plc = self.table[fc:fc + lcb]
        cps = [self._u32(plc, 4 * i) for i in range(len(plc) // 4)]
        stories = []
        for n in range(6, len(cps) - 1):
            if (n - 6) % 6 in (0, 1, 4) and cps[n] < cps[n + 1] <= ccp_hdd:
                stories.append((hdd_start + cps[n], hdd_start + cps[n + 1]))
        return stories

    def _story(self, start: int, end: int) -> list[Block]:
        text = self._text(start, end)
        # Paragraph ends: \r, a cell or row mark (\x07), a page or section break (\x0c). Fields are resolved
        # per paragraph (a field running over a paragraph mark, as a table of contents does, is not read here).
        blocks: list[Block] = []
        open_tables: list[_TableBuild] = []  # the table being read at each depth (nested ones inside cells)
        para_start = 0
        for i, char in enumerate(text):
            if char not in (_PARA, _CELL, "\x0c"):
                continue
            body = _clean(self._fields(start + para_start, text[para_start:i]))
            para_start = i + 1
            props = self._paragraph_props(start + i) if char != "\x0c" else {}
            depth = _depth(props)
            while len(open_tables) > depth:
                self._close(open_tables, blocks)
            if depth == 0:
                self._paragraphs += 1
                blocks.append(Paragraph(body, f"paragraph {self._paragraphs}"))
                continue
            while len(open_tables) < depth:
                open_tables.append(_TableBuild())
            table = open_tables[-1]
            # A row ends with a paragraph of its own (TTP); a cell with a cell mark (\x07 at depth 1, a flagged
            # paragraph mark inside a nested table).
            row_end = _flag(props, _P_TTP if depth == 1 else _P_INNER_TTP)
            cell_end = (char == _CELL) if depth == 1 else _flag(props, _P_INNER_CELL)
            if row_end:
                if table.cell or body.strip():
                    raise UnsupportedDocError("row end with text after the last cell")
                table.rows.append(tuple(table.row))
                table.row = []
            else:
                table.cell.append(body)
                if cell_end:
                    table.row.append("\n".join(line for line in table.cell if line.strip()))
                    table.cell = []
        while open_tables:
            self._close(open_tables, blocks)
        return blocks

    def _close(self, open_tables: list[_TableBuild], blocks: list[Block]) -> None:
        """The innermost open table is complete: a nested one goes into its cell, an outer one is a block."""
        table = open_tables.pop()
        if table.row or table.cell:
            raise UnsupportedDocError("table ends inside a row")
        if open_tables:
            parent = open_tables[-1]
            ticks = table.tick_lines()
            if ticks is None:
                parent.nested.append(table)
            else:
                parent.cell.extend(ticks)
            return
        self._emit(table, "", blocks)

    def _emit(self, table: _TableBuild, where: str, blocks: list[Block]) -> None:
        # Numbered as DocxReader numbers them: the outer table, then its nested tables ("table 1 > table 2").
        self._tables += 1
        name = f"{where}table {self._tables}"
        blocks.append(Table(tuple(table.rows), name))
        for inner in table.nested:
            self._emit(inner, f"{name} > ", blocks)

    def _fields(self, start: int, text: str) -> str:
        """Fields resolved: a form field becomes its answer (☒/☐ or its text), any other its shown result."""
        out: list[str] = []
        stack: list[tuple[int, int | None, str]] = []  # (where in out the field began, where its result began, code)
        code_start = 0
        for i, char in enumerate(text):
            if char == _FIELD_BEGIN:
                stack.append((len(out), None, ""))
                code_start = i + 1
                continue
            if not stack:
                out.append(self._symbol(start + i) if char == "(" else char)
                continue
            begun, result, code = stack[-1]
            if char == _FIELD_SEP and result is None:
                code = text[code_start:i]
                stack[-1] = (begun, len(out), code)
            elif char == _FIELD_END:
                stack.pop()
                if result is None:  # no separator: the code ran to the end; nothing is shown
                    code = text[code_start:i]
                    result = len(out)
                shown = "".join(out[result:])
                del out[begun:]
                out.append(self._field_value(start + code_start, code, shown))
            elif result is not None:
                out.append(self._symbol(start + i) if char == "(" else char)
            # characters of a field's code are not shown
        if stack:
            raise UnsupportedDocError("a field is never closed")
        return "".join(out)

    def _field_value(self, code_cp: int, code: str, shown: str) -> str:
        words = code.replace("\x01", " ").split()
        kind = words[0].upper() if words else ""
        if kind not in ("FORMTEXT", "FORMCHECKBOX", "FORMDROPDOWN"):
            return shown
        anchor = code.find("\x01")
        if anchor < 0:
            raise UnsupportedDocError("form field without its data")
        field = self._form_field(code_cp + anchor)
        if field.checkbox:
            return TICKED if field.checked else UNTICKED
        if field.choice is not None:
            return field.choice
        value = shown.strip(" \u2002\u00a0")
        return "" if field.default and value == field.default.strip() else shown

    def _form_field(self, cp: int) -> _FormField:
        props = self._char_props(cp)
        location = props.get(_C_PIC_LOCATION)
        if location is None or len(location) != 4:
            raise UnsupportedDocError("form field without a data location")
        at = self._u32(location, 0)
        # NilPICFAndBinData: lcb (4), cbHeader (2) = 0x44, 62 bytes ignored, then FFData.
        if self._u16(self.data, at + 4) != 0x44:
            raise UnsupportedDocError("form field data of an unknown shape")
        ff = at + 68
        if self._u32(self.data, ff) != 0xFFFFFFFF:
            raise UnsupportedDocError("form field data of an unknown version")
        bits = self._u16(self.data, ff + 4)
        kind, result = bits & 0x3, (bits >> 2) & 0x1F
        at = ff + 10  # version (4), bits (2), cch (2), hps (2)
        _, at = self._xstz(at)  # the field's name
        if kind == 0:
            default, _ = self._xstz(at)
            return _FormField(False, False, default)
        if kind not in (1, 2):
            raise UnsupportedDocError("form field of an unknown kind")
        w_default = self._u16(self.data, at)
        if kind == 1:
            return _FormField(True, bool(w_default if result == 25 else result), "")
        at += 2
        for _ in range(5):  # format, help text, status text, entry and exit macros
            _, at = self._xstz(at)
        if self._u16(self.data, at) != 0xFFFF:
            raise UnsupportedDocError("drop-down list of an unknown shape")
        count, at = self._u16(self.data, at + 2), at + 6
        entries = []
        for _ in range(count):
            size = self._u16(self.data, at)
            entries.append(self.data[at + 2:at + 2 + 2 * size].decode("utf-16-le"))
            at += 2 + 2 * size
        chosen = w_default if result == 25 else result
        return _FormField(False, False, "", entries[chosen] if chosen < len(entries) else "")

    def _xstz(self, at: int) -> tuple[str, int]:
        count = self._u16(self.data, at)
        if count > 0x7FFF:
            raise UnsupportedDocError("form field text of an impossible length")
        text = self.data[at + 2:at + 2 + 2 * count].decode("utf-16-le")
        return text, at + 2 + 2 * count + 2  # the terminating null

    def _symbol(self, cp: int) -> str:
        """A "(" that is really a symbol character (Insert Symbol): a Wingdings tick or box, else nothing."""
        symbol = self._char_props(cp).get(_C_SYMBOL)
        if symbol is None or len(symbol) != 4:
            return "("
        return _SYMBOLS.get(self._u16(symbol, 2) & 0xFF, "")


def _flag(props: dict[int, bytes], sprm: int) -> bool:
    return bool(props.get(sprm, b"\0")[:1] != b"\0")


def _depth(props: dict[int, bytes]) -> int:
    """How deep in tables a paragraph is: sprmPItap when given (Word 2000 and later), else in-table or not."""
    if _P_ITAP in props:
        return int(struct.unpack("<i", props[_P_ITAP].ljust(4, b"\0")[:4])[0])
    return 1 if _flag(props, _P_IN_TABLE) else 0


def _clean(text: str) -> str:
    return text.translate(_DROP)

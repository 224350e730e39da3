"""Rendering a BoardForm as its board publishes it: Word tables (plain, legacy fields, content controls),
fillable PDF (fields called Text12 / Check Box3, the question only in the tooltip), flat PDF, or email body."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from demo.forms import FONT_PATH, zip_files
from tests.support.board_forms.model import BoardForm, Criteria, Grid, Item, Kind, Q, Style, Ticks

_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="w14"')
_FONT = "DejaVuSans"

# A cell: (content, is an answer, column span)
Cell = tuple[str | Ticks, bool, int]


def render(form: BoardForm) -> tuple[str, bytes | str]:
    """(file name, content) of the filled-in form."""
    if form.kind is Kind.EMAIL:
        return f"{form.key}.eml-body", email_body(form)
    if form.kind is Kind.PDF_FLAT:
        return f"{form.key}.pdf", flat_pdf(form)
    if form.kind is Kind.PDF_FILLABLE:
        return f"{form.key}.pdf", fillable_pdf(form)
    return f"{form.key}.docx", docx(form)


def _answer_text(answer: str | Ticks) -> str:
    if isinstance(answer, Ticks):
        return "  ".join(f"{'☒' if o in answer.ticked else '☐'} {o}" for o in answer.options)
    return answer


def tables(form: BoardForm) -> list[tuple[str, list[list[Cell]]]]:
    """Each section as (heading, rows); a heading row spans the section's table, grids are tables of their own."""
    out: list[tuple[str, list[list[Cell]]]] = []
    for section in form.sections:
        width = 4 if section.style is not Style.ROWS else 2
        rows: list[list[Cell]] = [[(section.heading, False, width)]]
        plain = [i for i in section.items if isinstance(i, Q)]
        for item in section.items:
            if isinstance(item, Grid):
                continue
            if isinstance(item, Criteria):
                rows.append([(item.question, False, width)])
                rows += [[(text, False, width - 1), (Ticks(("",), frozenset({""} if on else ())), True, 1)]
                         for text, on in item.statements]
        rows[1:1] = _question_rows(plain, section.style)
        out.append((section.heading, rows))
        for item in section.items:
            if isinstance(item, Grid):
                grid: list[list[Cell]] = [[(h, False, 1) for h in item.headings]]
                grid += [[(v, True, 1) for v in row] for row in item.rows]
                out.append(("", grid))
    return out


def _question_rows(questions: list[Q], style: Style) -> list[list[Cell]]:
    if style is Style.ROWS:
        return [[(q.label, False, 1), (q.answer, True, 1)] for q in questions]
    rows = []
    for i in range(0, len(questions), 2):
        pair = questions[i: i + 2]
        if style is Style.PAIRS:
            cells = [c for q in pair for c in ((q.label, False, 1), (q.answer, True, 1))]
        else:
            cells = [(f"{q.label}\x00{_answer_text(q.answer) if isinstance(q.answer, Ticks) else q.answer}", True, 2)
                     for q in pair]
        rows.append(cells + [("", False, 1)] * (4 - sum(c[2] for c in cells)))
    return rows


# ---- Word ----

def _r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _p(*inner: str) -> str:
    return f"<w:p>{''.join(inner)}</w:p>"


def _legacy_text(value: str) -> str:
    default = "Enter text"
    return (f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:textInput><w:default w:val="{default}"/>'
            '</w:textInput></w:ffData></w:fldChar></w:r><w:r><w:instrText> FORMTEXT </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{_r(value or default)}'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def _legacy_box(on: bool) -> str:
    state = "<w:checked/>" if on else '<w:default w:val="0"/>'
    return (f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:sizeAuto/>{state}</w:checkBox>'
            '</w:ffData></w:fldChar></w:r><w:r><w:instrText> FORMCHECKBOX </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def _cc_text(value: str) -> str:
    if not value:
        return ('<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>'
                f'{_r("Click or tap here to enter text.")}</w:sdtContent></w:sdt>')
    return f"<w:sdt><w:sdtPr/><w:sdtContent>{_r(value)}</w:sdtContent></w:sdt>"


def _cc_box(on: bool) -> str:
    return (f'<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="{int(on)}"/></w14:checkbox></w:sdtPr>'
            f'<w:sdtContent>{_r("☒" if on else "☐")}</w:sdtContent></w:sdt>')


def _runs(answer: str | Ticks, kind: Kind) -> str:
    """An answer as Word runs, in the board's kind of field."""
    if isinstance(answer, Ticks):
        parts = []
        for option in answer.options:
            on = option in answer.ticked
            box = (_legacy_box(on) if kind is Kind.DOCX_LEGACY else _cc_box(on) if kind is Kind.DOCX_CONTROLS
                   else _r("☒" if on else "☐"))
            parts.append(box + (_r(f" {option}  ") if option else ""))
        return "".join(parts)
    if kind is Kind.DOCX_LEGACY:
        return _legacy_text(answer)
    if kind is Kind.DOCX_CONTROLS:
        return _cc_text(answer)
    return _r(answer) if answer else ""


def _tc(cell: Cell, kind: Kind) -> str:
    content, is_answer, span = cell
    props = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span > 1 else "<w:tcPr/>"
    if isinstance(content, str) and "\x00" in content:
        label, answer = content.split("\x00")
        body = _p(_r(f"{label}: "), _runs(answer, kind))
    elif is_answer:
        body = _p(_runs(content, kind))
    else:
        body = _p(_r(str(content)))
    return f"<w:tc>{props}{body}</w:tc>"


def _tbl(rows: list[list[Cell]], kind: Kind) -> str:
    width = max(sum(c[2] for c in row) for row in rows)
    grid = "<w:tblGrid>" + '<w:gridCol w:w="2400"/>' * width + "</w:tblGrid>"
    body = "".join(f"<w:tr>{''.join(_tc(c, kind) for c in row)}</w:tr>" for row in rows)
    return f"<w:tbl><w:tblPr/>{grid}{body}</w:tbl>"


def docx(form: BoardForm) -> bytes:
    """The form as a Word document: title, intro, then a table per section."""
    body = _p(_r(form.title)) + (_p(_r(form.intro)) if form.intro else "")
    for _, rows in tables(form):
        body += _tbl(rows, form.kind) + _p()
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'),
        "word/document.xml": (f'<?xml version="1.0" encoding="UTF-8"?><w:document {_NS}><w:body>{body}'
                              '<w:sectPr/></w:body></w:document>'),
    }
    return zip_files(files)


# ---- PDF ----

def _font() -> None:
    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_FONT, FONT_PATH))


def flat_pdf(form: BoardForm) -> bytes:
    """The form printed from Word: bordered tables, ☒/☐ characters, heading rows spanning each table."""
    _font()
    styles = getSampleStyleSheet()
    cell = styles["Normal"].clone("BoardCell", fontName=_FONT, fontSize=8, leading=10)
    story: list[object] = [Paragraph(escape(form.title), styles["Title"].clone("T", fontName=_FONT, fontSize=13))]
    if form.intro:
        story.append(Paragraph(escape(form.intro), cell))
    for _, rows in tables(form):
        width = max(sum(c[2] for c in row) for row in rows)
        data, style = [], [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        for r, row in enumerate(rows):
            line: list[object] = []
            for content, _, span in row:
                text = content.replace("\x00", ": ") if isinstance(content, str) else _answer_text(content).strip()
                if span > 1:
                    style.append(("SPAN", (len(line), r), (len(line) + span - 1, r)))
                line += [Paragraph(escape(text), cell)] + [""] * (span - 1)
            data.append(line + [""] * (width - len(line)))
        table = Table(data, colWidths=[510 / width] * width)
        table.setStyle(TableStyle(style))
        story += [Spacer(1, 6), table]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=form.title).build(story)
    return buffer.getvalue()


def fillable_pdf(form: BoardForm) -> bytes:
    """A fillable PDF whose fields are called Text1, Check Box2...: the question is printed beside the field
    and given again only as the field's tooltip."""
    _font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    n = {"n": 0}
    y = 800.0
    pdf.setFont(_FONT, 12)
    pdf.drawString(40, y, form.title)
    for section in form.sections:
        y -= 26
        if y < 80:
            pdf.showPage()
            y = 800.0
        pdf.setFont(_FONT, 10)
        pdf.drawString(40, y, section.heading)
        for item in section.items:
            for label, answer in _flat_questions(item):
                y -= 20
                if y < 60:
                    pdf.showPage()
                    y = 800.0
                pdf.setFont(_FONT, 7)
                pdf.drawString(40, y + 3, label[:70])
                _widget(pdf, n, label, answer, y)
    pdf.save()
    return buffer.getvalue()


def _flat_questions(item: Item) -> list[tuple[str, str | Ticks]]:
    if isinstance(item, Q):
        return [(item.label, item.answer)]
    if isinstance(item, Criteria):
        return [(text, Ticks(("",), frozenset({""} if on else ()))) for text, on in item.statements]
    raise ValueError("grids are not rendered as fillable PDF fields")


def _widget(pdf: canvas.Canvas, n: dict[str, int], label: str, answer: str | Ticks, y: float) -> None:
    if not isinstance(answer, Ticks):
        n["n"] += 1
        pdf.acroForm.textfield(name=f"Text{n['n']}", tooltip=label, value=answer, x=300, y=y, width=250,
                               height=13, fontName="Helvetica", fontSize=8, borderWidth=0.5)
        return
    x = 300.0
    for option in answer.options:
        n["n"] += 1
        pdf.acroForm.checkbox(name=f"Check Box{n['n']}", tooltip=label,
                              checked=option in answer.ticked, x=x, y=y, size=10)
        if option:
            pdf.setFont(_FONT, 6)
            pdf.drawString(x + 12, y + 2, option)
        x += 16 + pdfmetrics.stringWidth(option, _FONT, 6) + 8


# ---- email ----

def email_body(form: BoardForm) -> str:
    """The form's questions copied into an email with the answers after them (as some boards invite)."""
    lines = ["Hello,", "", f"Please find below our {form.title}.", ""]
    for section in form.sections:
        lines += [section.heading, ""]
        for item in section.items:
            for label, answer in _flat_questions(item):
                if isinstance(answer, Ticks) and answer.options == ("",):
                    text = "Yes" if answer.ticked else ""  # a criterion, ticked
                elif isinstance(answer, Ticks):
                    text = ", ".join(o for o in answer.options if o in answer.ticked)
                else:
                    text = answer
                lines.append(f"{label.rstrip(':?')}{'?' if label.endswith('?') else ':'} {text}".rstrip()
                             if text or not label.endswith("?") else label)
        lines.append("")
    return "\n".join([*lines, "Kind regards"])

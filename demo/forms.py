"""Realistic fictional referral forms (SAR Notification Form, Children's Case Referral) in every layout.

Each builder returns the bytes of one file; `DemoForm.expected` is what extraction must read back. Used by
the tests and the demo mailbox. Everyone named here is invented.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # has ☒ and ☐, as Word's MS Gothic does


@dataclass(frozen=True)
class Ticks:
    """A tick-box question: its options and which are ticked (none ticked = unanswered)."""

    options: tuple[str, ...]
    ticked: frozenset[str] = frozenset()


Answer = str | Ticks
Question = tuple[str, Answer]


@dataclass(frozen=True)
class DemoForm:
    """A filled-in form: title, sections of questions, and the canonical fields it should yield."""

    title: str
    sections: tuple[tuple[str, tuple[Question, ...]], ...]
    expected: dict[str, object]
    unanswered: tuple[str, ...]


def _yes(*ticked: str, options: tuple[str, ...] = ("Yes", "No")) -> Ticks:
    return Ticks(options, frozenset(ticked))


SAR_FORM = DemoForm(
    title="Safeguarding Adults Review (SAR) Notification Form",
    sections=(
        ("Details of the adult", (
            ("Name of adult", "Margaret Ellen Whitfield"),
            ("Date of birth", "12/03/1941"),
            ("NHS number", "943 476 5919"),
            ("Address", "14 Oakley Green Road, Windsor"),
            ("Postcode", "sl4 5ub"),
            ("Sex", _yes("Female", options=("Male", "Female"))),
        )),
        ("Details of the incident", (
            ("Has the adult died?", _yes("Yes")),
            ("Date of death", "3rd February 2026"),
            ("Date of incident", ""),
            ("Is abuse or neglect known or suspected?", _yes("Suspected", options=("Known", "Suspected"))),
            ("Type of abuse or neglect", Ticks(("Physical", "Neglect and acts of omission", "Self-neglect",
                                                "Financial or material"),
                                               frozenset({"Neglect and acts of omission", "Self-neglect"}))),
            ("Does the adult have care and support needs?", _yes("Yes", options=("Yes", "No", "Not known"))),
            ("Is there concern about how agencies worked together?", _yes("Yes")),
            ("Does the adult have a learning disability?", _yes()),
            ("Summary of concerns", "Found at home by a carer; support visits had stopped in December."),
        )),
        ("Referrer details", (
            ("Name", "Sarah Collins"),
            ("Designation", "Named Nurse for Adult Safeguarding"),
            ("Agency", "Frimley Health NHS Foundation Trust"),
            ("Email", "sarah.collins@frimley.example.org"),
            ("Telephone", "01628 555 0192"),
            ("Date of referral", "10.3.26"),
        )),
    ),
    expected={
        "subject.forenames": "Margaret Ellen", "subject.surname": "Whitfield", "subject.date_of_birth": "1941-03-12",
        "subject.nhs_number": "9434765919", "subject.postcode": "SL4 5UB", "subject.sex": "female",
        "subject.address": "14 Oakley Green Road, Windsor",
        "event.is_deceased": True, "event.date_of_death": "2026-02-03", "event.abuse_or_neglect": "suspected",
        "event.abuse_types": ("neglect", "self_neglect"), "adult.care_and_support_needs": "yes",
        "adult.joint_working_concern": "yes", "referrer.name": "Sarah Collins",
        "referrer.role": "Named Nurse for Adult Safeguarding",
        "referrer.organisation": "Frimley Health NHS Foundation Trust",
        "referrer.email": "sarah.collins@frimley.example.org", "referrer.phone": "01628 555 0192",
        "event.date_referred": "2026-03-10",
        "event.summary": "Found at home by a carer; support visits had stopped in December.",
    },
    unanswered=("Date of incident", "Does the adult have a learning disability?"),
)

CHILD_FORM = DemoForm(
    title="Children's Case Referral - Child Safeguarding Practice Review",
    sections=(
        ("Child's details", (
            ("Child's first name(s)", "Leo James"),
            ("Child's last name", "Marsh"),
            ("DoB or EDD", "1st March 2019"),
            ("NHS No (if known)", "943 476 5918"),
            ("Gender", _yes("Male", options=("Male", "Female"))),
            ("Address", "Flat 2, 7 King Street, Maidenhead sl6 1du"),
        )),
        ("Details of the incident", (
            ("Has the child died?", _yes("No")),
            ("Has the child been seriously harmed?", _yes("Yes", options=("Yes", "No", "Not known"))),
            ("Date of incident", "28/02/2026"),
            ("Is abuse or neglect known or suspected?", _yes("Known", options=("Known", "Suspected"))),
            ("Type of abuse", Ticks(("Physical", "Emotional", "Sexual", "Neglect"),
                                    frozenset({"Physical", "Emotional"}))),
            ("Is the child looked after?", _yes("No")),
            ("Is the child subject to a child protection plan?", _yes("Yes")),
            ("Brief summary", "Admitted to hospital with injuries inconsistent with the account given."),
        )),
        ("Referrer details", (
            ("Your name", "Daniel Okafor"),
            ("Role", "Social Worker"),
            ("Organisation (if applicable)", "RBWM Children's Services"),
            ("Email address", "daniel.okafor@rbwm.example.org"),
        )),
    ),
    expected={
        "subject.forenames": "Leo James", "subject.surname": "Marsh", "subject.date_of_birth": "2019-03-01",
        "subject.nhs_number": "9434765918", "subject.sex": "male", "subject.postcode": "SL6 1DU",
        "event.is_deceased": False, "event.seriously_harmed": "yes", "event.date_of_incident": "2026-02-28",
        "event.abuse_or_neglect": "known", "event.abuse_types": ("physical", "psychological"),
        "child.looked_after": "no", "child.child_protection_plan": "yes", "referrer.name": "Daniel Okafor",
        "referrer.role": "Social Worker", "referrer.organisation": "RBWM Children's Services",
        "referrer.email": "daniel.okafor@rbwm.example.org",
        "subject.address": "Flat 2, 7 King Street, Maidenhead sl6 1du",
        "event.summary": "Admitted to hospital with injuries inconsistent with the account given.",
    },
    unanswered=(),
)


class Layout(StrEnum):
    """Every layout the extractor reads."""

    DOCX_TABLE = "docx_table"  # two-column label/answer table, ☒/☐ characters, merged heading rows
    DOCX_LABEL_ABOVE = "docx_label_above"  # labels above answers, ticks in nested tables
    DOCX_CONTENT_CONTROLS = "docx_content_controls"  # w14:checkbox, text controls (placeholder), text box, header
    DOCX_LEGACY_FIELDS = "docx_legacy_fields"  # FORMTEXT and FORMCHECKBOX (w:checked / w:default)
    DOCM = "docm"  # macro-enabled document
    PDF_ACROFORM_NAMED = "pdf_acroform_named"
    PDF_ACROFORM_TOOLTIP = "pdf_acroform_tooltip"  # Text1 / Check Box2 with the question in /TU
    PDF_ACROFORM_POSITION = "pdf_acroform_position"  # Text1 with the question printed beside it
    PDF_FLAT = "pdf_flat"  # printed from Word
    PDF_SCANNED = "pdf_scanned"  # image only


# ---- Word (raw WordprocessingML, so that every construct is exactly what Word writes) ----

_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
       'xmlns:v="urn:schemas-microsoft-com:vml" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="w14"')
_DOC_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCM_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _p(*inner: str) -> str:
    return f"<w:p>{''.join(inner)}</w:p>"


def _tc(*paragraphs: str, span: int = 1, vmerge: str = "") -> str:
    props = (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + (
        f'<w:vMerge w:val="{vmerge}"/>' if vmerge == "restart" else "<w:vMerge/>" if vmerge else "")
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{''.join(paragraphs) or _p()}</w:tc>"


def _tbl(rows: list[list[str]]) -> str:
    # A grid as Word writes it: LibreOffice flattens a table without one into a paragraph.
    grid = "<w:tblGrid>" + '<w:gridCol w:w="4200"/>' * 3 + "</w:tblGrid>"
    return f"<w:tbl><w:tblPr/>{grid}" + "".join(f"<w:tr>{''.join(r)}</w:tr>" for r in rows) + "</w:tbl>"


def _char_ticks(ticks: Ticks, one_per_line: bool) -> list[str]:
    marks = [f"{'☒' if o in ticks.ticked else '☐'} {o}" for o in ticks.options]
    return [_p(_r(m)) for m in marks] if one_per_line else [_p(_r("  ".join(marks)))]


def _cc_text(value: str) -> str:
    if not value:
        return ('<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>'
                f'{_r("Click or tap here to enter text.")}</w:sdtContent></w:sdt>')
    return f"<w:sdt><w:sdtPr/><w:sdtContent>{_r(value)}</w:sdtContent></w:sdt>"


def _cc_ticks(ticks: Ticks) -> str:
    out = []
    for option in ticks.options:
        on = option in ticks.ticked
        out.append(f'<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="{int(on)}"/></w14:checkbox></w:sdtPr>'
                   f'<w:sdtContent>{_r("☒" if on else "☐")}</w:sdtContent></w:sdt>{_r(f" {option}  ")}')
    return "".join(out)


def _legacy_text(value: str) -> str:
    default = "Enter text"
    return (f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:textInput><w:default w:val="{default}"/>'
            '</w:textInput></w:ffData></w:fldChar></w:r><w:r><w:instrText> FORMTEXT </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{_r(value or default)}'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def _legacy_ticks(ticks: Ticks) -> str:
    out = []
    for n, option in enumerate(ticks.options):
        on = option in ticks.ticked
        # Word writes w:checked once a box is clicked; an untouched box has only its w:default.
        state = ("<w:checked/>" if n % 2 else '<w:default w:val="1"/>') if on else '<w:default w:val="0"/>'
        out.append(f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:sizeAuto/>{state}'
                   '</w:checkBox></w:ffData></w:fldChar></w:r><w:r><w:instrText> FORMCHECKBOX </w:instrText></w:r>'
                   f'<w:r><w:fldChar w:fldCharType="end"/></w:r>{_r(f" {option}  ")}')
    return "".join(out)


def _text_box(paragraphs: list[str]) -> str:
    inner = f"<w:txbxContent>{''.join(paragraphs)}</w:txbxContent>"
    vml = f'<w:pict><v:shape style="width:400pt;height:120pt"><v:textbox>{inner}</v:textbox></v:shape></w:pict>'
    # Word writes the box twice (DrawingML choice and VML fallback); a reader must take it once.
    return _p(f"<w:r><mc:AlternateContent><mc:Choice Requires=\"v\">{vml}</mc:Choice>"
              f"<mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent></w:r>")


def _docx_body(form: DemoForm, layout: Layout) -> tuple[str, str]:
    """(body XML, header XML) of the form in a Word layout."""
    header = _p(_r(form.title))
    if layout is Layout.DOCX_LABEL_ABOVE:
        return _label_above_body(form), ""
    rows: list[list[str]] = []
    box: list[str] = []
    for heading, questions in form.sections:
        in_box = layout is Layout.DOCX_CONTENT_CONTROLS and heading == "Referrer details"
        if in_box:
            box.append(_p(_r(heading)))
        else:
            rows.append([_tc(_p(_r(heading)), span=2)])
        for label, answer in questions:
            if layout is Layout.DOCX_CONTENT_CONTROLS:
                cell = [_p(_cc_ticks(answer))] if isinstance(answer, Ticks) else [_p(_cc_text(answer))]
            elif layout is Layout.DOCX_LEGACY_FIELDS:
                cell = [_p(_legacy_ticks(answer))] if isinstance(answer, Ticks) else [_p(_legacy_text(answer))]
            else:
                cell = (_char_ticks(answer, len(answer.options) > 3) if isinstance(answer, Ticks)
                        else [_p(_r(answer))] if answer else [])
            if in_box:
                box.append(_p(_r(f"{label}: "), *(c[5:-6] for c in cell)))
            else:
                rows.append([_tc(_p(_r(label))), _tc(*cell)])
    body = _tbl(rows) + (_text_box(box) if box else "")
    if layout is Layout.DOCX_CONTENT_CONTROLS:
        return body, header
    return _p(_r(form.title)) + body, ""


def _label_above_body(form: DemoForm) -> str:
    """Labels in one row, answers in the row below, two per row; tick lists as nested option/X tables."""
    parts = [_p(_r(form.title))]
    for heading, questions in form.sections:
        rows = [[_tc(_p(_r(heading)), span=2), _tc(_p(_r("Office use")), vmerge="restart")]]
        for i in range(0, len(questions), 2):
            pair = questions[i : i + 2]
            labels = [_tc(_p(_r(q[0]))) for q in pair]
            answers = []
            for _, answer in pair:
                if isinstance(answer, Ticks) and len(answer.options) > 3:
                    nested = _tbl([[_tc(_p(_r(o))), _tc(_p(_r("X" if o in answer.ticked else "")))]
                                   for o in answer.options])
                    answers.append(_tc(nested + _p()))
                elif isinstance(answer, Ticks):
                    answers.append(_tc(*_char_ticks(answer, False)))
                else:
                    answers.append(_tc(_p(_r(answer))) if answer else _tc())
            filler = [_tc()] * (2 - len(pair))
            rows += [[*labels, *filler, _tc(vmerge="continue")], [*answers, *filler, _tc(vmerge="continue")]]
        parts.append(_tbl(rows))
    return "".join(parts)


def build_docx(form: DemoForm, layout: Layout = Layout.DOCX_TABLE) -> bytes:
    """A Word document of the form in one of the DOCX layouts (or DOCM: the same with a macro part)."""
    body, header = _docx_body(form, Layout.DOCX_TABLE if layout is Layout.DOCM else layout)
    macro = layout is Layout.DOCM
    header_rel = ('<Relationship Id="rIdH" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'relationships/header" Target="header1.xml"/>') if header else ""
    sect = '<w:sectPr><w:headerReference w:type="default" r:id="rIdH"/></w:sectPr>' if header else "<w:sectPr/>"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{_DOCM_TYPE if macro else _DOC_TYPE}"/>'
            '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.header+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '</Relationships>'),
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{header_rel}</Relationships>'),
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {_NS}>'
                             f"<w:body>{body}{sect}</w:body></w:document>",
    }
    if header:
        files["word/header1.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><w:hdr {_NS}>{header}</w:hdr>'
    if macro:
        files["word/vbaProject.bin"] = "not a real macro project"
    return zip_files(files)


def zip_files(files: Mapping[str, str | bytes]) -> bytes:
    """A deflated zip of the given members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# ---- PDF: fillable (three naming styles), flat (as printed from Word) and scanned ----

_FONT = "DejaVuSans"


def _register_font() -> None:
    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_FONT, FONT_PATH))


def _slug(text: str) -> str:
    return "_".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def build_acroform_pdf(form: DemoForm, layout: Layout) -> bytes:
    """A fillable PDF: fields named meaningfully, or "Text1"/"Check Box2" with the question in the tooltip
    (/TU), or with the question only printed beside the field."""
    _register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    counter = {"n": 0}
    y = 800.0
    pdf.setFont(_FONT, 13)
    pdf.drawString(40, y, form.title)
    for heading, questions in form.sections:
        y -= 28
        pdf.setFont(_FONT, 11)
        pdf.drawString(40, y, heading)
        prefix = "referrer_" if heading == "Referrer details" else ""
        for label, answer in questions:
            y -= 22
            pdf.setFont(_FONT, 7.5)
            pdf.drawString(40, y + 3, label)
            _acro_field(pdf, layout, counter, prefix + _slug(label), label, answer, y)
    pdf.save()
    return buffer.getvalue()


def _acro_field(pdf: canvas.Canvas, layout: Layout, counter: dict[str, int], slug: str, label: str,
                answer: Answer, y: float) -> None:
    def name(kind: str, option: str = "") -> str:
        counter["n"] += 1
        if layout is Layout.PDF_ACROFORM_NAMED:
            return f"{slug}_{_slug(option)}" if option else slug
        return f"{kind}{counter['n']}"

    tooltip = label if layout is Layout.PDF_ACROFORM_TOOLTIP else None
    if not isinstance(answer, Ticks):
        pdf.acroForm.textfield(name=name("Text"), tooltip=tooltip, value=answer, x=250, y=y, width=300, height=14,
                               fontName="Helvetica", fontSize=8, borderWidth=0.5)
        return
    x = 250.0
    multi = len(answer.options) > 3
    group = name("Radio") if not multi and layout is not Layout.PDF_ACROFORM_POSITION else ""
    for option in answer.options:
        on = option in answer.ticked
        if group:
            pdf.acroForm.radio(name=group, tooltip=tooltip, value=option, selected=on, x=x, y=y, size=10)
        else:
            box_tip = option if layout is Layout.PDF_ACROFORM_TOOLTIP else None
            box_name = name("Check Box", option) if layout is Layout.PDF_ACROFORM_NAMED and multi else name("Check Box")
            if layout is Layout.PDF_ACROFORM_NAMED and multi:
                box_name = f"abuse_{_slug(option)}"
            pdf.acroForm.checkbox(name=box_name, tooltip=box_tip, checked=on, x=x, y=y, size=10)
        pdf.setFont(_FONT, 6)
        pdf.drawString(x + 12, y + 2, option)
        x += 16 + pdfmetrics.stringWidth(option, _FONT, 6) + 6


def build_flat_pdf(form: DemoForm) -> bytes:
    """A PDF as Word prints the form: a bordered table, ☒/☐ characters, a merged heading row per section."""
    _register_font()
    styles = getSampleStyleSheet()
    title = styles["Title"].clone("FormTitle", fontName=_FONT, fontSize=13)
    cell = styles["Normal"].clone("FormCell", fontName=_FONT, fontSize=8, leading=10)
    rows: list[list[object]] = []
    spans = []
    for heading, questions in form.sections:
        spans.append(len(rows))
        rows.append([heading, ""])
        for label, answer in questions:
            if isinstance(answer, Ticks):
                marks = [f"{'☒' if o in answer.ticked else '☐'} {o}" for o in answer.options]
                text = ("\n" if len(marks) > 3 else "  ").join(marks)
            else:
                text = answer
            rows.append([Paragraph(escape(label), cell), text])
    table = Table(rows, colWidths=[210, 300])
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTNAME", (0, 0), (-1, -1), _FONT),
             ("FONTSIZE", (0, 0), (-1, -1), 8), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    style += [("SPAN", (0, r), (1, r)) for r in spans]
    table.setStyle(TableStyle(style))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=form.title).build([Paragraph(form.title, title), Spacer(1, 8), table])
    return buffer.getvalue()


def build_scanned_pdf(form: DemoForm, dpi: int = 200) -> bytes:
    """The flat PDF printed and scanned: each page an image, no text layer."""
    import pypdfium2
    from reportlab.lib.utils import ImageReader

    document = pypdfium2.PdfDocument(build_flat_pdf(form))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for page in document:
        image = page.render(scale=dpi / 72).to_pil().convert("L")
        pdf.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    document.close()
    return buffer.getvalue()


def encrypt_pdf(data: bytes, password: str) -> bytes:
    """The PDF protected by a user password (AES-256), as sent with the password in a second email."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypt_docx(data: bytes, password: str) -> bytes:
    """The DOCX protected by a password (ECMA-376 agile encryption, as Word does)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def email_body(form: DemoForm) -> str:
    """The referral typed into an email, "Label: answer" per line, ticks written as words."""
    lines = ["Hello,", "", f"Please accept this {form.title.split(' - ')[0]} referral.", ""]
    for heading, questions in form.sections:
        lines.append(heading)
        for label, answer in questions:
            text = ", ".join(sorted(answer.ticked)) if isinstance(answer, Ticks) else answer
            lines.append(f"{label}: {text}")
        lines.append("")
    return "\n".join([*lines, "Kind regards"])


def build(form: DemoForm, layout: Layout) -> tuple[str, bytes]:
    """(file name, bytes) of the form in any layout."""
    stem = "SAR Notification Form" if form is SAR_FORM else "Childrens Case Referral"
    if layout.value.startswith("docx"):
        return f"{stem}.docx", build_docx(form, layout)
    if layout is Layout.DOCM:
        return f"{stem}.docm", build_docx(form, layout)
    if layout is Layout.PDF_FLAT:
        return f"{stem}.pdf", build_flat_pdf(form)
    if layout is Layout.PDF_SCANNED:
        return f"{stem} (scan).pdf", build_scanned_pdf(form)
    return f"{stem}.pdf", build_acroform_pdf(form, layout)

"""Old Word (.doc) and OpenDocument (.odt) fixtures, made from a demo form with LibreOffice."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from demo.forms import DemoForm, Ticks


def libreoffice_missing() -> str | None:
    """None when soffice can run, else the reason to skip."""
    if shutil.which("soffice") is None:
        return "LibreOffice not installed: apt-get install libreoffice-writer-nogui"
    return None


def python_docx_form(form: DemoForm) -> bytes:
    """The form as python-docx writes a two-column table (what Word users save as .doc too)."""
    import docx

    document = docx.Document()
    document.add_heading(form.title, 1)
    for heading, questions in form.sections:
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        cells = table.add_row().cells
        cells[0].merge(cells[1]).text = heading
        for label, answer in questions:
            cells = table.add_row().cells
            cells[0].text = label
            cells[1].text = ("  ".join(("☒ " if o in answer.ticked else "☐ ") + o for o in answer.options)
                             if isinstance(answer, Ticks) else answer)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def convert(data: bytes, suffix: str, work: Path) -> bytes:
    """DOCX bytes converted by LibreOffice to `odt` or `doc` (by way of ODT: LibreOffice's direct
    DOCX-to-DOC export drops tables, which Word's own .doc files keep)."""
    work.mkdir(parents=True, exist_ok=True)
    source = work / "form.docx"
    source.write_bytes(data)
    for step, target in (("odt", "odt"), ("doc:MS Word 97", "doc")):
        if suffix == "odt" and target == "doc":
            break
        subprocess.run(["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                        "--convert-to", step, "--outdir", str(work / target), str(source)],
                       check=True, capture_output=True, timeout=180)
        source = work / target / f"form.{target}"
    return source.read_bytes()

"""Helpers for the triage-desk browser tests: a case with one attachment of every kind, and small fixtures."""

from __future__ import annotations

import struct
import zlib
from datetime import date

from sqlmodel import Session, select

from demo.forms import SAR_FORM, Layout, build
from intake.runtime import Runtime
from intake.store.models import Case
from rules.values import CsprDecision
from tests.support.browser import take_in
from tests.support.mailfactory import make_email, simple_docx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def tiny_png(width: int = 40, height: int = 30) -> bytes:
    """A real PNG (a grey rectangle), written by hand so no imaging library is needed."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def every_kind_case(runtime: Runtime) -> str:
    """A referral with a fillable PDF form, a Word letter, a photo, a text note and a zip; its reference."""
    _, pdf = build(SAR_FORM, Layout.PDF_ACROFORM_NAMED)
    outcome = take_in(runtime, make_email(
        sender="ic.safeguarding@frimley.example.org", subject="SAR referral with documents",
        message_id="<every-kind@frimley.example.org>", attachments=[
            ("SAR form.pdf", pdf, "application/pdf"),
            ("Chronology.docx", simple_docx(["Chronology of contacts", "GP visit in January."]), DOCX),
            ("Photo of the room.png", tiny_png(), "image/png"),
            ("Notes.txt", b"Telephone notes: the family were not told.", "text/plain"),
            ("Bundle.zip", b"PK\x05\x06" + b"\x00" * 18, "application/zip")]))
    return outcome.case_reference


def set_deadline(runtime: Runtime, reference: str, due: date) -> None:
    """Give a case a panel-notification deadline (to show the badges)."""
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        case.panel_notification = case.nearest_deadline = due
        case.cspr = CsprDecision.MET
        session.add(case)
        session.commit()

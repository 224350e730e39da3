"""The golden set: a few emails, each with what the whole pipeline makes of it, so a behaviour change shows as a diff.

Regenerate after a deliberate change (and say in the commit which files changed and why):

    python -m tests.golden.make_golden --update      # rewrite every .eml and .expected.json here
    python -m tests.golden.make_golden               # only print what the pipeline makes of the committed .eml files

The emails are built by the demo form builders (demo/forms.py) and the test mail factory (tests/support/); they are
committed, so the test reads the same bytes every time (the PDF builders stamp the time into what they make). Each
`NAME.expected.json` holds the disposition, and for a case its form type, track, decisions, flags and field values.
Reference numbers, deadlines and timestamps are left out: they follow the clock of the run, not the email.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from demo.forms import CHILD_FORM, SAR_FORM, Layout, build, email_body
from demo.mailbox import variant
from intake.runtime import build_runtime
from intake.store import ledger
from intake.store.cases import current_fields
from intake.store.models import Case
from tests.conftest import make_settings
from tests.support.mailfactory import DOCX_TYPE, bounce_email, make_email, simple_docx

GOLDEN = Path(__file__).resolve().parent
WHEN = datetime(2026, 3, 10, 9, 14, tzinfo=UTC)
_TYPES = {".pdf": "application/pdf", ".docx": DOCX_TYPE}
# A case reference (SAR-2026-0001) carries the year of the run; the golden files say <REF> instead.
_REFERENCE = re.compile(r"\b(?:SAR|CSPR|REF)-\d{4}-\d{4,}\b")


def _with_form(sender: str, subject: str, form_and_layout: tuple[Any, Layout], message_id: str) -> bytes:
    name, data = build(*form_and_layout)
    return make_email(sender=sender, subject=subject, body="Please find the referral form attached.",
                      attachments=[(name, data, _TYPES[Path(name).suffix])], message_id=message_id, date=WHEN)


def _child_docx() -> bytes:
    return _with_form("daniel.okafor@rbwm.example.org", "CSPR referral", (CHILD_FORM, Layout.DOCX_TABLE),
                      "<golden-child-docx@rbwm.example.org>")


def _sar_docx() -> bytes:
    return _with_form("sarah.collins@frimley.example.org", "SAR referral", (SAR_FORM, Layout.DOCX_CONTENT_CONTROLS),
                      "<golden-sar-docx@frimley.example.org>")


def _sar_legacy_docx() -> bytes:
    other = variant(SAR_FORM, {"Name of adult": "Albert Nkemelu", "Date of birth": "02/11/1950",
                               "NHS number": "943 476 5870", "Postcode": "sl6 7ab"})
    return _with_form("adult.mash@rbwm.example.org", "Referral for a Safeguarding Adults Review",
                      (other, Layout.DOCX_LEGACY_FIELDS), "<golden-sar-legacy@rbwm.example.org>")


def _sar_fillable_pdf() -> bytes:
    return _with_form("ic.safeguarding@frimley.example.org", "SAR notification (fillable PDF)",
                      (SAR_FORM, Layout.PDF_ACROFORM_TOOLTIP), "<golden-sar-acroform@frimley.example.org>")


def _child_flat_pdf() -> bytes:
    return _with_form("public.protection@thamesvalley.example.police.uk", "Case referral",
                      (CHILD_FORM, Layout.PDF_FLAT), "<golden-child-flat-pdf@thamesvalley.example.police.uk>")


def _body_only() -> bytes:
    return make_email(sender="gp.practice@nhs.example.net", subject="Concern about a patient - no form",
                      body=email_body(SAR_FORM), message_id="<golden-body-only@nhs.example.net>", date=WHEN)


def _auto_reply() -> bytes:
    return make_email(sender="duty.manager@care.example.org", subject="Out of Office: Referral",
                      body="I am out of the office until Monday.", headers={"Auto-Submitted": "auto-replied"},
                      message_id="<golden-auto-reply@care.example.org>", date=WHEN)


def _bounce() -> bytes:
    return bounce_email("<golden-ack-that-bounced@rbwm.example.org>")


def _follow_up() -> bytes:
    return make_email(sender="sarah.collins@frimley.example.org", subject="Re: SAR referral",
                      body="Further to my referral: the GP has confirmed the date of death.",
                      headers={"In-Reply-To": "<golden-sar-docx@frimley.example.org>",
                               "References": "<golden-sar-docx@frimley.example.org>"},
                      message_id="<golden-follow-up@frimley.example.org>", date=WHEN)


def _no_form() -> bytes:
    minutes = simple_docx(["Minutes of the partnership meeting", "Item 1: apologies"])
    return make_email(sender="business.support@rbwm.example.org", subject="Minutes from Tuesday",
                      body="Hi all, minutes attached. Thanks.", attachments=[("Minutes.docx", minutes, DOCX_TYPE)],
                      message_id="<golden-no-form@rbwm.example.org>", date=WHEN)


# name -> (builder, names taken in first, in this order, in the same database)
GOLDEN_SET: dict[str, tuple[Callable[[], bytes], tuple[str, ...]]] = {
    "child_docx": (_child_docx, ()),
    "sar_docx": (_sar_docx, ()),
    "sar_legacy_docx": (_sar_legacy_docx, ()),
    "sar_fillable_pdf": (_sar_fillable_pdf, ()),
    "child_flat_pdf": (_child_flat_pdf, ()),
    "body_only": (_body_only, ()),
    "auto_reply": (_auto_reply, ()),
    "bounce": (_bounce, ()),
    "follow_up": (_follow_up, ("sar_docx",)),
    "no_form": (_no_form, ()),
}


def observe(name: str, workdir: Path) -> dict[str, Any]:
    """What the real pipeline (over a fresh SQLite database in `workdir`) makes of the committed NAME.eml,
    after taking in the emails it follows."""
    runtime = build_runtime(make_settings(workdir, db_url=f"sqlite:///{workdir / 'golden.db'}"))
    _, before = GOLDEN_SET[name]
    outcome = None
    for each in (*before, name):
        with Session(runtime.engine) as session:
            stored = ledger.store_raw(session, (GOLDEN / f"{each}.eml").read_bytes(), source="file")
        outcome = runtime.pipeline.process(stored.message_pk)
    assert outcome is not None
    result: dict[str, Any] = {"disposition": str(outcome.disposition),
                              "reason": _REFERENCE.sub("<REF>", outcome.reason), "case": None}
    if outcome.case_reference is not None:
        with Session(runtime.engine) as session:
            case = session.exec(select(Case).where(Case.reference == outcome.case_reference)).one()
            result["case"] = _case(session, case)
    runtime.engine.dispose()
    return result


def _case(session: Session, case: Case) -> dict[str, Any]:
    assert case.id is not None
    fields = {f.name: f.value for f in current_fields(session, case.id)}
    return {"form_type": case.form_type, "track": str(case.track), "cspr": str(case.cspr), "sar": str(case.sar),
            "flags": sorted(case.flags), "fields": dict(sorted(fields.items()))}


def as_text(observed: dict[str, Any]) -> str:
    """The JSON text of an expected file (the test compares the same text, so a mismatch is a readable diff)."""
    return json.dumps(observed, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rebuild the .eml files and rewrite the expectations")
    args = parser.parse_args(argv)
    if args.update:
        for name, (builder, _) in GOLDEN_SET.items():
            (GOLDEN / f"{name}.eml").write_bytes(builder())
    for name in GOLDEN_SET:
        with tempfile.TemporaryDirectory() as workdir:
            text = as_text(observe(name, Path(workdir)))
        if args.update:
            (GOLDEN / f"{name}.expected.json").write_text(text, encoding="utf-8")
        print(f"== {name}\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

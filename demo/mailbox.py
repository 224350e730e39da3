"""Build the demo mailbox: a Maildir of fictional referral emails in every layout the service reads.

    python -m demo.mailbox var/demo-mailbox

Nobody in these emails exists; NHS numbers are the NHS's published test numbers. The folder is rebuilt
from scratch each time, so `make run` always shows the same demo.
"""

from __future__ import annotations

import dataclasses
import mailbox
import shutil
import sys
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from demo.forms import CHILD_FORM, FONT_PATH, SAR_FORM, DemoForm, Layout, build, email_body, encrypt_pdf

PARTNERSHIP = "safeguarding.partnership@rbwm.example.org"
_MIME = {".pdf": "application/pdf", ".docm": "application/vnd.ms-word.document.macroEnabled.12",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def variant(form: DemoForm, replacements: dict[str, str]) -> DemoForm:
    """The same form filled in for someone else: answers (text only) replaced by label."""
    sections = tuple(
        (heading, tuple((label, replacements.get(label, answer)) for label, answer in questions))
        for heading, questions in form.sections
    )
    return dataclasses.replace(form, sections=sections)


def _email(sender: str, subject: str, body: str, when: datetime,
           attachments: tuple[tuple[str, bytes], ...] = (), headers: dict[str, str] | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, PARTNERSHIP, subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<demo-{uuid.uuid5(uuid.NAMESPACE_URL, subject + sender).hex}@example.org>"
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    for name, data in attachments:
        maintype, subtype = _MIME[Path(name).suffix.lower()].split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def demo_messages(now: datetime) -> list[bytes]:
    """The demo referrals, newest last, dated over the past fortnight."""
    pdfs = Path(FONT_PATH).exists()  # the PDF builders draw ☒/☐ with DejaVu Sans (fonts-dejavu-core)
    sar_two = variant(SAR_FORM, {"Name of adult": "Albert Nkemelu", "Date of birth": "02/11/1950",
                                 "NHS number": "943 476 5870", "Postcode": "sl6 7ab"})
    child_two = variant(CHILD_FORM, {"Child's first name(s)": "Amira", "Child's last name": "Haddad",
                                     "DoB or EDD": "14.6.09", "NHS No (if known)": "943 476 5889"})
    plan = [
        ("sarah.collins@frimley.example.org", "SAR referral", SAR_FORM, Layout.DOCX_TABLE),
        ("daniel.okafor@rbwm.example.org", "CSPR referral", CHILD_FORM, Layout.DOCX_CONTENT_CONTROLS),
        ("adult.mash@rbwm.example.org", "Referral for a Safeguarding Adults Review", sar_two,
         Layout.DOCX_LEGACY_FIELDS),
        ("school.dsl@holyport.example.sch.uk", "Children's case referral", child_two, Layout.DOCX_LABEL_ABOVE),
    ]
    if pdfs:
        plan += [
            ("ic.safeguarding@frimley.example.org", "SAR notification (fillable PDF)", sar_two,
             Layout.PDF_ACROFORM_TOOLTIP),
            ("public.protection@thamesvalley.example.police.uk", "Case referral", CHILD_FORM, Layout.PDF_FLAT),
        ]
    messages = []
    for index, (sender, subject, form, layout) in enumerate(plan):
        name, data = build(form, layout)
        messages.append(_email(sender, subject, "Please find the referral form attached.",
                               now - timedelta(days=14 - 2 * index), ((name, data),)))
    messages.append(_email("gp.practice@nhs.example.net", "Concern about a patient - no form",
                           email_body(SAR_FORM), now - timedelta(days=3)))
    if pdfs:
        _, locked = build(SAR_FORM, Layout.PDF_ACROFORM_NAMED)
        messages.append(_email("hospital.safeguarding@frimley.example.org", "SAR referral (protected)",
                               "The password will follow by phone.", now - timedelta(days=2),
                               (("SAR Notification Form.pdf", encrypt_pdf(locked, "Windsor2026")),)))
    # A damaged form: kept, and quarantined for staff on the Intake health page (requeue or "not a referral").
    messages.append(_email("referrals@care.example.org", "Referral form attached", "Please see the attached form.",
                           now - timedelta(days=4), (("SAR referral form.docx", b"PK\x03\x04" + b"\x00damaged" * 40),)))
    messages.append(_email("duty.manager@care.example.org", "Out of Office: Referral",
                           "I am out of the office until Monday.", now - timedelta(days=1),
                           headers={"Auto-Submitted": "auto-replied"}))
    return messages


def write_maildir(path: Path, messages: list[bytes]) -> None:
    """Replace `path` with a Maildir holding `messages` in new/."""
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(mailbox.MaildirMessage(raw))
    box.close()


def main(argv: list[str]) -> int:
    """Write the demo Maildir to the folder given (default var/demo-mailbox)."""
    target = Path(argv[0] if argv else "var/demo-mailbox")
    messages = demo_messages(datetime.now(UTC).replace(microsecond=0))
    write_maildir(target, messages)
    print(f"demo mailbox: {len(messages)} fictional referral emails in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

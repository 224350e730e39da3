"""Mail as agencies really send it, taken in through the test IMAP server: S/MIME (signed, tampered, encrypted),
secure-email notices, links instead of attachments, zips and photographed pages. Each ends as a case with the
right flag, the right acknowledgement and, where readable, its form read."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pypdfium2
import pytest
from sqlmodel import Session, col, select

from demo.forms import SAR_FORM, Layout, build, build_flat_pdf
from intake.runtime import build_runtime
from intake.store import cases as store_cases
from intake.store.envelopes import envelope_view
from intake.store.models import Case, CaseField, Message, Outbox, StoredAttachment
from intake.worker.stages import build_classifier
from intake.worker.unlock import UnlockOutcome, unlock_attachment
from tests.support.browser import served, signed_in_client, take_in
from tests.support.imap_server import DovecotServer
from tests.support.intake_helpers import imap_settings
from tests.support.mailfactory import make_email
from tests.support.notices import SERVICES, linked_referral
from tests.support.smime_factory import detached_signed, enveloped, inner_entity, make_pki, opaque_signed
from tests.test_zip_forms import plain_zip, protected_zip

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NO_RATE_LIMIT = ("acknowledgements:\n  max_per_hour: 1000\n  max_per_day: 1000\n"
                 "  per_domain_per_hour: 100000\n  per_domain_per_day: 100000\n"
                 "  overall_per_hour: 100000\n  overall_per_day: 100000\n")  # no flood caps either


def _smime_yaml(tmp_path: Path, pki) -> str:
    (tmp_path / "ca.pem").write_bytes(pki.ca_pem)
    (tmp_path / "partnership.pem").write_bytes(pki.partnership_pem)
    (tmp_path / "partnership.key").write_bytes(pki.partnership_key_pem)
    return (f"secure_mail:\n  smime_ca_bundle: {tmp_path / 'ca.pem'}\n"
            f"  smime_certificate: {tmp_path / 'partnership.pem'}\n"
            f"  smime_private_key_file: {tmp_path / 'partnership.key'}\n")


def _form_entity() -> bytes:
    name, data = build(SAR_FORM, Layout.DOCX_TABLE)
    return inner_entity("Please find attached a referral.", [(name, data, DOCX)])


def _outcomes(runtime) -> dict[str, dict]:
    """Per Message-ID: the case's flags and surname, the acknowledgement's text, the message's envelope."""
    found = {}
    with Session(runtime.engine) as session:
        for message in session.exec(select(Message)):
            case = session.get(Case, message.case_pk) if message.case_pk else None
            assert case is not None, (message.message_id, message.disposition, message.reason)
            surname = session.exec(select(CaseField.value).where(CaseField.case_pk == case.id,
                                                                CaseField.name == "subject.surname")).first()
            ack = session.exec(select(Outbox).where(Outbox.message_pk == message.id)).one()
            found[message.message_id] = {"flags": set(case.flags), "surname": surname, "ack": ack.body_text,
                                         "envelope": envelope_view(message), "case": case.reference}
    return found


def test_each_kind_arrives_through_imap_and_is_filed_right(dovecot: DovecotServer, sqlite_url: str,
                                                           tmp_path: Path) -> None:
    pki, stranger = make_pki(), make_pki()
    entity = _form_entity()
    name, docx = build(SAR_FORM, Layout.DOCX_TABLE)
    mails = {
        "<opaque@x>": opaque_signed(pki, entity, message_id="<opaque@x>"),
        "<tampered@x>": opaque_signed(pki, entity, message_id="<tampered@x>", tamper=True),
        "<detached@x>": detached_signed(pki, entity, message_id="<detached@x>"),
        "<enveloped@x>": enveloped(pki, entity, message_id="<enveloped@x>"),
        "<locked@x>": enveloped(stranger, entity, message_id="<locked@x>"),
        "<links@x>": linked_referral("<links@x>"),
        "<zip@x>": make_email(message_id="<zip@x>", attachments=[("referral.zip", plain_zip({name: docx}),
                                                                  "application/zip")]),
        "<zip-locked@x>": make_email(message_id="<zip-locked@x>", attachments=[
            ("referral.zip", protected_zip({name: docx}, "Kestrel-42"), "application/zip")]),
        **{f"<notice-{n}@x>": make(f"<notice-{n}@x>") for n, make in enumerate(SERVICES.values())},
    }
    dovecot.append("intake", "INBOX", list(mails.values()))
    settings = imap_settings(tmp_path, dovecot, sqlite_url, extra_yaml=NO_RATE_LIMIT + _smime_yaml(tmp_path, pki))
    runtime = build_runtime(settings)
    [report] = runtime.poll_all()
    assert report.error == "" and report.processed == {"case": len(mails)}
    got = _outcomes(runtime)

    for mid in ("<opaque@x>", "<detached@x>"):
        assert got[mid]["surname"] == "Whitfield" and got[mid]["envelope"].signature_verified is True, mid
        assert "Sarah Collins" in got[mid]["envelope"].signer
    assert got["<tampered@x>"]["envelope"].signature_verified is False
    assert got["<tampered@x>"]["surname"] == "Whitfield"  # still filed, and read
    assert got["<enveloped@x>"]["surname"] == "Whitfield"
    assert got["<enveloped@x>"]["envelope"].encryption == "decrypted"
    locked = got["<locked@x>"]
    assert "protected_message" in locked["flags"] and locked["envelope"].protected_by == "S/MIME"
    assert "protected message sent through S/MIME" in locked["ack"]

    for n, service in enumerate(SERVICES):
        notice = got[f"<notice-{n}@x>"]
        assert "protected_message" in notice["flags"] and notice["envelope"].protected_by == service, service
        assert f"protected message sent through {service}" in notice["ack"], service

    links = got["<links@x>"]
    assert "form_by_link" in links["flags"]
    assert [s for s, _ in links["envelope"].links] == ["SharePoint", "Google Drive"]
    assert "SharePoint, Google Drive" in links["ack"] and "as an attachment" in links["ack"]
    assert "sharepoint.com" not in links["ack"]  # the links themselves are never echoed

    assert got["<zip@x>"]["surname"] == "Whitfield"
    zipped = got["<zip-locked@x>"]
    assert "encrypted_attachment" in zipped["flags"] and zipped["surname"] is None
    assert "telephone us with the password" in zipped["ack"]
    _unlock(runtime, settings, zipped["case"])


def _unlock(runtime, settings, reference: str) -> None:
    with Session(runtime.engine) as session:
        case = store_cases.case_by_reference(session, reference=reference)
        assert case is not None and case.id is not None
        row = session.exec(select(StoredAttachment).join(Message, col(Message.id) == StoredAttachment.message_pk)
                           .where(Message.case_pk == case.id)).one()
        assert row.id is not None
        result = unlock_attachment(session, case=case, attachment_id=row.id, password="Kestrel-42",
                                   settings=settings, classify=build_classifier(settings), actor="tina")
        session.commit()
        assert result.outcome is UnlockOutcome.READ and result.fields > 5
        assert "encrypted_attachment" not in case.flags
        assert any(f.name == "subject.surname" and f.value == "Whitfield"
                   for f in store_cases.current_fields(session, case.id))


def _page_images() -> list[tuple[str, bytes, str]]:
    """The flat form printed, photographed as two pages: the top half upright as JPEG, the bottom half
    turned sideways as HEIC (as a phone saves it)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    document = pypdfium2.PdfDocument(build_flat_pdf(SAR_FORM))
    page = document[0].render(scale=150 / 72).to_pil().convert("RGB")
    document.close()
    half = page.height // 2
    top, bottom = page.crop((0, 0, page.width, half + 40)), page.crop((0, half - 40, page.width, page.height))
    first, second = io.BytesIO(), io.BytesIO()
    top.save(first, "JPEG", quality=85)
    bottom.rotate(90, expand=True).save(second, "HEIF", quality=80)
    return [("IMG_0001.jpg", first.getvalue(), "image/jpeg"), ("IMG_0002.heic", second.getvalue(), "image/heic")]


def test_photographed_pages_are_read_by_ocr_in_order_and_flagged(dovecot: DovecotServer, sqlite_url: str,
                                                                  tmp_path: Path) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract not installed: apt-get install tesseract-ocr tesseract-ocr-osd")
    dovecot.append("intake", "INBOX", make_email(message_id="<photos@x>", attachments=_page_images()))
    runtime = build_runtime(imap_settings(tmp_path, dovecot, sqlite_url, extra_yaml=NO_RATE_LIMIT))
    runtime.poll_all()
    [got] = _outcomes(runtime).values()
    assert "scanned_form" in got["flags"] and got["surname"] == "Whitfield"
    with Session(runtime.engine) as session:
        fields = {f.name: f for f in store_cases.current_fields(session, 1)}
        names = [a.filename for a in session.exec(select(StoredAttachment).order_by(col(StoredAttachment.id)))]
    organisation = fields["referrer.organisation"]  # from the second page, photographed sideways
    assert organisation.value == "Frimley Health NHS Foundation Trust"
    assert organisation.source.startswith("IMG_0002.heic")
    assert names == ["IMG_0001.jpg", "IMG_0002.heic"]
    assert "scanned image" in got["ack"]


def test_the_case_page_shows_signer_verdict_service_and_links(sqlite_url: str, tmp_path: Path) -> None:
    from tests.support.browser import seeded_runtime

    pki = make_pki()
    yaml = _smime_yaml(tmp_path, pki).replace(f"  smime_private_key_file: {tmp_path / 'partnership.key'}\n", "")
    runtime = seeded_runtime(tmp_path, sqlite_url, extra_yaml=NO_RATE_LIMIT + yaml,
                             env={"INTAKE_SMIME_PRIVATE_KEY": pki.partnership_key_pem.decode()})
    entity = _form_entity()
    signed = take_in(runtime, opaque_signed(pki, entity, message_id="<p1@x>")).case_reference
    tampered = take_in(runtime, opaque_signed(pki, entity, message_id="<p2@x>", tamper=True)).case_reference
    decrypted = take_in(runtime, enveloped(pki, entity, message_id="<p3@x>")).case_reference
    egress = take_in(runtime, SERVICES["Egress"]("<p4@x>")).case_reference
    links = take_in(runtime, linked_referral("<p5@x>")).case_reference
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        page = {ref: client.get(f"/cases/{ref}").text for ref in (signed, tampered, decrypted, egress, links)}
    assert "signature verified" in page[signed] and "Sarah Collins" in page[signed]
    assert "signature NOT verified" in page[tampered] and "changed after it was signed" in page[tampered]
    assert "decrypted on arrival" in page[decrypted]
    assert "Protected message (Egress)" in page[egress] and "Egress account" in page[egress]
    assert "Documents behind links" in page[links] and "<code>https://drive.google.com/" in page[links]
    assert 'href="https://drive.google.com' not in page[links]  # listed, not linked


def test_a_photograph_beside_a_form_is_kept_and_neither_scanned_nor_no_form(sqlite_url: str, tmp_path: Path) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract not installed: apt-get install tesseract-ocr tesseract-ocr-osd")
    import random

    from PIL import Image

    from tests.conftest import make_settings

    rng = random.Random(15)
    photo = Image.frombytes("RGB", (640, 480), bytes(rng.randrange(256) for _ in range(640 * 480 * 3)))
    jpeg = io.BytesIO()
    photo.save(jpeg, "JPEG", quality=90)
    name, docx = build(SAR_FORM, Layout.DOCX_TABLE)
    runtime = build_runtime(make_settings(tmp_path, db_url=sqlite_url, extra_yaml=NO_RATE_LIMIT))
    outcome = take_in(runtime, make_email(message_id="<photo@x>", attachments=[
        (name, docx, DOCX), ("bruising.jpg", jpeg.getvalue(), "image/jpeg")]))
    with Session(runtime.engine) as session:
        case = store_cases.case_by_reference(session, reference=outcome.case_reference)
        rows = {a.filename: a for a in session.exec(select(StoredAttachment))}
    assert case is not None
    assert not {"no_form", "scanned_form"} & set(case.flags)
    assert rows["bruising.jpg"].flags == ["no_form"] and rows[name].flags == []

"""S/MIME made with cryptography and a test CA: opaque and detached signatures verified, tampering caught,
enveloped mail decrypted with the partnership's key; the corpus's real S/MIME messages opened."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parsers.message import parse_message
from parsers.smime import SmimeKeys, open_smime
from parsers.values import Encryption
from tests.support.smime_factory import (
    detached_signed,
    enveloped,
    inner_entity,
    make_pki,
    opaque_signed,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AT = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki():
    return make_pki()


def _keys(pki, **changes) -> SmimeKeys:
    values = {"trusted": pki.ca_pem, "private_key": pki.partnership_key_pem, "certificate": pki.partnership_pem,
              "at": AT, **changes}
    return SmimeKeys(**values)


def _entity() -> bytes:
    return inner_entity("Please find attached a referral.", [("SAR form.docx", b"PK\x03\x04 form bytes", DOCX)])


def test_an_opaque_signed_message_is_read_as_what_it_carries_and_verified(pki) -> None:
    parsed = parse_message(opaque_signed(pki, _entity(), message_id="<o@x>"), smime=_keys(pki))
    assert [a.filename for a in parsed.attachments] == ["SAR form.docx"]
    assert "Please find attached" in parsed.text_body
    assert parsed.message_id == "<o@x>" and parsed.sender == "sarah.collins@frimley.example.org"
    assert parsed.envelope.signature_verified is True
    assert parsed.envelope.signer == "Sarah Collins <sarah.collins@frimley.example.org>"


def test_a_tampered_opaque_signature_is_not_verified_but_the_message_is_still_read(pki) -> None:
    parsed = parse_message(opaque_signed(pki, _entity(), message_id="<t@x>", tamper=True), smime=_keys(pki))
    assert parsed.envelope.signature_verified is False
    assert "changed after it was signed" in parsed.envelope.signature_detail
    assert [a.filename for a in parsed.attachments] == ["SAR form.docx"]


def test_multipart_signed_is_verified_and_its_first_part_read(pki) -> None:
    parsed = parse_message(detached_signed(pki, _entity(), message_id="<d@x>"), smime=_keys(pki))
    assert parsed.envelope.signature_verified is True
    assert [a.filename for a in parsed.attachments] == ["SAR form.docx"]  # smime.p7s is not an attachment


def test_a_signer_outside_the_configured_chain_or_time_is_not_verified(pki) -> None:
    other = make_pki()
    raw = opaque_signed(pki, _entity(), message_id="<c@x>")
    untrusted = open_smime(raw, _keys(pki, trusted=other.ca_pem)).signature
    assert untrusted is not None and not untrusted.verified and "not trusted" in untrusted.detail
    expired = open_smime(raw, _keys(pki, at=datetime(2040, 1, 1, tzinfo=UTC))).signature
    assert expired is not None and not expired.verified
    unconfigured = open_smime(raw, None).signature
    assert unconfigured is not None and not unconfigured.verified and "configured" in unconfigured.detail


def test_enveloped_mail_is_decrypted_with_the_partnership_key_else_locked(pki) -> None:
    raw = enveloped(pki, _entity(), message_id="<e@x>")
    opened = parse_message(raw, smime=_keys(pki))
    assert opened.envelope.encryption is Encryption.DECRYPTED and not opened.envelope.protected_by
    assert [a.filename for a in opened.attachments] == ["SAR form.docx"]
    locked = parse_message(raw, smime=_keys(pki, private_key=None))
    assert locked.envelope.encryption is Encryption.LOCKED and locked.envelope.protected_by == "S/MIME"
    other = make_pki()
    wrong_key = parse_message(raw, smime=_keys(pki, private_key=other.partnership_key_pem,
                                              certificate=other.partnership_pem))
    assert wrong_key.envelope.protected_by == "S/MIME"


def test_signed_then_encrypted_is_decrypted_and_verified(pki) -> None:
    signed = opaque_signed(pki, _entity(), message_id="<se@x>")
    entity = signed.split(b"MIME-Version: 1.0\r\n", 1)[1]
    parsed = parse_message(enveloped(pki, entity, message_id="<se@x>"), smime=_keys(pki))
    assert parsed.envelope.encryption is Encryption.DECRYPTED and parsed.envelope.signature_verified is True
    assert [a.filename for a in parsed.attachments] == ["SAR form.docx"]


def _corpus_smime(corpus: Path) -> list[Path]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return [corpus / row["file"] for row in csv.DictReader(handle, delimiter="\t")
                if "smime" in row["flags"] and (corpus / row["file"]).suffix == ".eml"]


def test_the_corpus_smime_messages_open_or_are_locked(corpus: Path) -> None:
    files = _corpus_smime(corpus)
    assert files
    for path in files:
        parsed = parse_message(path.read_bytes())
        envelope = parsed.envelope
        if "encrypted" in path.name:  # encrypted to RT's test key, which we do not hold
            assert envelope.protected_by == "S/MIME", path.name
        elif "signed" in path.name:
            # No CA configured, so not verified; but the signature itself matched the bytes as sent.
            assert envelope.signature_verified is False and "configured" in envelope.signature_detail, path.name
            assert envelope.signer, path.name
            assert not any(a.filename == "smime.p7s" for a in parsed.attachments), path.name

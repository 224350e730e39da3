"""Genuine S/MIME made with `cryptography`: a test CA, a referrer's signing certificate, the partnership's own.

Signed and encrypted referrals are built the way mail clients send them (RFC 8551): opaque signed-data
in an `smime.p7m`, `multipart/signed` with a detached `smime.p7s`, and enveloped data to the partnership.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.mailfactory import PARTNERSHIP

SENDER = "sarah.collins@frimley.example.org"
NOT_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common: str, email: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attributes)


def _certificate(subject: x509.Name, key: rsa.RSAPrivateKey, issuer: x509.Name, issuer_key: rsa.RSAPrivateKey,
                 *, ca: bool, email: str | None = None) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(NOT_BEFORE)
               .not_valid_after(NOT_BEFORE + timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    else:
        builder = (builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email or "")]),
                                         critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False))
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass(frozen=True)
class TestPki:
    """A CA, a referrer who signs, and the partnership who is encrypted to (all keys RSA 2048)."""

    ca_key: rsa.RSAPrivateKey
    ca: x509.Certificate
    signer_key: rsa.RSAPrivateKey
    signer: x509.Certificate
    partnership_key: rsa.RSAPrivateKey
    partnership: x509.Certificate

    @property
    def ca_pem(self) -> bytes:
        """The CA bundle a partnership configures."""
        return self.ca.public_bytes(serialization.Encoding.PEM)

    @property
    def partnership_key_pem(self) -> bytes:
        """The partnership's private key, PEM, unencrypted."""
        return self.partnership_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption())

    @property
    def partnership_pem(self) -> bytes:
        """The partnership's certificate, PEM."""
        return self.partnership.public_bytes(serialization.Encoding.PEM)


def make_pki() -> TestPki:
    """A fresh test PKI."""
    ca_key, signer_key, partnership_key = _key(), _key(), _key()
    ca_name = _name("Test NHS Trust Issuing CA")
    ca = _certificate(ca_name, ca_key, ca_name, ca_key, ca=True)
    signer = _certificate(_name("Sarah Collins", SENDER), signer_key, ca_name, ca_key, ca=False, email=SENDER)
    partnership = _certificate(_name("Safeguarding Partnership", PARTNERSHIP), partnership_key, ca_name, ca_key,
                               ca=False, email=PARTNERSHIP)
    return TestPki(ca_key, ca, signer_key, signer, partnership_key, partnership)


def inner_entity(body: str, attachments: Sequence[tuple[str, bytes, str]] = ()) -> bytes:
    """The MIME entity a client signs or encrypts: content headers and body, no From or Subject."""
    msg = EmailMessage()
    msg.set_content(body)
    for filename, data, ctype in attachments:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    del msg["MIME-Version"]
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def _headers(message_id: str, subject: str, sender: str) -> bytes:
    date = format_datetime(datetime(2026, 3, 10, 9, 14, tzinfo=UTC))
    return (f"From: Sarah Collins <{sender}>\r\nTo: {PARTNERSHIP}\r\nSubject: {subject}\r\nDate: {date}\r\n"
            f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n").encode()


def _p7m(der: bytes, smime_type: str) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"\r\n")
    return (f"Content-Type: application/pkcs7-mime; smime-type={smime_type}; name=\"smime.p7m\"\r\n"
            "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7m\"\r\n"
            "\r\n").encode() + body


def signed_der(pki: TestPki, entity: bytes) -> bytes:
    """Opaque SignedData over the entity (the form travels inside the signature)."""
    return (pkcs7.PKCS7SignatureBuilder().set_data(entity).add_signer(pki.signer, pki.signer_key, hashes.SHA256())
            .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))


def opaque_signed(pki: TestPki, entity: bytes, *, message_id: str, subject: str = "SAR referral",
                  tamper: bool = False) -> bytes:
    """A whole message signed opaquely; `tamper` changes one byte of the signed content after signing."""
    der = signed_der(pki, entity)
    if tamper:
        at = der.find(b"Please find")
        assert at > 0, "the content is stored in the signature"
        der = der[:at] + b"P" + b"L" + der[at + 2:]
    return _headers(message_id, subject, SENDER) + _p7m(der, "signed-data")


def detached_signed(pki: TestPki, entity: bytes, *, message_id: str, subject: str = "SAR referral") -> bytes:
    """`multipart/signed` with the entity as first part and a detached smime.p7s."""
    smime = (pkcs7.PKCS7SignatureBuilder().set_data(entity).add_signer(pki.signer, pki.signer_key, hashes.SHA256())
             .sign(serialization.Encoding.SMIME, [pkcs7.PKCS7Options.DetachedSignature,
                                                  pkcs7.PKCS7Options.Binary]))
    smime = smime.replace(b"MIME-Version: 1.0\r\n", b"", 1).replace(b"MIME-Version: 1.0\n", b"", 1)
    return _headers(message_id, subject, SENDER) + smime


def enveloped(pki: TestPki, entity: bytes, *, message_id: str, subject: str = "SAR referral") -> bytes:
    """The entity encrypted to the partnership's certificate (EnvelopedData, AES-256-CBC)."""
    der = (pkcs7.PKCS7EnvelopeBuilder().set_data(entity).add_recipient(pki.partnership)
           .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))
    return _headers(message_id, subject, SENDER) + _p7m(der, "enveloped-data")

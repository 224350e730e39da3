"""S/MIME: open signed and encrypted messages so that what is inside is read as the message.

Opaque signed-data (`application/pkcs7-mime; smime-type=signed-data`, an `smime.p7m` holding the whole
message, forms included) is unwrapped; `multipart/signed` is checked and its first part taken; enveloped
data is decrypted when the partnership configures its key. The signature is checked with `cryptography`
over the structures that `asn1crypto` reads (cryptography can build PKCS#7 but not verify it), and the
signer's certificate chain with cryptography's own X.509 verifier against the CAs the partnership trusts.

Pure: keys, trusted certificates and the time to judge validity at come in as values.
"""

from __future__ import annotations

import base64
import email
import email.parser
import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError

from parsers.values import Encryption

PKCS7_MIME = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})
PKCS7_SIGNATURE = frozenset({"application/pkcs7-signature", "application/x-pkcs7-signature"})
MAX_LAYERS = 4  # signed inside encrypted inside signed is the deepest real mail goes
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class SmimeKeys:
    """What the partnership configures: the CAs it trusts, and its own key and certificate to decrypt with."""

    trusted: bytes = b""  # PEM bundle of the CAs trusted (bytes, so the value pickles into a child process)
    private_key: bytes | None = None  # PEM
    certificate: bytes | None = None  # PEM: the certificate senders encrypt to
    at: datetime | None = None  # when to judge certificate validity (the caller's clock; parsers have none)


@dataclass(frozen=True)
class Signature:
    """Who signed, and whether the signature and the signer's certificate chain verified."""

    signer: str
    verified: bool
    detail: str


@dataclass(frozen=True)
class Opened:
    """The message with its S/MIME layers removed, and what they said."""

    raw: bytes
    signature: Signature | None = None
    encryption: Encryption = Encryption.NONE
    defects: tuple[str, ...] = ()


def open_smime(raw: bytes, keys: SmimeKeys | None = None) -> Opened:
    """Remove the S/MIME layers of a message; never raises (what could not be opened is a defect)."""
    signature: Signature | None = None
    encryption = Encryption.NONE
    defects: list[str] = []
    current = raw
    for _ in range(MAX_LAYERS):
        # The headers say whether this is S/MIME at all; only then is the whole message parsed (twice the
        # work on every large plain message otherwise).
        if not is_smime(email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(current)):
            break
        msg = email.message_from_bytes(current, policy=email.policy.compat32)
        try:
            layer = _open_layer(current, msg, keys or SmimeKeys())
        except Exception as exc:  # asn1crypto and the email package raise many types on damaged input
            defects.append(f"S/MIME part could not be read ({type(exc).__name__})")
            break
        if layer is None:
            break
        inner, found, encrypted = layer
        signature = signature or found
        if encrypted is Encryption.LOCKED:
            encryption = Encryption.LOCKED
            break
        if encrypted is Encryption.DECRYPTED:
            encryption = Encryption.DECRYPTED
        current = _rewrap(current, inner)
    if signature is not None and not signature.verified:
        defects.append(f"S/MIME signature not verified: {signature.detail}")
    return Opened(current, signature, encryption, tuple(defects))


def is_smime(msg: Message) -> bool:
    """Whether a message's top level is S/MIME (opaque signed, enveloped, or multipart/signed)."""
    ctype = msg.get_content_type()
    protocol = str(msg.get_param("protocol", "") or "").lower()
    return ctype in PKCS7_MIME or (ctype == "multipart/signed" and protocol in PKCS7_SIGNATURE) or (
        ctype == "application/octet-stream" and (msg.get_filename() or "").lower() == "smime.p7m")


def _open_layer(raw: bytes, msg: Message, keys: SmimeKeys) -> tuple[bytes, Signature | None, Encryption] | None:
    if not is_smime(msg):
        return None
    if msg.get_content_type() == "multipart/signed":
        content, signature_der = _split_signed(raw, msg)
        return content, check_signed_data(signature_der, keys, detached=_canonical(content))[1], Encryption.NONE
    der = _der(msg)
    kind = cms.ContentInfo.load(der)["content_type"].native
    if kind == "signed_data":
        inner, signature = check_signed_data(der, keys)
        return inner, signature, Encryption.NONE
    if kind == "enveloped_data":
        inner_or_none = _decrypt(der, keys)
        if inner_or_none is None:
            return raw, None, Encryption.LOCKED
        return inner_or_none, None, Encryption.DECRYPTED
    return None


def _der(msg: Message) -> bytes:
    payload = msg.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    if data.lstrip().startswith(b"-----BEGIN"):  # some clients send PEM inside the MIME part
        body = b"".join(line for line in data.splitlines() if line and not line.startswith(b"-----"))
        data = base64.b64decode(body)
    return data


def _split_signed(raw: bytes, msg: Message) -> tuple[bytes, bytes]:
    """The signed first part exactly as sent (the signature covers its bytes) and the detached signature."""
    boundary = msg.get_boundary()
    if not boundary:
        raise ValueError("multipart/signed without a boundary")
    delimiter = re.compile(rb"(?:^|\r?\n)--" + re.escape(boundary.encode()) + rb"(--)?[ \t]*(?=\r?\n|$)")
    cuts = list(delimiter.finditer(raw))
    if len(cuts) < 3:
        raise ValueError("multipart/signed has fewer than two parts")
    first = raw[cuts[0].end():cuts[1].start()]
    first = first[2:] if first.startswith(b"\r\n") else first[1:] if first.startswith(b"\n") else first
    signature_part = email.message_from_bytes(raw[cuts[1].end():cuts[2].start()].lstrip(b"\r\n"),
                                              policy=email.policy.compat32)
    return first, _der(signature_part)


def _canonical(data: bytes) -> bytes:
    """MIME canonical form (CRLF line ends), which is what S/MIME signs."""
    return re.sub(rb"\r?\n", b"\r\n", data)


def _rewrap(outer: bytes, inner: bytes) -> bytes:
    """The outer message's headers (From, Subject, Message-ID...) over the inner entity's own headers and body."""
    match = _HEADER_END.search(outer)
    head = outer[: match.start()] if match else outer
    kept: list[bytes] = []
    keep = True
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t"):
            if keep:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        keep = not name.startswith(b"content-")
        if keep:
            kept.append(line)
    return b"\r\n".join(kept) + b"\r\n" + inner.lstrip(b"\r\n")


def check_signed_data(der: bytes, keys: SmimeKeys, *, detached: bytes | None = None) -> tuple[bytes, Signature]:
    """(the signed content, the signature's verdict) of a CMS SignedData; raises only if it is not one."""
    signed = cms.ContentInfo.load(der)["content"]
    encapsulated = signed["encap_content_info"]["content"].native
    content = detached if detached is not None else (encapsulated or b"")
    certificates = [x509.load_der_x509_certificate(c.chosen.dump()) for c in signed["certificates"] or []
                    if c.name == "certificate"]
    infos = signed["signer_infos"]
    if not infos:
        return content, Signature("unknown", False, "the message carries no signature")
    info = infos[0]
    signer = _signer_certificate(info["sid"], certificates)
    if signer is None:
        return content, Signature("unknown", False, "the signer's certificate is not in the message")
    name = describe(signer)
    problem = _signature_problem(info, signer, content)
    if problem:
        return content, Signature(name, False, problem)
    problem = _chain_problem(signer, [c for c in certificates if c != signer], keys)
    return content, Signature(name, not problem, problem or "signature and certificate chain verified")


def _signer_certificate(sid: cms.SignerIdentifier, certificates: list[x509.Certificate]) -> x509.Certificate | None:
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (certificate.serial_number == wanted["serial_number"].native
                    and certificate.issuer.public_bytes() == wanted["issuer"].dump()):
                return certificate
        else:
            try:
                ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == sid.chosen.native:
                return certificate
    return None


def _signature_problem(info: cms.SignerInfo, signer: x509.Certificate, content: bytes) -> str:
    """Why the signature does not match the content, or "" when it does."""
    hash_name = info["digest_algorithm"]["algorithm"].native
    algorithm = _HASHES.get(hash_name)
    if algorithm is None:
        return f"unsupported digest algorithm {hash_name}"
    attributes = info["signed_attrs"]
    signed_bytes = content
    if attributes:
        digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
        if not digests or digests[0] != hashlib.new(hash_name, content).digest():
            return "the message was changed after it was signed"
        # The signature covers the attributes DER-encoded as a SET OF, not with their [0] tag (RFC 5652 5.4).
        signed_bytes = b"\x31" + attributes.dump()[1:]
    signature = info["signature"].native
    scheme = info["signature_algorithm"]["algorithm"].native
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            pad: padding.AsymmetricPadding = (
                padding.PSS(mgf=padding.MGF1(algorithm()), salt_length=padding.PSS.AUTO) if "pss" in scheme
                else padding.PKCS1v15())
            key.verify(signature, signed_bytes, pad, algorithm())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(algorithm()))
        else:
            return f"unsupported signature key type {type(key).__name__}"
    except InvalidSignature:
        return "the signature does not match the message"
    except (UnsupportedAlgorithm, ValueError) as exc:
        return f"the signature could not be checked ({type(exc).__name__})"
    return ""


def _chain_problem(signer: x509.Certificate, intermediates: list[x509.Certificate], keys: SmimeKeys) -> str:
    """Why the signer's certificate does not chain to a trusted CA, or "" when it does."""
    if not keys.trusted:
        return "no trusted certificate authorities are configured"
    if keys.at is None:
        return "no time to check the certificates against"
    # S/MIME certificates carry emailProtection, not the web's TLS usages: accept any end-entity extensions,
    # keep the CA rules.
    try:
        anchors = load_trusted(keys.trusted)
    except ValueError:
        return "the configured CA bundle could not be read"
    builder = (PolicyBuilder().store(Store(list(anchors))).time(keys.at)
               .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                                   ee_policy=ExtensionPolicy.permit_all()))
    try:
        builder.build_client_verifier().verify(signer, intermediates)
    except VerificationError as exc:
        return f"the signer's certificate is not trusted ({str(exc)[:200]})"
    return ""


def describe(certificate: x509.Certificate) -> str:
    """The signer as staff read it: "Name <address>" from the certificate."""
    names = [str(a.value) for a in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    addresses = [str(a.value) for a in certificate.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)]
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        addresses += san.get_values_for_type(x509.RFC822Name)
    except x509.ExtensionNotFound:
        pass
    name = names[0] if names else certificate.subject.rfc4514_string()
    return f"{name} <{addresses[0]}>" if addresses and addresses[0] != name else name


def _decrypt(der: bytes, keys: SmimeKeys) -> bytes | None:
    """The decrypted content, or None when no configured key opens it."""
    if keys.private_key is None or keys.certificate is None:
        return None
    try:
        key = serialization.load_pem_private_key(keys.private_key, password=None)
        certificate = x509.load_pem_x509_certificate(keys.certificate)
        if not isinstance(key, rsa.RSAPrivateKey):  # cryptography decrypts PKCS#7 for RSA recipients only
            return None
        return pkcs7.pkcs7_decrypt_der(der, certificate, key, [])
    except ValueError:  # not encrypted to our certificate, or damaged
        return None


def load_trusted(bundle: bytes) -> tuple[x509.Certificate, ...]:
    """The certificates of a PEM bundle (or one DER certificate)."""
    if b"-----BEGIN" in bundle:
        return tuple(x509.load_pem_x509_certificates(bundle))
    return (x509.load_der_x509_certificate(bundle),)

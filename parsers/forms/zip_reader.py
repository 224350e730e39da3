"""Zip files holding the form (and perhaps supporting documents), including password-protected ones.

The message parser unpacks plain zips into attachments (parsers.containers); a zip reaches this reader
when it is password-protected (ZipCrypto or WinZip AES, read with pyzipper) or could not be unpacked
there. Without the password it is flagged like an encrypted form, for staff to unlock with the password
given by phone; with it, each document inside is read and the results merged. Sizes are bounded as for
any zip container: declared and actual unpacked bytes against the limit.
"""

from __future__ import annotations

import io
import mimetypes
import zipfile

import pyzipper

from parsers.errors import CorruptAttachmentError, ZipBombError
from parsers.forms.limits import ExtractionLimits
from parsers.forms.result import flagged_form, merge_forms
from parsers.forms.vocabulary import Vocabulary
from parsers.values import Attachment, ExtractedForm, Flag

MAX_MEMBERS = 200  # documents in one referral's zip; thousands is not a referral


class WrongPasswordError(Exception):
    """The password does not open the zip."""


def is_encrypted_zip(archive: zipfile.ZipFile) -> bool:
    """Whether any member is encrypted (general purpose flag bit 0)."""
    return any(info.flag_bits & 0x1 for info in archive.infolist())


def read_zip(
    attachment: Attachment, vocabulary: Vocabulary, limits: ExtractionLimits, password: str | None
) -> ExtractedForm:
    """The documents inside a zip read as one form; without the password of a protected zip, flagged."""
    name = attachment.filename
    try:
        archive = pyzipper.AESZipFile(io.BytesIO(attachment.data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptAttachmentError("The zip file is damaged and could not be opened.") from exc
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > limits.max_uncompressed_bytes:
        raise ZipBombError()
    if is_encrypted_zip(archive):
        if not password:
            return flagged_form(name, Flag.ENCRYPTED_ATTACHMENT,
                                "The zip file is password-protected; it can be read once staff supply the password.")
        archive.setpassword(password.encode("utf-8"))
    try:
        members = _members(archive, infos, name, attachment.origin, limits.max_uncompressed_bytes)
    except WrongPasswordError:
        return flagged_form(name, Flag.ENCRYPTED_ATTACHMENT, "The password did not open the zip file.")
    return _read_members(name, members, vocabulary, limits)


def _members(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str, origin: str,
             budget: int) -> list[Attachment]:
    members = []
    for info in infos:
        try:
            with archive.open(info, "r") as handle:
                data = handle.read(budget + 1)
        except RuntimeError as exc:  # zipfile and pyzipper say "Bad password" this way
            raise WrongPasswordError() from exc
        except zipfile.BadZipFile as exc:  # a wrong ZipCrypto password passes its one-byte check 1 time in 256
            if info.flag_bits & 0x1:
                raise WrongPasswordError() from exc
            raise CorruptAttachmentError(f"A file inside the zip could not be unpacked ({exc}).") from exc
        except (OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise CorruptAttachmentError("A file inside the zip could not be unpacked.") from exc
        budget -= len(data)
        if budget < 0:
            raise ZipBombError()
        inner = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
        ctype = mimetypes.guess_type(inner)[0] or "application/octet-stream"
        members.append(Attachment(inner, ctype, data, f"{origin} > {name}" if origin else name))
    return members


def _read_members(name: str, members: list[Attachment], vocabulary: Vocabulary,
                  limits: ExtractionLimits) -> ExtractedForm:
    from parsers.forms.extraction import extract  # the zip reader is one of extract's readers
    from parsers.forms.sniff import FileKind, is_form_candidate, sniff

    forms = [extract(m, vocabulary=vocabulary, limits=limits) for m in members
             if is_form_candidate(m) and sniff(m) is not FileKind.ZIP]  # a zip in a zip is not followed
    if not forms:
        return flagged_form(name, Flag.UNSUPPORTED_ATTACHMENT,
                            "The zip file holds no PDF, Word document or page image.")
    merged = merge_forms(forms)
    return ExtractedForm(name, merged.form_type, merged.fields, merged.flags, merged.warnings, merged.unanswered,
                         unanswered_fields=merged.unanswered_fields)

"""Opening zip containers (DOCX, DOCM, ODT) and their XML safely: bounded sizes, no DTDs, no entities."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from parsers.errors import CorruptAttachmentError, XmlEntityError, ZipBombError
from parsers.forms.limits import ExtractionLimits

MAX_MEMBERS = 5000
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
    remove_comments=True, remove_pis=True,
)


class SafeZip:
    """A zip archive whose declared and actual unpacked sizes are checked before and while reading."""

    def __init__(self, data: bytes, limits: ExtractionLimits) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise CorruptAttachmentError("The attachment is not a readable zip container.") from exc
        declared = sum(i.file_size for i in infos)
        if len(infos) > MAX_MEMBERS or declared > limits.max_uncompressed_bytes:
            raise ZipBombError()
        self._budget = limits.max_uncompressed_bytes
        self.names = frozenset(i.filename for i in infos)

    def read(self, name: str) -> bytes:
        """One member's bytes, counting against the unpacked budget (declared sizes can lie)."""
        try:
            with self._zip.open(name) as member:
                data = member.read(self._budget + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise CorruptAttachmentError(f"A part of the container could not be unpacked ({name}).") from exc
        self._budget -= len(data)
        if self._budget < 0:
            raise ZipBombError()
        return data

    def xml(self, name: str) -> etree._Element:
        """One member parsed as XML, refusing any DTD or entity declaration."""
        return parse_xml(self.read(name), name)


def parse_xml(data: bytes, name: str) -> etree._Element:
    """Parse XML without resolving entities or touching the network; a DOCTYPE is refused outright."""
    head = data[:4096].lstrip().lower()
    if b"<!doctype" in head or b"<!entity" in data[:65536].lower():
        raise XmlEntityError()
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise CorruptAttachmentError(f"A part of the document is not well-formed XML ({name}).") from exc
    if root is None:
        raise CorruptAttachmentError(f"A part of the document is empty ({name}).")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XmlEntityError()
    return root

"""Old binary Word (.doc) forms are read natively (parsers/forms/doc_reader.py), not by starting LibreOffice: the
same fields as the Word 2007 original, the same blocks as LibreOffice's conversion, and a fall-back to LibreOffice
for whatever the native reader does not understand.

The .doc fixtures are made from the demo forms by LibreOffice (tests/support/legacy_word.py), as Word users'
"Save as Word 97–2003" would make them; the shared corpus adds Word's own files (Apache POI's test documents).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from demo.forms import CHILD_FORM, SAR_FORM, Layout, build
from parsers.forms import ExtractionLimits, extract, load_vocabulary, word
from parsers.forms.container import SafeZip
from parsers.forms.doc_reader import UnsupportedDocError, read_doc_blocks
from parsers.forms.document import Block, Table
from parsers.forms.docx_reader import DocxReader
from parsers.values import Attachment, ExtractedForm
from tests.support.legacy_word import convert, libreoffice_missing

VOCABULARY = load_vocabulary()
LIMITS = ExtractionLimits()
WORD_LAYOUTS = [Layout.DOCX_TABLE, Layout.DOCX_LABEL_ABOVE, Layout.DOCX_LEGACY_FIELDS, Layout.DOCX_CONTENT_CONTROLS]
needs_libreoffice = pytest.mark.skipif(libreoffice_missing() is not None, reason=libreoffice_missing() or "")


def read(name: str, data: bytes) -> ExtractedForm:
    return extract(Attachment(name, "application/msword", data), vocabulary=VOCABULARY, limits=LIMITS)


def shape(blocks: list[Block]) -> list[tuple[str, object]]:
    """Blocks with whitespace evened out and empty paragraphs dropped (LibreOffice adds and drops a few)."""
    out: list[tuple[str, object]] = []
    for block in blocks:
        if isinstance(block, Table):
            out.append(("table", tuple(tuple(" ".join(c.split()) for c in row) for row in block.rows)))
        elif " ".join(block.text.split()):
            out.append(("paragraph", " ".join(block.text.split())))
    return out


@pytest.fixture(scope="module")
def old_word(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, Layout], tuple[bytes, bytes]]:
    """(form, layout) -> (the .docx original, its .doc)."""
    if libreoffice_missing():
        pytest.skip(libreoffice_missing() or "")
    made = {}
    for demo in (SAR_FORM, CHILD_FORM):
        for layout in WORD_LAYOUTS:
            _, docx = build(demo, layout)
            made[(demo.title, layout)] = docx, convert(docx, "doc", tmp_path_factory.mktemp("doc"))
    return made


@needs_libreoffice
@pytest.mark.parametrize("layout", WORD_LAYOUTS, ids=[layout.value for layout in WORD_LAYOUTS])
@pytest.mark.parametrize("demo", [SAR_FORM, CHILD_FORM], ids=["sar", "child"])
def test_an_old_word_form_gives_the_fields_of_its_original_without_libreoffice(
        old_word: dict, demo, layout: Layout, monkeypatch: pytest.MonkeyPatch) -> None:
    docx, doc = old_word[(demo.title, layout)]

    def no_libreoffice(*args: object) -> bytes:
        raise AssertionError("LibreOffice was started for a .doc the native reader reads")

    monkeypatch.setattr(word, "_convert", no_libreoffice)
    original, native = read("form.docx", docx), read("form.doc", doc)
    assert {k: f.value for k, f in native.fields.items()} == {k: f.value for k, f in original.fields.items()}
    assert {k: f.value for k, f in native.fields.items()} == demo.expected
    assert native.form_type is original.form_type and native.flags == original.flags


@needs_libreoffice
def test_native_blocks_are_libreoffices_blocks(old_word: dict) -> None:
    for (title, layout), (_, doc) in old_word.items():
        converted = word._convert("soffice", doc, ".doc", 60)
        assert converted is not None
        libreoffice = shape(DocxReader(SafeZip(converted, LIMITS)).read())
        native = shape(read_doc_blocks(doc, LIMITS).blocks)
        if layout is Layout.DOCX_LEGACY_FIELDS:
            # LibreOffice's export keeps an untouched FORMTEXT's default ("Enter text") as if it were typed;
            # the native reader drops it, as DocxReader does for the original.
            libreoffice = [(kind, _without_default(value)) for kind, value in libreoffice]
        assert native == libreoffice, (title, layout)


def _without_default(value: object) -> object:
    if isinstance(value, tuple):
        return tuple(tuple("" if cell == "Enter text" else cell for cell in row) for row in value)
    return value


def test_what_the_native_reader_does_not_understand_goes_to_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_libreoffice(soffice: str, data: bytes, suffix: str, timeout: float) -> bytes | None:
        calls.append(suffix)
        return None

    monkeypatch.setattr(word, "_convert", fake_libreoffice)
    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/soffice")
    olefile_but_not_word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    form = read("form.doc", olefile_but_not_word)
    assert calls == [".doc"]
    assert "LibreOffice could not convert" in " ".join(form.warnings)
    with pytest.raises(UnsupportedDocError):
        read_doc_blocks(olefile_but_not_word, LIMITS)


@needs_libreoffice
def test_a_damaged_doc_is_unsupported_here_never_a_crash(old_word: dict) -> None:
    _, doc = old_word[(SAR_FORM.title, Layout.DOCX_TABLE)]
    for cut in (len(doc) // 3, len(doc) // 2, len(doc) - 700):
        with contextlib.suppress(UnsupportedDocError):
            read_doc_blocks(doc[:cut], LIMITS)
    garbled = bytearray(doc)
    for at in range(2048, len(garbled), 97):
        garbled[at] ^= 0x5A
    with contextlib.suppress(UnsupportedDocError):
        read_doc_blocks(bytes(garbled), LIMITS)


CORPUS_DOCS = sorted(Path(__file__).resolve().parents[2].joinpath("shared/corpus/docx").glob("*.[dD][oO][cC]"))


@pytest.mark.skipif(not CORPUS_DOCS, reason="the shared corpus (../shared/corpus) is not here")
def test_every_old_word_file_of_the_corpus_is_read_or_handed_to_libreoffice() -> None:
    read_natively = 0
    for path in CORPUS_DOCS:
        try:
            read_doc_blocks(path.read_bytes(), LIMITS)
            read_natively += 1
        except UnsupportedDocError:
            pass  # encrypted, Word 6/95, fuzzed: LibreOffice's turn
    assert read_natively >= len(CORPUS_DOCS) // 2


@pytest.mark.skipif(not CORPUS_DOCS, reason="the shared corpus (../shared/corpus) is not here")
def test_word_s_own_tables_check_boxes_and_drop_downs() -> None:
    corpus = CORPUS_DOCS[0].parent
    tables = [b for b in read_doc_blocks((corpus / "poi__simple-table.doc").read_bytes(), LIMITS).blocks
              if isinstance(b, Table)]
    assert tables and all(len(row) == len(tables[0].rows[0]) for row in tables[0].rows)
    nested = read_doc_blocks((corpus / "poi__innertable.doc").read_bytes(), LIMITS).blocks
    assert [b.source for b in nested if isinstance(b, Table)] == ["table 1", "table 1 > table 2"]
    travel = next(corpus.glob("poi__au.edu.utas*International-Travel-Approval-Request-Form.doc"))
    text = " ".join(str(shape([b])) for b in read_doc_blocks(travel.read_bytes(), LIMITS).blocks)
    assert "☐" in text  # its check boxes, rendered as the other readers render them
    assert "FORMDROPDOWN" not in text and "FORMTEXT" not in text and "FORMCHECKBOX" not in text


@needs_libreoffice
def test_the_boards_word_forms_saved_as_doc_read_as_well_as_their_docx(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The development set's Word forms (other boards' layouts: tables, legacy fields, content controls), saved as
    Word 97-2003, give every answer their .docx gives, with LibreOffice forbidden."""
    from tests.support.board_forms.model import score
    from tests.support.board_forms.reading import FORMS
    from tests.support.board_forms.render import render

    def no_libreoffice(*args: object) -> bytes:
        raise AssertionError("LibreOffice was started for a .doc the native reader reads")

    rendered = [(form, *render(form)) for form in FORMS]
    word_forms = [(form, name, data) for form, name, data in rendered
                  if name.endswith(".docx") and isinstance(data, bytes)]
    assert len(word_forms) >= 5
    monkeypatch.setattr(word, "_convert", no_libreoffice)
    for n, (form, name, docx) in enumerate(word_forms):
        doc = convert(docx, "doc", tmp_path / str(n))
        result = score(form, read(name.removesuffix("x"), doc))
        assert result.right == result.total, (form.key, result)

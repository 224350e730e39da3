"""Photographed and scanned pages sent as images (JPEG, PNG, HEIC from phones): OCR, orientation corrected.

Each image is one page. It is turned upright from its EXIF orientation, then by Tesseract's orientation
detection (`--psm 0`), scaled to an A4 page at the OCR resolution, and read like a scanned PDF page. The
pages of a message are merged into one form by the pipeline, in the order they were sent. HEIC is decoded
by pillow-heif (libheif). Bounds: the pixel count is checked before decoding, and Tesseract runs under
the extraction time limit inside the bounded child process.
"""

from __future__ import annotations

import io
import re
import subprocess

from PIL import Image, ImageOps, UnidentifiedImageError

from parsers.forms.document import Paragraph
from parsers.forms.layout import read_blocks
from parsers.forms.limits import ExtractionLimits
from parsers.forms.ocr import DPI, ocr_available, words_of_image
from parsers.forms.pdf_lines import group_lines
from parsers.forms.result import build_form, flagged_form
from parsers.forms.vocabulary import Vocabulary
from parsers.values import Attachment, ExtractedForm, Flag, FormType

OCR_CONFIDENCE = 0.6
MAX_PIXELS = 60_000_000  # a 48-megapixel phone photo fits; a decompression bomb does not
PAGE_WIDTH = round(8.27 * DPI)  # A4 at the OCR resolution, so that line spacing reads as on a scanned PDF
MAX_SIDE = 4000  # pixels kept for orientation detection; more only costs time
MIN_OSD_CONFIDENCE = 2.0  # below this Tesseract is guessing the orientation
_NOT_A_PAGE = "No form was found in the image (OCR read no questions); it is kept with the case."
_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_CONFIDENCE = re.compile(r"Orientation confidence:\s*([\d.]+)")


def read_image(
    attachment: Attachment, vocabulary: Vocabulary, limits: ExtractionLimits, password: str | None
) -> ExtractedForm:
    """Fields read by OCR from one page image; flagged scanned_form always (OCR is never certain)."""
    name = attachment.filename
    if not ocr_available():
        return flagged_form(name, Flag.SCANNED_FORM, "The image is a photographed or scanned page and OCR is "
                                                     "not installed.")
    timeout = max(5.0, limits.timeout_seconds / 3)
    try:
        decoded = _page(attachment.data)
    except _UndecodableError as exc:
        # A damaged or enormous picture is no reason to hold back the rest of the referral: flag it only.
        return flagged_form(name, exc.flag, str(exc))
    upright = _upright(decoded, timeout)
    if upright is None:  # a photograph with (almost) no text: not a page of a form, and no full OCR spent on it
        return flagged_form(name, Flag.NO_FORM, _NOT_A_PAGE)
    page = _to_page_width(upright)
    try:
        words = words_of_image(_png(page), timeout)
    except subprocess.TimeoutExpired:
        return flagged_form(name, Flag.SCANNED_FORM, "The image is a photographed page and OCR took too long.")
    blocks = [Paragraph(line.text, f"image (OCR), line {n}") for n, line in enumerate(group_lines(words), start=1)]
    pairs, titles = read_blocks(blocks, vocabulary, OCR_CONFIDENCE)
    warnings = ["The form is a photographed or scanned image: fields were read by OCR; check them against it."]
    form = build_form(name, pairs, titles, vocabulary, flags=(Flag.SCANNED_FORM,), warnings=warnings)
    if not form.fields and form.form_type is FormType.UNKNOWN:
        # A photograph, not a page of a form (a body map, a picture of the home): it is kept with the case,
        # and says "no form" so that it does not pass for one.
        return flagged_form(name, Flag.NO_FORM, _NOT_A_PAGE)
    return form


class _UndecodableError(Exception):
    """The image cannot be read as a page; `flag` says why."""

    def __init__(self, flag: Flag, message: str) -> None:
        super().__init__(message)
        self.flag = flag


def _page(data: bytes) -> Image.Image:
    """The decoded image, EXIF orientation applied, greyscale, at most MAX_SIDE pixels on its long side."""
    _register_heif()
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise _UndecodableError(Flag.ATTACHMENT_TOO_LARGE,
                               f"The image has {width * height} pixels, more than {MAX_PIXELS}: not read.")
        image = ImageOps.exif_transpose(image).convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise _UndecodableError(Flag.UNREADABLE_ATTACHMENT,
                           f"The image could not be decoded ({type(exc).__name__}).") from exc
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def _to_page_width(image: Image.Image) -> Image.Image:
    """The upright page scaled to an A4 width at the OCR resolution (a photo's own scale means nothing)."""
    scale = PAGE_WIDTH / max(1, image.width)
    return image.resize((PAGE_WIDTH, max(1, round(image.height * scale))))


def _upright(image: Image.Image, timeout: float) -> Image.Image | None:
    """The page turned the right way up by Tesseract's orientation detection (unchanged if unsure); None when
    Tesseract finds too little text to tell, which a page of a form never is."""
    # Detection reads text at the OCR resolution: the short side taken as a page width, whichever way up.
    scale = PAGE_WIDTH / max(1, min(image.size))
    probe = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "0"], input=_png(probe),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return image
    out = done.stdout.decode("utf-8", "replace")
    rotate, confidence = _ROTATE.search(out), _CONFIDENCE.search(out)
    if rotate is None or confidence is None:
        return None if b"Too few characters" in done.stderr else image
    if float(confidence[1]) < MIN_OSD_CONFIDENCE:
        return image  # unsure: read it as sent
    degrees = int(rotate[1]) % 360
    # Tesseract's "Rotate" is clockwise; PIL rotates anticlockwise.
    return image.rotate(-degrees, expand=True) if degrees else image


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _register_heif() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()

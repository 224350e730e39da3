"""Charts as PNGs, drawn and encoded in pure Python (zlib + struct), for the digest email and the reports page.

PNG rather than SVG because many mail clients block SVG images; sent as a CID inline image. Bars run
across, one row per period with its label at the left and its number at the bar's end, so that the chart
reads on a phone: the image is drawn wide (600 px) with 20 px digits and is shown at 100% of the column,
where even a 320 px screen keeps the digits about 11 px tall. The 3x5 pixel font covers digits and '/'.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

_GLYPHS = {  # 3x5 glyphs, rows top to bottom, bits left to right
    "0": (7, 5, 5, 5, 7), "1": (2, 6, 2, 2, 7), "2": (7, 1, 7, 4, 7), "3": (7, 1, 7, 1, 7), "4": (5, 5, 7, 1, 1),
    "5": (7, 4, 7, 1, 7), "6": (7, 4, 7, 5, 7), "7": (7, 1, 1, 1, 1), "8": (7, 5, 7, 5, 7), "9": (7, 5, 7, 1, 7),
    "/": (1, 1, 2, 4, 4), "-": (0, 0, 7, 0, 0), " ": (0, 0, 0, 0, 0),
}
BAR = (29, 112, 184)
AXIS = (80, 80, 80)
TEXT = (11, 12, 12)
BACKGROUND = (255, 255, 255)
WIDTH = 600
ROW = 40
SCALE = 4  # glyphs 12 x 20 px, 16 px apart
GLYPH_ADVANCE = 4 * SCALE


class Canvas:
    """An RGB pixel buffer."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(BACKGROUND) * (width * height))

    def fill(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        """Paint the rectangle [x0, x1) x [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        for y in range(max(0, y0), min(self.height, y1)):
            start = (y * self.width + x0) * 3
            self.pixels[start:start + (x1 - x0) * 3] = bytes(colour) * (x1 - x0)

    def text(self, x: int, y: int, text: str, scale: int = SCALE) -> None:
        """Draw digits, '/' and '-' with their top-left corner at (x, y)."""
        for index, char in enumerate(text):
            for row, bits in enumerate(_GLYPHS.get(char, (0,) * 5)):
                for col in range(3):
                    if bits & (4 >> col):
                        left = x + (index * 4 + col) * scale
                        self.fill(left, y + row * scale, left + scale, y + (row + 1) * scale, TEXT)

    def png(self) -> bytes:
        """The canvas encoded as a PNG (8-bit RGB, no filtering)."""
        stride = self.width * 3
        raw = b"".join(b"\x00" + bytes(self.pixels[y * stride:(y + 1) * stride]) for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + \
            _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def chart_size(rows: int) -> tuple[int, int]:
    """The pixel size of a chart of `rows` bars (for the <img> width and height attributes)."""
    return WIDTH, max(rows, 1) * ROW + 8


def bar_chart_png(rows: Sequence[tuple[str, int]]) -> bytes:
    """One horizontal bar per (label, value), top to bottom: label at the left, the value after the bar."""
    width, height = chart_size(len(rows))
    canvas = Canvas(width, height)
    label_width = max((len(label) for label, _ in rows), default=0) * GLYPH_ADVANCE
    axis = label_width + 16
    number_width = max((len(str(value)) for _, value in rows), default=1) * GLYPH_ADVANCE
    span = width - axis - number_width - 16
    peak = max((value for _, value in rows), default=0) or 1
    canvas.fill(axis - 2, 0, axis, height, AXIS)
    for index, (label, value) in enumerate(rows):
        top = 4 + index * ROW
        text_top = top + (ROW - 5 * SCALE) // 2
        canvas.text(axis - 12 - len(label) * GLYPH_ADVANCE + SCALE, text_top, label)
        length = round(span * value / peak)
        canvas.fill(axis, top + 6, axis + length, top + ROW - 6, BAR)
        canvas.text(axis + length + 8, text_top, str(value))
    return canvas.png()

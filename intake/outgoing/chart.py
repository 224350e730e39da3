"""A small bar chart as a PNG, drawn and encoded in pure Python (zlib + struct), for the digest email.

PNG rather than SVG because many mail clients block SVG images. Digits above each bar are drawn from
a 3x5 pixel font so that the chart reads without the table beside it.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

_DIGITS = {  # 3x5 glyphs, rows top to bottom, bits left to right
    "0": (7, 5, 5, 5, 7), "1": (2, 6, 2, 2, 7), "2": (7, 1, 7, 4, 7), "3": (7, 1, 7, 1, 7), "4": (5, 5, 7, 1, 1),
    "5": (7, 4, 7, 1, 7), "6": (7, 4, 7, 5, 7), "7": (7, 1, 1, 1, 1), "8": (7, 5, 7, 5, 7), "9": (7, 5, 7, 1, 7),
}
BAR = (29, 112, 184)
AXIS = (80, 80, 80)
TEXT = (11, 12, 12)
BACKGROUND = (255, 255, 255)


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

    def number(self, x: int, y: int, text: str, scale: int = 2) -> None:
        """Draw digits with their top-left corner at (x, y)."""
        for index, char in enumerate(text):
            for row, bits in enumerate(_DIGITS.get(char, (0,) * 5)):
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


def bar_chart_png(values: Sequence[int], *, width: int = 480, height: int = 160) -> bytes:
    """Bars for `values` left to right, each with its number above it, over a baseline."""
    canvas = Canvas(width, height)
    margin, top, bottom = 8, 16, height - 10
    canvas.fill(margin, bottom, width - margin, bottom + 2, AXIS)
    if not values:
        return canvas.png()
    slot = (width - 2 * margin) // len(values)
    peak = max(max(values), 1)
    for index, value in enumerate(values):
        bar_height = round((bottom - top - 12) * value / peak)
        left = margin + index * slot + slot // 6
        right = margin + (index + 1) * slot - slot // 6
        canvas.fill(left, bottom - bar_height, right, bottom, BAR)
        label = str(value)
        canvas.number(left + (right - left - len(label) * 8 + 2) // 2, bottom - bar_height - 13, label)
    return canvas.png()

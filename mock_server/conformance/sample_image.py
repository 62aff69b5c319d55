"""A small real PNG, sent as a data: URI, so paid jobs have an image upstream can read."""

from __future__ import annotations

import base64
import functools
import struct
import zlib

__all__ = ["gradient_png", "png_data_uri"]


SIDE = 512


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


@functools.cache
def gradient_png(side: int = SIDE) -> bytes:
    """A square RGB gradient: a valid 8-bit PNG any decoder reads, a few kilobytes long."""
    rows = b"".join(_row(y, side) for y in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def _row(y: int, side: int) -> bytes:
    """One scanline with PNG's `Sub` filter: each byte is the step from its left neighbour."""
    pixels = [value for x in range(side) for value in (x * 255 // side, y * 255 // side, 128)]
    steps = [(pixels[i] - (pixels[i - 3] if i >= 3 else 0)) % 256 for i in range(len(pixels))]
    return b"\x01" + bytes(steps)


def png_data_uri() -> str:
    return "data:image/png;base64," + base64.b64encode(gradient_png()).decode("ascii")

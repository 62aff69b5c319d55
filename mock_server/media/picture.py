"""Draw the still picture a mock video shows: seed-coloured stripes, optionally watermarked."""

from __future__ import annotations

import colorsys
import hashlib
from dataclasses import dataclass
from functools import cache

from mock_server.media.font import GLYPH_HEIGHT, text_rows
from mock_server.media.yuv import YuvPicture

__all__ = ["Box", "Colour", "Palette", "draw_picture", "hsv_colour", "palette_for", "watermark_box"]


WATERMARK_TEXT = "VIDU-MOCK"
STRIPE_CONTRAST = 18
_INK, _PAPER, _NEUTRAL_CHROMA = 235, 16, 128
_STRIPE_PERIODS = (32, 48, 64, 96)
_GOLDEN_RATIO_64 = 0x9E3779B97F4A7C15  # 2**64 / phi: steps the hue round the colour wheel


@dataclass(frozen=True)
class Colour:
    """A BT.709 limited-range Y'CbCr colour."""

    y: int
    cb: int
    cr: int


@dataclass(frozen=True)
class Palette:
    """Everything about a picture's look that the seed decides."""

    top: Colour
    bottom: Colour
    stripe_period: int
    stripe_slope: int


@dataclass(frozen=True)
class Box:
    """A rectangle of pixels; every coordinate is even so it maps onto 4:2:0 chroma."""

    x: int
    y: int
    width: int
    height: int


def palette_for(seed: int) -> Palette:
    """Derive colours and stripe geometry from the seed; neighbouring seeds get distant hues."""
    digest = hashlib.sha256(str(seed).encode()).digest()
    hue = (seed * _GOLDEN_RATIO_64) % (1 << 64) / (1 << 64)
    return Palette(
        top=hsv_colour(hue, 0.75, 0.85),
        bottom=hsv_colour((hue + 0.08) % 1.0, 0.75, 0.55),
        stripe_period=_STRIPE_PERIODS[digest[2] % len(_STRIPE_PERIODS)],
        stripe_slope=1 if digest[3] % 2 else -1,
    )


def hsv_colour(hue: float, saturation: float, value: float) -> Colour:
    """Convert an HSV colour to BT.709 limited-range Y'CbCr."""
    r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
    luma = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return Colour(
        y=round(16 + 219 * luma),
        cb=round(128 + 224 * (b - luma) / 1.8556),
        cr=round(128 + 224 * (r - luma) / 1.5748),
    )


def draw_picture(width: int, height: int, seed: int, *, watermark: bool) -> YuvPicture:
    """Draw the picture for a seed: a vertical colour gradient crossed by diagonal stripes."""
    palette = palette_for(seed)
    y = bytearray(_luma_plane(width, height, palette))
    cb = bytearray(_chroma_plane(width // 2, height // 2, palette.top.cb, palette.bottom.cb))
    cr = bytearray(_chroma_plane(width // 2, height // 2, palette.top.cr, palette.bottom.cr))
    if watermark:
        _stamp_watermark(width, height, y, cb, cr)
    return YuvPicture(width, height, bytes(y), bytes(cb), bytes(cr))


def _lerp(start: int, end: int, step: int, steps: int) -> int:
    """Interpolate between two integers at step out of steps."""
    return start + (end - start) * step // max(steps - 1, 1)


def _luma_plane(width: int, height: int, palette: Palette) -> bytes:
    """Build luma rows by shifting one stripe tile and mapping it to each row's brightness."""
    half = palette.stripe_period // 2
    tile = (b"\x00" * half + b"\x01" * half) * (width // palette.stripe_period + 2)
    rows = []
    for row in range(height):
        offset = (row * palette.stripe_slope) % palette.stripe_period
        base = _lerp(palette.top.y, palette.bottom.y, row, height)
        rows.append(tile[offset : offset + width].translate(_stripe_table(base)))
    return b"".join(rows)


@cache
def _stripe_table(base: int) -> bytes:
    """Map stripe index 0/1 to a darker/brighter luma around base."""
    dark = max(_PAPER, base - STRIPE_CONTRAST)
    bright = min(_INK, base + STRIPE_CONTRAST)
    return bytes((dark, bright)) + bytes(254)


def _chroma_plane(width: int, height: int, top: int, bottom: int) -> bytes:
    """Build one chroma plane as a vertical gradient."""
    return b"".join(bytes((_lerp(top, bottom, row, height),)) * width for row in range(height))


def watermark_box(width: int, height: int) -> Box:
    """Return where the watermark goes: the bottom-right corner, sized to the picture height."""
    scale = _watermark_scale(height)
    text_width = len(text_rows(WATERMARK_TEXT)[0]) * scale
    box_width = text_width + 4 * scale + text_width % 2
    box_height = (GLYPH_HEIGHT + 4) * scale + (GLYPH_HEIGHT * scale) % 2
    margin = 4 * scale
    box = Box(width - margin - box_width, height - margin - box_height, box_width, box_height)
    if box.x < 0 or box.y < 0:
        raise ValueError(f"a {width}x{height} picture is too small for the watermark")
    return box


def _watermark_scale(height: int) -> int:
    """Return the glyph magnification: 4 at 720p, 6 at 1080p."""
    return max(1, height // 180)


def _stamp_watermark(width: int, height: int, y: bytearray, cb: bytearray, cr: bytearray) -> None:
    """Paint the watermark text, white on a black box, into the planes in place."""
    box = watermark_box(width, height)
    for row, line in enumerate(_watermark_lines(box, height)):
        start = (box.y + row) * width + box.x
        y[start : start + box.width] = line
    chroma_line = bytes((_NEUTRAL_CHROMA,)) * (box.width // 2)
    for row in range(box.y // 2, (box.y + box.height) // 2):
        start = row * (width // 2) + box.x // 2
        cb[start : start + box.width // 2] = chroma_line
        cr[start : start + box.width // 2] = chroma_line


def _watermark_lines(box: Box, height: int) -> list[bytes]:
    """Return the box's luma rows: padding, the scaled glyph rows, padding."""
    scale = _watermark_scale(height)
    paper = bytes((_PAPER,)) * box.width
    ink_table = bytes.maketrans(b"#.", bytes((_INK, _PAPER)))
    lines = [paper] * (2 * scale)
    for glyph_row in text_rows(WATERMARK_TEXT):
        pixels = "".join(ch * scale for ch in glyph_row).encode().translate(ink_table)
        line = paper[: 2 * scale] + pixels + paper[: box.width - 2 * scale - len(pixels)]
        lines.extend([line] * scale)
    return lines + [paper] * (box.height - len(lines))

"""A 5x7 bitmap font holding just the glyphs the watermark needs."""

from __future__ import annotations

__all__ = ["GLYPH_HEIGHT", "text_rows"]


GLYPH_WIDTH = 5
GLYPH_HEIGHT = 7

_GLYPHS: dict[str, tuple[str, ...]] = {
    "V": ("#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."),
    "I": (".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "D": ("####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."),
    "U": ("#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "-": (".....", ".....", ".....", ".###.", ".....", ".....", "....."),
    "M": ("#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"),
    "O": (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "C": (".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."),
    "K": ("#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"),
    " ": (".....",) * GLYPH_HEIGHT,
}


def text_rows(text: str) -> list[str]:
    """Return the text as GLYPH_HEIGHT rows of '#' (ink) and '.' (paper), one column apart."""
    missing = set(text) - set(_GLYPHS)
    if missing:
        raise ValueError(f"no glyph for {''.join(sorted(missing))!r}")
    return [".".join(_GLYPHS[ch][row] for ch in text) for row in range(GLYPH_HEIGHT)]

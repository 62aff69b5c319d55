"""Planar YUV 4:2:0 pictures, the form both the drawing and the encoder speak."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["YuvPicture"]


@dataclass(frozen=True)
class YuvPicture:
    """An 8-bit planar 4:2:0 picture: full-size luma, half-size Cb and Cr."""

    width: int
    height: int
    y: bytes
    cb: bytes
    cr: bytes

    def __post_init__(self) -> None:
        """Refuse planes whose sizes do not match the dimensions."""
        if self.width % 2 or self.height % 2 or self.width <= 0 or self.height <= 0:
            raise ValueError("4:2:0 pictures need positive, even dimensions")
        chroma = (self.width // 2) * (self.height // 2)
        if len(self.y) != self.width * self.height:
            raise ValueError("luma plane size does not match the dimensions")
        if len(self.cb) != chroma or len(self.cr) != chroma:
            raise ValueError("chroma plane size does not match the dimensions")

    def padded(self, width: int, height: int) -> YuvPicture:
        """Return the picture grown to width x height by repeating its last column and row."""
        if width < self.width or height < self.height:
            raise ValueError("padding cannot shrink a picture")
        half_w, half_h = self.width // 2, self.height // 2
        return YuvPicture(
            width,
            height,
            _pad_plane(self.y, self.width, self.height, width, height),
            _pad_plane(self.cb, half_w, half_h, width // 2, height // 2),
            _pad_plane(self.cr, half_w, half_h, width // 2, height // 2),
        )


def _pad_plane(plane: bytes, width: int, height: int, new_width: int, new_height: int) -> bytes:
    """Grow one plane by edge replication."""
    if new_width == width and new_height == height:
        return plane
    extra = new_width - width
    rows = [plane[i : i + width] for i in range(0, width * height, width)]
    if extra:
        rows = [row + row[-1:] * extra for row in rows]
    rows.extend([rows[-1]] * (new_height - height))
    return b"".join(rows)

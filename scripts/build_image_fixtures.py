"""Regenerate the sample input images under fixtures/images/ (dev-only: needs Pillow)."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from mock_server.media.input_images import PNG_SIGNATURE

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "images"


def sample(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Draw a small recognisable picture: a coloured field with a contrasting block."""
    image = Image.new(mode, (width, height), (40, 110, 200, 255)[: len(mode)])
    ImageDraw.Draw(image).rectangle(
        (width // 4, height // 4, width * 3 // 4, height * 3 // 4),
        fill=(240, 200, 40, 160)[: len(mode)],
    )
    return image


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    """Encode an image to bytes in the given Pillow format."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def corrupt_png() -> bytes:
    """A PNG signature followed by deterministic garbage instead of an IHDR chunk."""
    return PNG_SIGNATURE + random.Random(7).randbytes(120)


FIXTURES: dict[str, Callable[[], bytes]] = {
    "landscape.png": lambda: encoded(sample(64, 36), "PNG"),
    "landscape.jpg": lambda: encoded(sample(64, 36), "JPEG", quality=80),
    "progressive.jpg": lambda: encoded(sample(64, 36), "JPEG", quality=80, progressive=True),
    "landscape.webp": lambda: encoded(sample(64, 36), "WEBP", quality=80),
    "lossless.webp": lambda: encoded(sample(48, 48), "WEBP", lossless=True),
    "alpha.webp": lambda: encoded(sample(32, 24, "RGBA"), "WEBP", quality=80),
    "tall.png": lambda: encoded(sample(40, 150), "PNG"),
    "wide.png": lambda: encoded(sample(150, 40), "PNG"),
    "too-wide.png": lambda: encoded(sample(200, 40), "PNG"),
    "corrupt.png": corrupt_png,
    "truncated.jpg": lambda: encoded(sample(64, 36), "JPEG", quality=80)[:40],
}


def main() -> None:
    """Write every fixture."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in FIXTURES.items():
        data = build()
        (OUT / name).write_bytes(data)
        print(f"wrote fixtures/images/{name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()

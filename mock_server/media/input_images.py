"""Fetch and inspect input images, failing them for the reasons upstream fails a job.

Upstream fetches every input image before it generates; with `fetch_images` the fake does too
(`first_unusable_image` is the domain's image check). A problem does not fail the submit: like
upstream, the job is accepted and then ends FAILED with a reason naming the problem.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import re
import struct
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from mock_server.settings import Settings

__all__ = [
    "PNG_SIGNATURE",
    "ImageError",
    "ImageFormat",
    "ImageInfo",
    "ImageProblem",
    "check_aspect_ratio",
    "first_unusable_image",
    "inspect_image",
    "load_image_ref",
    "validate_image_ref",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_ASPECT_RATIO = 4
USER_AGENT = "vidu-mock image fetcher"
READ_CHUNK = 64 * 1024
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_JPEG_SOS, _JPEG_EOI = 0xDA, 0xD9


class ImageFormat(Enum):
    """Image formats upstream accepts."""

    PNG = "png"
    JPEG = "jpeg"
    WEBP = "webp"


@dataclass(frozen=True)
class ImageInfo:
    """What the header of an image says about it."""

    format: ImageFormat
    width: int
    height: int


class ImageProblem(Enum):
    """Why an image was refused; the value is the reason a failed job carries."""

    DOWNLOAD_FAILED = "image download failed"
    UNSUPPORTED_SOURCE = "image must be an http(s) URL or a base64 data URI"
    INVALID_FORMAT = "invalid image format"
    ASPECT_RATIO = "image aspect ratio must be between 1:4 and 4:1"
    TOO_LARGE = "image exceeds 50 MB"


class ImageError(Exception):
    """An image that cannot be used, with the problem and a human-readable detail."""

    def __init__(self, problem: ImageProblem, detail: str) -> None:
        """Keep the problem and detail apart so callers can report either."""
        super().__init__(f"{problem.value}: {detail}")
        self.problem = problem
        self.detail = detail


def validate_image_ref(ref: str, *, timeout_s: float, max_bytes: int) -> ImageInfo:
    """Load an image reference and check it the way upstream does before generating."""
    info = inspect_image(load_image_ref(ref, timeout_s=timeout_s, max_bytes=max_bytes))
    check_aspect_ratio(info)
    return info


def first_unusable_image(refs: Sequence[str], settings: Settings) -> str | None:
    """Say why the first image that cannot be used fails the job, or None when all are fine."""
    for ref in refs:
        try:
            validate_image_ref(
                ref, timeout_s=settings.image_fetch_timeout, max_bytes=settings.image_max_bytes
            )
        except ImageError as problem:
            return str(problem)
    return None


def check_aspect_ratio(info: ImageInfo) -> None:
    """Refuse images more than four times wider than tall or taller than wide."""
    if info.width > MAX_ASPECT_RATIO * info.height or info.height > MAX_ASPECT_RATIO * info.width:
        raise ImageError(ImageProblem.ASPECT_RATIO, f"{info.width}x{info.height}")


# Header parsing ---------------------------------------------------------------------------


def inspect_image(data: bytes) -> ImageInfo:
    """Read format and size from the header of a PNG, JPEG or WebP file."""
    parsers: tuple[tuple[bytes, Callable[[bytes], ImageInfo]], ...] = (
        (PNG_SIGNATURE, _inspect_png),
        (b"\xff\xd8", _inspect_jpeg),
        (b"RIFF", _inspect_webp),
    )
    for signature, parse in parsers:
        if data.startswith(signature):
            return parse(data)
    raise ImageError(ImageProblem.INVALID_FORMAT, "not a PNG, JPEG or WebP file")


def _invalid(detail: str) -> ImageError:
    """Return the error for a header that cannot be read."""
    return ImageError(ImageProblem.INVALID_FORMAT, detail)


def _unpack(fmt: str, data: bytes, offset: int) -> tuple[Any, ...]:
    """Unpack header fields, treating a short buffer as a truncated file."""
    try:
        return struct.unpack_from(fmt, data, offset)
    except struct.error:
        raise _invalid("truncated header") from None


def _sized(image_format: ImageFormat, width: int, height: int) -> ImageInfo:
    """Return the info, refusing empty dimensions."""
    if width <= 0 or height <= 0:
        raise _invalid(f"{image_format.value} header gives an empty size {width}x{height}")
    return ImageInfo(image_format, width, height)


def _inspect_png(data: bytes) -> ImageInfo:
    """Read the IHDR chunk, which must come first and carry a valid checksum."""
    length, kind, width, height = _unpack(">I4sII", data, 8)
    (crc,) = _unpack(">I", data, 29)
    if kind != b"IHDR" or length != 13:
        raise _invalid("PNG does not start with an IHDR chunk")
    if zlib.crc32(data[12:29]) != crc:
        raise _invalid("PNG IHDR checksum mismatch")
    return _sized(ImageFormat.PNG, width, height)


def _inspect_jpeg(data: bytes) -> ImageInfo:
    """Walk the JPEG marker segments up to the first start-of-frame."""
    offset = 2
    while True:
        marker, offset = _next_jpeg_marker(data, offset)
        if marker in _JPEG_SOF:
            height, width = _unpack(">3xHH", data, offset)
            return _sized(ImageFormat.JPEG, width, height)
        if marker in (_JPEG_SOS, _JPEG_EOI):
            raise _invalid("JPEG has no frame header before its image data")
        if marker not in _JPEG_STANDALONE:
            (length,) = _unpack(">H", data, offset)
            if length < 2:
                raise _invalid("JPEG segment length is too small")
            offset += length


def _next_jpeg_marker(data: bytes, offset: int) -> tuple[int, int]:
    """Return the marker at offset (after any fill bytes) and the offset past it."""
    if data[offset : offset + 1] != b"\xff":
        raise _invalid("JPEG marker expected" if offset < len(data) else "truncated header")
    while data[offset : offset + 1] == b"\xff":
        offset += 1
    if offset >= len(data):
        raise _invalid("truncated header")
    return data[offset], offset + 1


def _inspect_webp(data: bytes) -> ImageInfo:
    """Read the size from the first chunk of a RIFF WebP: VP8, VP8L or VP8X."""
    form, chunk = _unpack("<8x4s4s", data, 0)
    if form != b"WEBP":
        raise _invalid("RIFF file is not WebP")
    readers = {
        b"VP8 ": _webp_lossy_size,
        b"VP8L": _webp_lossless_size,
        b"VP8X": _webp_extended_size,
    }
    if chunk not in readers:
        raise _invalid(f"unknown WebP chunk {chunk!r}")
    width, height = readers[chunk](data)
    return _sized(ImageFormat.WEBP, width, height)


def _webp_lossy_size(data: bytes) -> tuple[int, int]:
    """Read the size of a VP8 key frame."""
    tag, start_code, width, height = _unpack("<20xB2x3sHH", data, 0)
    if tag & 1 or start_code != b"\x9d\x01\x2a":
        raise _invalid("VP8 data does not start with a key frame")
    return width & 0x3FFF, height & 0x3FFF


def _webp_lossless_size(data: bytes) -> tuple[int, int]:
    """Read the size of a VP8L image: two 14-bit fields, each one less than the size."""
    signature, bits = _unpack("<20xBI", data, 0)
    if signature != 0x2F:
        raise _invalid("VP8L signature missing")
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1


def _webp_extended_size(data: bytes) -> tuple[int, int]:
    """Read the canvas size of an extended WebP: two 24-bit fields, each one less."""
    width, height = _unpack("<24x3s3s", data, 0)
    return int.from_bytes(width, "little") + 1, int.from_bytes(height, "little") + 1


# Loading ----------------------------------------------------------------------------------


def load_image_ref(ref: str, *, timeout_s: float, max_bytes: int) -> bytes:
    """Return the bytes behind an http(s) URL or a base64 data URI."""
    match = _SCHEME.match(ref)
    scheme = match.group(1).lower() if match else ""
    if scheme in ("http", "https"):
        return _download(ref, timeout_s, max_bytes)
    if scheme == "data":
        return _decode_data_uri(ref, max_bytes)
    shown = f"scheme {scheme!r}" if scheme else "a reference without a scheme"
    raise ImageError(ImageProblem.UNSUPPORTED_SOURCE, f"{shown} is not accepted")


def _too_large(size: str, max_bytes: int) -> ImageError:
    """Return the error for an image over the byte limit."""
    return ImageError(ImageProblem.TOO_LARGE, f"{size} bytes, limit is {max_bytes}")


def _decode_data_uri(ref: str, max_bytes: int) -> bytes:
    """Decode a data:image/<type>;base64, URI, ignoring whitespace in the payload."""
    header, comma, payload = ref.partition(",")
    media_type, *parameters = header[len("data:") :].split(";")
    if not comma or not media_type.lower().startswith("image/"):
        raise _invalid("data URI is not an image")
    if "base64" not in (parameter.strip().lower() for parameter in parameters):
        raise _invalid("data URI is not base64-encoded")
    try:
        data = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("data URI payload is not valid base64") from None
    if len(data) > max_bytes:
        raise _too_large(str(len(data)), max_bytes)
    return data


def _opener() -> urllib.request.OpenerDirector:
    """Build an opener that speaks only HTTP(S), so redirects cannot reach file: or ftp:."""
    opener = urllib.request.OpenerDirector()
    handlers: tuple[urllib.request.BaseHandler, ...] = (
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    )
    for handler in handlers:
        opener.add_handler(handler)
    return opener


def _download(url: str, timeout_s: float, max_bytes: int) -> bytes:
    """GET the URL within the timeout, reading no more than max_bytes + 1 bytes."""
    deadline = time.monotonic() + timeout_s
    try:
        request = urllib.request.Request(
            url, headers={"User-Agent": USER_AGENT, "Accept": "image/*"}
        )
        with _opener().open(request, timeout=timeout_s) as response:
            _check_declared_length(response.headers.get("Content-Length"), max_bytes)
            return _read_capped(response, max_bytes, deadline)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise ImageError(ImageProblem.DOWNLOAD_FAILED, f"HTTP {exc.code} from {url}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ImageError(ImageProblem.DOWNLOAD_FAILED, f"{reason} ({url})") from None


def _check_declared_length(header: str | None, max_bytes: int) -> None:
    """Refuse a response whose Content-Length already exceeds the limit."""
    if header is not None and header.strip().isdigit() and int(header) > max_bytes:
        raise _too_large(header.strip(), max_bytes)


def _read_capped(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    """Read the body in chunks, stopping past max_bytes or the deadline."""
    chunks: list[bytes] = []
    received = 0
    while chunk := response.read1(min(READ_CHUNK, max_bytes + 1 - received)):
        received += len(chunk)
        if received > max_bytes:
            raise _too_large(f"more than {max_bytes}", max_bytes)
        if time.monotonic() > deadline:
            raise ImageError(ImageProblem.DOWNLOAD_FAILED, "timed out reading the body")
        chunks.append(chunk)
    return b"".join(chunks)

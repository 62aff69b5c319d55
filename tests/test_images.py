"""Input images are fetched, inspected and refused the way upstream refuses them."""

from __future__ import annotations

import base64
import functools
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mock_server.media.input_images import (
    PNG_SIGNATURE,
    ImageError,
    ImageFormat,
    ImageInfo,
    ImageProblem,
    check_aspect_ratio,
    inspect_image,
    load_image_ref,
    validate_image_ref,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "images"
LIMIT = 4096
OVERSIZE = b"\x00" * (LIMIT + 1000)


def fixture(name: str) -> bytes:
    """Return the bytes of a sample image."""
    return (FIXTURES / name).read_bytes()


def data_uri(data: bytes, media_type: str = "image/png") -> str:
    """Return the bytes as a base64 data URI."""
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def problem_of(action: Callable[[], object]) -> ImageProblem:
    """Run the action and return the problem of the ImageError it must raise."""
    with pytest.raises(ImageError) as caught:
        action()
    return caught.value.problem


def load(ref: str, timeout_s: float = 2.0) -> bytes:
    """Load a reference with the test's small size limit."""
    return load_image_ref(ref, timeout_s=timeout_s, max_bytes=LIMIT)


# A local image host -----------------------------------------------------------------------

RELEASE = threading.Event()  # set at teardown so stalled handlers give up


class ImageHost(BaseHTTPRequestHandler):
    """Serve fixtures and misbehaving endpoints on 127.0.0.1."""

    def do_GET(self) -> None:
        """Dispatch on the path."""
        routes: dict[str, Callable[[], None]] = {
            "/missing": lambda: self.send_error(404),
            "/big-declared": lambda: self.reply(OVERSIZE),
            "/big-streamed": self.stream_oversize,
            "/slow": self.stall,
            "/trickle": self.trickle,
            "/to-file": self.redirect_to_file,
        }
        if self.path.startswith("/images/"):
            self.reply(fixture(self.path.removeprefix("/images/")))
        else:
            routes.get(self.path, lambda: self.send_error(404))()

    def reply(self, body: bytes) -> None:
        """Send a complete 200 response with a Content-Length."""
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def stream_oversize(self) -> None:
        """Send an oversize body with no Content-Length, ended by closing the connection."""
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        for start in range(0, len(OVERSIZE), 512):
            self.wfile.write(OVERSIZE[start : start + 512])

    def stall(self) -> None:
        """Say nothing until the test run ends."""
        RELEASE.wait(5)

    def trickle(self) -> None:
        """Send headers at once, then one body byte every 50 ms."""
        self.send_response(200)
        self.send_header("Content-Length", "200")
        self.end_headers()
        while not RELEASE.wait(0.05):
            self.wfile.write(b"x")
            self.wfile.flush()

    def redirect_to_file(self) -> None:
        """Redirect to a local file, which a fetcher must not follow."""
        self.send_response(302)
        self.send_header("Location", "file:///etc/hostname")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


class QuietServer(ThreadingHTTPServer):
    """A threaded server that ignores clients hanging up on it."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore broken connections: the tests cause them on purpose."""


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    """Run the image host on an ephemeral port for this module's tests."""
    server = QuietServer(("127.0.0.1", 0), ImageHost)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    RELEASE.set()
    server.shutdown()
    server.server_close()
    thread.join()


# Header inspection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("landscape.png", ImageInfo(ImageFormat.PNG, 64, 36)),
        ("landscape.jpg", ImageInfo(ImageFormat.JPEG, 64, 36)),
        ("progressive.jpg", ImageInfo(ImageFormat.JPEG, 64, 36)),
        ("landscape.webp", ImageInfo(ImageFormat.WEBP, 64, 36)),
        ("lossless.webp", ImageInfo(ImageFormat.WEBP, 48, 48)),
        ("alpha.webp", ImageInfo(ImageFormat.WEBP, 32, 24)),
        ("tall.png", ImageInfo(ImageFormat.PNG, 40, 150)),
        ("wide.png", ImageInfo(ImageFormat.PNG, 150, 40)),
        ("too-wide.png", ImageInfo(ImageFormat.PNG, 200, 40)),
    ],
)
def test_each_sample_image_is_inspected_correctly(name: str, expected: ImageInfo) -> None:
    assert inspect_image(fixture(name)) == expected


@pytest.mark.parametrize("name", ["corrupt.png", "truncated.jpg"])
def test_damaged_files_are_an_invalid_format(name: str) -> None:
    assert problem_of(lambda: inspect_image(fixture(name))) is ImageProblem.INVALID_FORMAT


@pytest.mark.parametrize(
    "data",
    [b"", b"GIF89a\x01\x00\x01\x00", b"RIFF\x24\x00\x00\x00WAVEfmt ", PNG_SIGNATURE, b"\xff\xd8"],
)
def test_other_formats_and_bare_signatures_are_an_invalid_format(data: bytes) -> None:
    assert problem_of(lambda: inspect_image(data)) is ImageProblem.INVALID_FORMAT


def test_png_with_zero_width_is_an_invalid_format() -> None:
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", 0, 10, 8, 2, 0, 0, 0)
    data = PNG_SIGNATURE + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))
    assert problem_of(lambda: inspect_image(data)) is ImageProblem.INVALID_FORMAT


def test_png_with_a_bad_header_checksum_is_an_invalid_format() -> None:
    data = bytearray(fixture("landscape.png"))
    data[20] ^= 0xFF
    assert problem_of(lambda: inspect_image(bytes(data))) is ImageProblem.INVALID_FORMAT


# Aspect ratio -----------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(160, 40), (40, 160), (64, 36), (1, 1)])
def test_aspect_ratios_up_to_four_to_one_are_accepted(width: int, height: int) -> None:
    check_aspect_ratio(ImageInfo(ImageFormat.PNG, width, height))


@pytest.mark.parametrize(("width", "height"), [(161, 40), (40, 161), (200, 40)])
def test_aspect_ratios_beyond_four_to_one_are_refused(width: int, height: int) -> None:
    info = ImageInfo(ImageFormat.PNG, width, height)
    assert problem_of(lambda: check_aspect_ratio(info)) is ImageProblem.ASPECT_RATIO


def test_problem_value_is_the_failure_reason_text() -> None:
    with pytest.raises(ImageError) as caught:
        check_aspect_ratio(ImageInfo(ImageFormat.PNG, 200, 40))
    assert str(caught.value) == "image aspect ratio must be between 1:4 and 4:1: 200x40"


# Data URIs and schemes --------------------------------------------------------------------


def test_data_uri_is_decoded() -> None:
    assert load(data_uri(fixture("landscape.webp"), "image/webp")) == fixture("landscape.webp")


def test_data_uri_may_wrap_its_base64_over_lines() -> None:
    encoded = base64.encodebytes(fixture("landscape.jpg")).decode()
    assert load(f"data:image/jpeg;base64,{encoded}") == fixture("landscape.jpg")


@pytest.mark.parametrize(
    "ref",
    ["data:text/plain;base64,aGVsbG8=", "data:image/png,plain-text", "data:image/png;base64,@@@"],
)
def test_malformed_data_uris_are_an_invalid_format(ref: str) -> None:
    assert problem_of(lambda: load(ref)) is ImageProblem.INVALID_FORMAT


def test_oversize_data_uri_is_too_large() -> None:
    assert problem_of(lambda: load(data_uri(OVERSIZE))) is ImageProblem.TOO_LARGE


@pytest.mark.parametrize(
    "ref", ["file:///etc/passwd", "ftp://example.invalid/a.png", "images/a.png", "gopher://x"]
)
def test_other_schemes_are_refused(ref: str) -> None:
    assert problem_of(lambda: load(ref)) is ImageProblem.UNSUPPORTED_SOURCE


def test_validate_accepts_a_data_uri_within_the_ratio() -> None:
    info = validate_image_ref(data_uri(fixture("tall.png")), timeout_s=1, max_bytes=LIMIT)
    assert info == ImageInfo(ImageFormat.PNG, 40, 150)


def test_validate_refuses_an_image_outside_the_ratio() -> None:
    ref = data_uri(fixture("too-wide.png"))
    action = functools.partial(validate_image_ref, ref, timeout_s=1, max_bytes=LIMIT)
    assert problem_of(action) is ImageProblem.ASPECT_RATIO


# HTTP -------------------------------------------------------------------------------------


def test_image_is_fetched_over_http(host: str) -> None:
    assert load(f"{host}/images/landscape.png") == fixture("landscape.png")


def test_validate_fetches_and_inspects_an_http_image(host: str) -> None:
    info = validate_image_ref(f"{host}/images/wide.png", timeout_s=2, max_bytes=LIMIT)
    assert info == ImageInfo(ImageFormat.PNG, 150, 40)


def test_http_404_is_a_failed_download(host: str) -> None:
    with pytest.raises(ImageError, match="HTTP 404") as caught:
        load(f"{host}/missing")
    assert caught.value.problem is ImageProblem.DOWNLOAD_FAILED


def test_unreachable_host_is_a_failed_download(host: str) -> None:
    closed_port = QuietServer(("127.0.0.1", 0), ImageHost)
    port = closed_port.server_address[1]
    closed_port.server_close()
    assert problem_of(lambda: load(f"http://127.0.0.1:{port}/a.png")) is (
        ImageProblem.DOWNLOAD_FAILED
    )


@pytest.mark.parametrize("path", ["/big-declared", "/big-streamed"])
def test_oversize_body_is_too_large(host: str, path: str) -> None:
    assert problem_of(lambda: load(f"{host}{path}")) is ImageProblem.TOO_LARGE


@pytest.mark.parametrize("path", ["/slow", "/trickle"])
def test_slow_server_is_given_up_on_after_the_timeout(host: str, path: str) -> None:
    started = time.monotonic()
    assert problem_of(lambda: load(f"{host}{path}", timeout_s=0.3)) is (
        ImageProblem.DOWNLOAD_FAILED
    )
    assert time.monotonic() - started < 1.5


def test_redirect_to_a_local_file_is_not_followed(host: str) -> None:
    assert problem_of(lambda: load(f"{host}/to-file")) is ImageProblem.DOWNLOAD_FAILED

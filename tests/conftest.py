from __future__ import annotations

import functools
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mock_server.testing.controller import ViduMock
from tests.helpers import Api, make_api
from tests.plugin_support import FIXTURES, Client, either_fake
from tests.redis_server import fresh_database, redis_server

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "fixtures" / "images"


@pytest.fixture
def api() -> Api:
    """A fresh fake with default settings, a virtual clock and seed 7."""
    return make_api()


@pytest.fixture(params=FIXTURES)
def mock(request: pytest.FixtureRequest) -> Iterator[ViduMock]:
    """The controller of a fake served over HTTP, then of one in-process: each test runs twice."""
    yield from either_fake(request)


@pytest.fixture
def client(mock: ViduMock) -> Client:
    """A `requests` client of that fake whose every answer is schema-checked."""
    return Client(mock)


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free 127.0.0.1 port, for the whole session."""
    with redis_server(Path(tmp_path_factory.mktemp("redis"))) as url:
        yield url


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """The URL of an empty database of that server, a new one for each test."""
    return fresh_database(redis_server_url)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def image_host() -> Iterator[str]:
    """Serve fixtures/images on a free 127.0.0.1 port, as a developer would serve test images."""
    handler = functools.partial(QuietHandler, directory=str(IMAGES))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's wheel, built from this checkout once for the session."""
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)]
    built = subprocess.run(command, cwd=dist, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = dist.glob("vidu_mock-*.whl")
    return wheel

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server.testing.controller import ViduMock
from tests.helpers import Api, make_api
from tests.plugin_support import FIXTURES, Client, either_fake
from tests.redis_server import fresh_database, redis_server


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

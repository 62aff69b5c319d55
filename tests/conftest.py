from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_server.testing.controller import ViduMock
from tests.helpers import Api, make_api
from tests.plugin_support import FIXTURES, Client, either_fake


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

"""A suite whose `vidu_mock_settings` names a shared store (a file here) still gets a fresh fake
in every test: whatever an earlier test or an earlier run left in the store is forgotten."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.settings import ClockKind, Settings, StoreLocation
from mock_server.testing.controller import ViduMock
from tests.plugin_support import Client


@pytest.fixture(scope="module")
def store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared") / "state.db"


@pytest.fixture
def vidu_mock_settings(store_file: Path) -> Settings:
    return Settings(
        clock=ClockKind.VIRTUAL, seed=5, store=StoreLocation.parse(f"sqlite:///{store_file}")
    )


@pytest.mark.parametrize("run", [1, 2, 3])
def test_every_test_sees_only_its_own_jobs_in_a_shared_store(mock: ViduMock, run: int) -> None:
    client = Client(mock)
    mine = client.task_id()
    assert [job["task_id"] for job in mock.jobs()["jobs"]] == [mine]
    assert len(mock.requests) == 1

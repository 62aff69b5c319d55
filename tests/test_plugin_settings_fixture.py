"""A module (or conftest) overrides `vidu_mock_settings` and the in-process base URL."""

from __future__ import annotations

import pytest

from mock_server.settings import ClockKind, Progression, Settings
from tests.plugin_support import SUCCEED, Client

BASE_URL = "https://vidu.example.test/api"


@pytest.fixture
def vidu_mock_settings() -> Settings:
    return Settings(clock=ClockKind.VIRTUAL, progression=Progression.parse("instant"), seed=11)


@pytest.fixture
def vidu_mock_inprocess_base_url() -> str:
    return BASE_URL


def test_an_overriding_settings_fixture_configures_both_fixtures(mock) -> None:
    assert mock.settings["progression"] == "instant"
    assert mock.settings["seed"] == "11"
    client = Client(mock)
    assert client.status(client.task_id()) == SUCCEED


@pytest.mark.vidu_mock(progression="polls:3")
def test_a_marker_still_wins_over_the_settings_fixture(mock) -> None:
    assert mock.settings["progression"] == "polls:3"
    assert mock.settings["seed"] == "11"


def test_the_inprocess_base_url_fixture_moves_the_api_and_its_video_urls(
    vidu_mock_inprocess,
) -> None:
    assert vidu_mock_inprocess.base_url == BASE_URL
    client = Client(vidu_mock_inprocess)
    url = client.video_url(client.task_id())
    assert url.startswith(BASE_URL + "/media/videos/")
    assert client.download(url).status_code == 200

"""The pytest fixtures: both serve a working fake to `requests`, isolated per test, configurable."""

from __future__ import annotations

import importlib.metadata

import pytest
import requests
from responses.registries import OrderedRegistry

from mock_server.domain.jobs import job_rng, random_uuid
from mock_server.settings import Settings
from mock_server.testing.controller import ViduMock
from mock_server.testing.inprocess import DEFAULT_BASE_URL, NotRouted
from mock_server.testing.pytest_plugin import DEFAULT_SEED, with_overrides
from tests.helpers import RESULT, SUBMIT
from tests.plugin_support import (
    PROCESSING,
    QUEUED,
    SUCCEED,
    Client,
    check_answer,
    finish,
)


def test_the_plugin_is_registered_through_the_pytest11_entry_point() -> None:
    entry_points = importlib.metadata.entry_points(group="pytest11")
    assert {ep.value for ep in entry_points if ep.name == "vidu_mock"} == {
        "mock_server.testing.pytest_plugin"
    }


def test_a_job_walks_through_every_status_as_the_virtual_clock_advances(client, mock) -> None:
    task_id = client.task_id()
    assert client.status(task_id) == QUEUED
    mock.advance(10)
    assert client.status(task_id) == PROCESSING
    finish(mock)
    assert client.status(task_id) == SUCCEED


def test_the_fixtures_start_with_a_virtual_clock_that_stands_still(client, mock) -> None:
    before = mock.now()
    task_id = client.task_id()
    assert [client.status(task_id) for _ in range(3)] == [QUEUED] * 3
    assert mock.now() == before
    assert mock.advance(2.5) == before + 2.5


def test_the_video_downloads_with_headers_range_and_head_intact(client, mock) -> None:
    task_id = client.task_id()
    finish(mock)
    url = client.video_url(task_id)
    assert url.startswith(mock.base_url + "/media/videos/")
    whole = client.download(url)
    assert whole.status_code == 200
    assert whole.headers["Content-Type"] == "video/mp4"
    assert int(whole.headers["Content-Length"]) == len(whole.content)
    assert whole.content[4:8] == b"ftyp"
    part = client.download(url, headers={"Range": "bytes=4-11"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 4-11/{len(whole.content)}"
    assert part.content == whole.content[4:12]
    head = client.download(url, method="HEAD")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["ETag"] == whole.headers["ETag"]


def test_a_streamed_download_arrives_in_chunks_equal_to_the_whole(client, mock) -> None:
    task_id = client.task_id()
    finish(mock)
    url = client.video_url(task_id)
    with requests.get(url, stream=True, timeout=10) as response:
        chunks = list(response.iter_content(chunk_size=64 * 1024))
    assert len(chunks) > 1
    assert b"".join(chunks) == client.download(url).content


def test_error_answers_keep_their_status_and_envelope(client) -> None:
    response = client.poll("no-such-task")
    assert response.status_code == 404
    assert response.json()["reason"] == "TASK_NOT_FOUND"
    assert response.headers["Content-Type"] == "application/json"


def test_the_http_fixture_listens_on_loopback(vidu_mock) -> None:
    assert vidu_mock.base_url.startswith("http://127.0.0.1:")
    assert vidu_mock.responses is None


def test_the_inprocess_fixture_answers_on_the_live_base_url(vidu_mock_inprocess) -> None:
    assert vidu_mock_inprocess.base_url == DEFAULT_BASE_URL
    assert vidu_mock_inprocess.responses is not None


def test_the_inprocess_fixture_refuses_other_hosts_instead_of_reaching_the_network(
    vidu_mock_inprocess,
) -> None:
    with pytest.raises(NotRouted, match=r"does not route GET https://example\.com/ "):
        requests.get("https://example.com/", timeout=5)


def test_the_inprocess_fixture_lets_through_what_a_test_allows(
    vidu_mock_inprocess, image_host
) -> None:
    assert vidu_mock_inprocess.responses is not None
    vidu_mock_inprocess.responses.add_passthru(image_host)
    assert requests.get(f"{image_host}/landscape.png", timeout=5).content[1:4] == b"PNG"


def test_the_inprocess_fixture_lets_a_test_add_its_own_stubs(vidu_mock_inprocess) -> None:
    assert vidu_mock_inprocess.responses is not None
    vidu_mock_inprocess.responses.get("https://example.com/cat.png", body=b"png")
    assert requests.get("https://example.com/cat.png", timeout=5).content == b"png"
    assert Client(vidu_mock_inprocess).submit().status_code == 200


@pytest.mark.parametrize(
    "clear",
    [lambda mock: mock.reset(), lambda mock: mock.get_registry().reset()],
    ids=["the mock", "its registry"],
)
def test_a_reset_of_the_requests_mock_keeps_the_fake_routed_and_other_urls_refused(
    vidu_mock_inprocess, clear
) -> None:
    fake = vidu_mock_inprocess
    assert fake.responses is not None
    fake.responses.get("https://example.com/cat.png", body=b"png")
    clear(fake.responses)
    assert Client(fake).submit().status_code == 200
    with pytest.raises(NotRouted, match=r"does not route GET https://example\.com/cat\.png "):
        requests.get("https://example.com/cat.png", timeout=5)


def test_the_requests_mock_keeps_the_fake_routed_under_another_registry(
    vidu_mock_inprocess,
) -> None:
    """The fake answers before the registry's stubs, so it consumes none of an ordered list."""
    fake = vidu_mock_inprocess
    assert fake.responses is not None
    fake.responses._set_registry(OrderedRegistry)
    fake.responses.get("https://example.com/1", body=b"first")
    fake.responses.get("https://example.com/2", body=b"second")
    assert Client(fake).submit().status_code == 200
    bodies = [requests.get(f"https://example.com/{n}", timeout=5).content for n in (1, 2)]
    assert bodies == [b"first", b"second"]
    with pytest.raises(NotRouted, match=r"does not route GET https://example\.com/3 "):
        requests.get("https://example.com/3", timeout=5)


def test_a_stub_under_the_fakes_base_url_does_not_unroute_the_fake(vidu_mock_inprocess) -> None:
    """The fake answers its own URLs first, for requests as for httpx and aiohttp."""
    fake = vidu_mock_inprocess
    assert fake.responses is not None
    fake.responses.get(fake.url(RESULT), body=b"stub")
    polls = [Client(fake).poll("no-such-task").status_code for _ in range(2)]
    assert polls == [404, 404]


@pytest.mark.parametrize("run", [1, 2])
def test_every_test_starts_with_a_fresh_fake(client, mock, run) -> None:
    """Whichever run comes second sees nothing the first one left behind."""
    assert mock.requests == []
    assert mock.pending_scripts() == {"next": [], "tasks": {}}
    assert mock.settings["progression"] == "realtime"
    first = client.task_id()
    assert client.status(first) == QUEUED
    mock.fail_next("left behind", count=5)
    mock.set_progression("instant")
    mock.advance(10_000)


@pytest.mark.parametrize("run", [1, 2])
def test_a_fixed_seed_gives_every_test_the_same_task_ids(client, run) -> None:
    assert client.task_id() == random_uuid(job_rng(DEFAULT_SEED, 0))


@pytest.mark.vidu_mock(progression="instant")
def test_a_marker_changes_the_settings_of_one_test(client, mock) -> None:
    assert mock.settings["progression"] == "instant"
    assert client.status(client.task_id()) == SUCCEED


@pytest.mark.vidu_mock(api_keys=("k-1", "k-2"), seed=3)
def test_marker_values_may_be_typed_and_the_controller_uses_a_valid_key(client, mock) -> None:
    assert mock.api_key == "k-1"
    assert client.submit().status_code == 200
    assert client.submit(key="wrong").status_code == 403


@pytest.mark.vidu_mock(progression="polls:1")
class TestMarkersOnAClass:
    def test_a_class_marker_applies_to_its_tests(self, client) -> None:
        task_id = client.task_id()
        assert [client.status(task_id) for _ in range(3)] == [QUEUED, PROCESSING, SUCCEED]

    @pytest.mark.vidu_mock(progression="instant")
    def test_the_closest_marker_wins(self, client) -> None:
        assert client.status(client.task_id()) == SUCCEED


def test_the_controller_resets_jobs_journal_scripts_and_settings(client, mock) -> None:
    task_id = client.task_id()
    mock.fail_next("pending")
    mock.set_progression("instant")
    mock.reset()
    assert mock.requests == []
    assert mock.pending_scripts()["next"] == []
    assert mock.settings["progression"] == "realtime"
    assert client.poll(task_id).status_code == 404


def test_the_controller_also_drives_a_fake_started_from_the_shell() -> None:
    from tests.served import served

    with served("--clock", "virtual", "--progression", "instant") as base:
        mock = ViduMock(base)
        client = Client(mock)
        assert client.status(client.task_id()) == SUCCEED
        assert [entry.path for entry in mock.requests] == [SUBMIT, "/v3/async/task-result"]


def test_between_tests_the_session_server_answers_503_in_the_envelope(vidu_mock_server) -> None:
    response = requests.get(vidu_mock_server.base_url + "/v3/async/task-result", timeout=10)
    check_answer("poll", response)
    assert (response.status_code, response.json()["reason"]) == (503, "SERVICE_NOT_AVAILABLE")


def test_marker_text_values_are_parsed_like_cli_flags() -> None:
    settings = with_overrides(Settings(), {"progression": "polls:2", "rate_limit_rpm": "7"})
    assert (str(settings.progression), settings.rate_limit_rpm) == ("polls:2", 7)


def test_an_unknown_marker_setting_is_a_usage_error_naming_it() -> None:
    with pytest.raises(pytest.UsageError, match="unknown vidu-mock settings \\['speeed'\\]"):
        with_overrides(Settings(), {"speeed": 2})


def test_a_marker_value_that_does_not_parse_names_the_setting() -> None:
    with pytest.raises(ValueError, match="progression: unknown progression"):
        with_overrides(Settings(), {"progression": "soon"})

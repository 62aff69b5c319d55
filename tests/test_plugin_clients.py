"""Every common Python HTTP client reaches the fake, in-process and over HTTP, with the same effect.

requests, httpx (sync and async), aiohttp and urllib each submit, poll, download, meet scripted
faults and leave the same journal; the checks of `ViduMock` read it the same way.
"""

from __future__ import annotations

import asyncio
import socket
import urllib.error
from collections.abc import Iterator

import aiohttp
import httpx
import pytest
import requests
import urllib3

from mock_server.double.client_checks import ClientCheckFailed
from mock_server.testing.aiohttp_routing import AiohttpRouter
from mock_server.testing.controller import ViduMock
from mock_server.testing.httpx_routing import HttpxRouter
from mock_server.testing.requests_routing import RequestsRouter
from mock_server.testing.urllib_routing import UrllibRouter
from mock_server.wire.paths import RequestKind
from tests.helpers import RESULT, SUBMIT, VALID_BODY
from tests.http_clients import CLIENTS, AiohttpClient, HttpClient, RequestsClient, VideoApi
from tests.plugin_support import FAILED, FIXTURES, PROCESSING, QUEUED, SUCCEED, either_fake, finish

CLIENT_IDS = [client.name for client in CLIENTS]
TIMEOUTS = {
    "requests": requests.exceptions.ReadTimeout,
    "httpx": httpx.ReadTimeout,
    "httpx-async": httpx.ReadTimeout,
    "aiohttp": aiohttp.ServerTimeoutError,
    "urllib": urllib.error.URLError,
}


@pytest.fixture(params=FIXTURES)
def fake(request: pytest.FixtureRequest) -> Iterator[ViduMock]:
    """The fake over HTTP, then in-process; its journal is schema-checked afterwards."""
    yield from either_fake(request)


@pytest.fixture(params=CLIENTS, ids=CLIENT_IDS)
def http_client(request: pytest.FixtureRequest) -> HttpClient:
    client: HttpClient = request.param
    return client


@pytest.fixture
def api(fake: ViduMock, http_client: HttpClient) -> VideoApi:
    return VideoApi(http_client, fake.base_url, fake.api_key)


@pytest.fixture
def inprocess_api(vidu_mock_inprocess: ViduMock, http_client: HttpClient) -> VideoApi:
    return VideoApi(http_client, vidu_mock_inprocess.base_url, vidu_mock_inprocess.api_key)


@pytest.fixture
def router_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds the in-process routers wait for late answers; none of them really sleeps."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def sleep_async(seconds: float) -> None:
        waits.append(seconds)

    for router in (RequestsRouter, HttpxRouter, AiohttpRouter, UrllibRouter):
        monkeypatch.setattr(router, "sleep", staticmethod(sleep))
        monkeypatch.setattr(router, "sleep_async", staticmethod(sleep_async))
    return waits


class SocketUsed(OSError):
    """A socket was about to connect or resolve a name (an OSError, as a network failure is)."""


@pytest.fixture
def socket_attempts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Fail every socket connect and DNS lookup; list the attempts."""
    attempts: list[tuple[object, ...]] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise SocketUsed(f"socket used: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_each_client_submits_polls_and_downloads_as_the_virtual_clock_moves(fake, api) -> None:
    task_id = api.task_id()
    assert api.status(task_id) == QUEUED
    fake.advance(10)
    assert api.status(task_id) == PROCESSING
    finish(fake)
    video = api.download(api.video_url(task_id))
    assert (video.status, video.headers["Content-Type"], video.body[4:8]) == (
        200,
        "video/mp4",
        b"ftyp",
    )
    assert int(video.headers["Content-Length"]) == len(video.body)
    kinds = [entry.kind for entry in fake.requests]
    assert kinds == [RequestKind.SUBMIT, *[RequestKind.POLL] * 3, RequestKind.DOWNLOAD]
    fake.assert_poll_interval_at_least(0)
    fake.assert_downloaded_before_expiry(task_id)


def test_a_scripted_failure_reaches_each_client(fake, api) -> None:
    fake.fail_next("content policy violation")
    task_id = api.task_id()
    finish(fake)
    task = api.poll(task_id).json()["task"]
    assert (task["status"], task["reason"]) == (FAILED, "content policy violation")


def test_a_scripted_rejection_reaches_each_client_as_the_envelope(fake, api) -> None:
    fake.reject_next(503)
    reply = api.submit()
    assert (reply.status, reply.json()["reason"]) == (503, "SERVICE_NOT_AVAILABLE")
    assert reply.headers["Content-Type"] == "application/json"


def test_the_poll_interval_check_reads_each_clients_polls(fake, api) -> None:
    task_id = api.task_id()
    for gap in (5, 2):
        api.poll(task_id)
        fake.advance(gap)
    api.poll(task_id)
    fake.assert_poll_interval_at_least(2)
    with pytest.raises(ClientCheckFailed, match="expected at least 5 s between polls"):
        fake.assert_poll_interval_at_least(5)
    assert fake.shortest_poll_interval(task_id) == 2


def test_the_journal_records_each_clients_request_as_sent(fake, api) -> None:
    task_id = api.task_id({**VALID_BODY, "prompt": "through every client", "duration": 4})
    api.poll(task_id)
    submit, poll = fake.requests
    assert submit.json == {**VALID_BODY, "prompt": "through every client", "duration": 4}
    assert submit.headers["Authorization"] == "Bearer ***"
    assert submit.headers["Content-Type"].startswith("application/json")
    assert (poll.method, poll.query, poll.task_id) == ("GET", {"task_id": task_id}, task_id)
    fake.assert_submitted(prompt="through every client", duration=4)


def test_range_head_and_streaming_work_through_each_client(fake, api) -> None:
    task_id = api.task_id()
    finish(fake)
    url = api.video_url(task_id)
    whole = api.download(url)
    part = api.download(url, headers={"Range": "bytes=4-11"})
    assert (part.status, part.body) == (206, whole.body[4:12])
    assert part.headers["Content-Range"] == f"bytes 4-11/{len(whole.body)}"
    head = api.download(url, method="HEAD")
    assert (head.status, head.body, head.headers["ETag"]) == (200, b"", whole.headers["ETag"])
    streamed = api.download(url, stream=True)
    assert len(streamed.chunks) > 1
    assert b"".join(streamed.chunks) == whole.body


def test_an_unknown_task_answers_404_in_the_envelope_through_each_client(api) -> None:
    reply = api.poll("no-such-task")
    assert (reply.status, reply.json()["reason"]) == (404, "TASK_NOT_FOUND")
    assert reply.headers["Content-Type"] == "application/json"


def test_a_scripted_latency_is_waited_out_in_process_by_each_client(
    vidu_mock_inprocess, inprocess_api, router_waits
) -> None:
    vidu_mock_inprocess.delay_next(0.2)
    assert inprocess_api.submit(timeout=5).status == 200
    assert router_waits == [0.2]


def test_a_scripted_latency_beyond_the_read_timeout_times_out_each_client_in_process(
    vidu_mock_inprocess, inprocess_api, http_client, router_waits
) -> None:
    vidu_mock_inprocess.delay_next(5)
    with pytest.raises(TIMEOUTS[http_client.name], match=r"timed out after 0\.2 s"):
        inprocess_api.submit(timeout=0.2)
    assert router_waits == [0.2]


@pytest.mark.parametrize(
    "timeout",
    [
        urllib3.Timeout(read=0.3),
        urllib3.Timeout(connect=5, read=0.3),
        urllib3.Timeout(total=0.3, read=1.5),
        urllib3.Timeout(total=0.3),
        (5, 0.3),
        0.3,
    ],
    ids=[
        "Timeout(read)",
        "Timeout(connect, read)",
        "Timeout(total, read)",
        "Timeout(total)",
        "tuple",
        "number",
    ],
)
def test_requests_times_out_in_process_after_its_read_timeout_in_every_form_requests_takes(
    vidu_mock_inprocess, router_waits, timeout
) -> None:
    """requests takes seconds, a (connect, read) pair or a urllib3 `Timeout`, whose read ends
    within its total."""
    vidu_mock_inprocess.delay_next(2)
    api = VideoApi(RequestsClient(), vidu_mock_inprocess.base_url, vidu_mock_inprocess.api_key)
    with pytest.raises(requests.exceptions.ReadTimeout, match=r"timed out after 0\.3 s"):
        api.submit(timeout=timeout)
    assert router_waits == [0.3]


@pytest.mark.parametrize(
    "timeout",
    [
        aiohttp.ClientTimeout(total=0.3),
        aiohttp.ClientTimeout(total=0.3, sock_read=1.5),
        aiohttp.ClientTimeout(total=1.5, sock_read=0.3),
    ],
    ids=["total", "total below sock_read", "sock_read below total"],
)
def test_an_aiohttp_sessions_own_timeout_times_out_a_late_answer_in_process(
    vidu_mock_inprocess, router_waits, timeout
) -> None:
    """With no timeout on the request, the session's holds; whichever of its total and its
    sock_read is shorter fires first."""
    vidu_mock_inprocess.delay_next(2)
    client = AiohttpClient(session_timeout=timeout)
    api = VideoApi(client, vidu_mock_inprocess.base_url, vidu_mock_inprocess.api_key)
    with pytest.raises(aiohttp.ServerTimeoutError, match=r"timed out after 0\.3 s"):
        api.submit()
    assert router_waits == [0.3]


def test_an_aiohttp_requests_own_timeout_replaces_its_sessions_in_process(
    vidu_mock_inprocess, router_waits
) -> None:
    fake = vidu_mock_inprocess
    fake.delay_next(2)

    async def submit() -> int:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.3)) as session,
            session.post(
                fake.url(SUBMIT),
                json=VALID_BODY,
                headers=fake.headers,
                timeout=aiohttp.ClientTimeout(total=5),
            ) as response,
        ):
            return response.status

    assert asyncio.run(submit()) == 200
    assert router_waits == [2]


def test_a_method_the_fake_does_not_allow_gets_its_405_through_each_client(fake, api) -> None:
    """In-process every method reaches the fake, which answers as it does over HTTP."""
    reply = api.download(fake.url(RESULT), method="TRACE")
    assert (reply.status, reply.headers["Allow"]) == (405, "GET, HEAD, OPTIONS")
    assert reply.json()["reason"] == "METHOD_NOT_ALLOWED"


def test_a_test_adds_its_own_stubs_for_each_library(vidu_mock_inprocess) -> None:
    fake = vidu_mock_inprocess
    assert fake.respx is not None
    assert fake.aioresponses is not None
    fake.responses.get("https://images.example/cat.png", body=b"requests")
    fake.respx.get("https://images.example/cat.png").respond(200, content=b"httpx")
    fake.aioresponses.get("https://images.example/cat.png", body=b"aiohttp")
    bodies = [
        client.request("GET", "https://images.example/cat.png").body
        for client in CLIENTS
        if client.name != "urllib"
    ]
    assert bodies == [b"requests", b"httpx", b"httpx", b"aiohttp"]


def test_the_fakes_own_image_fetches_are_not_intercepted_in_process(
    vidu_mock_inprocess, image_host
) -> None:
    """`fetch_images` makes the fake itself download images: that is not the client's call."""
    fake = vidu_mock_inprocess
    fake.configure(fetch_images=True, progression="instant")
    api = VideoApi(CLIENTS[0], fake.base_url, fake.api_key)
    fine = api.task_id({**VALID_BODY, "images": [f"{image_host}/landscape.png"]})
    missing = api.task_id({**VALID_BODY, "images": [f"{image_host}/missing.png"]})
    assert api.status(fine) == SUCCEED
    assert api.poll(missing).json()["task"]["reason"].startswith("image download failed")


def test_the_fakes_own_fetch_of_an_image_under_its_base_url_is_answered_by_the_fake_in_process(
    vidu_mock_inprocess, socket_attempts
) -> None:
    """Only what the fake fetches from other hosts goes out; its own URLs stay in the process."""
    fake = vidu_mock_inprocess
    fake.configure(fetch_images=True, progression="instant")
    image = fake.url("/images/cat.png")
    api = VideoApi(CLIENTS[0], fake.base_url, fake.api_key)
    task_id = api.task_id({**VALID_BODY, "images": [image]})
    task = api.poll(task_id).json()["task"]
    assert (task["status"], task["reason"]) == (
        FAILED,
        f"image download failed: HTTP 404 from {image}",
    )
    assert socket_attempts == []

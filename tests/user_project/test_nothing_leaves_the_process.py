"""A user's tests: under `vidu_mock_inprocess`, no HTTP client reaches the network.

Self-contained on purpose: it runs in the project's suite and, unchanged, in a fresh project
where the package is installed from its wheel (tests/test_installed_package.py). Sockets are
forbidden while each test runs, so a call that tried the network would fail with `SocketUsed`,
not with the fake's `NotRouted`.
"""

from __future__ import annotations

import asyncio
import socket
import urllib.request

import aiohttp
import httpx
import pytest
import requests

from mock_server import NotRouted

UNROUTED = "https://images.example/cat.png"
LIVE_OVER_HTTP = "http://api.highwayapi.ai/v3/async/task-result?task_id=t"


class SocketUsed(Exception):
    """A socket was about to connect or resolve a name."""


@pytest.fixture
def sockets_forbidden(monkeypatch):
    """Fail every socket connect and DNS lookup; list the attempts."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise SocketUsed(f"socket used: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def with_requests(url):
    return requests.get(url, timeout=5).content


def with_httpx(url):
    return httpx.get(url, timeout=5).content


def with_httpx_async(url):
    async def get():
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(url)).content

    return asyncio.run(get())


def with_aiohttp(url):
    async def get():
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return await response.read()

    return asyncio.run(get())


def with_urllib(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


CLIENTS = [with_requests, with_httpx, with_httpx_async, with_aiohttp, with_urllib]
STUB_HINTS = {
    "with_requests": "fake.responses.get(",
    "with_httpx": "fake.respx.get(",
    "with_httpx_async": "fake.respx.get(",
    "with_aiohttp": "fake.aioresponses.get(",
    "with_urllib": "",  # urllib has no stubbing library: only the fake answers it
}


@pytest.mark.parametrize("get", CLIENTS, ids=lambda get: get.__name__)
def test_the_guard_catches_a_client_that_tries_the_network(sockets_forbidden, get):
    with pytest.raises(Exception) as raised:  # noqa: PT011 - each library wraps it its own way
        get(UNROUTED)
    assert sockets_forbidden, f"no socket was tried: {raised.value!r}"


@pytest.mark.parametrize("get", CLIENTS, ids=lambda get: get.__name__)
def test_an_unrouted_call_fails_at_once_naming_the_url_and_the_ways_to_route_it(
    vidu_mock_inprocess, sockets_forbidden, get
):
    with pytest.raises(NotRouted) as raised:
        get(UNROUTED)
    message = str(raised.value)
    assert f"does not route GET {UNROUTED} " in message
    assert "fake.base_url" in message
    assert "vidu_mock_inprocess_base_url" in message
    assert STUB_HINTS[get.__name__] in message
    assert sockets_forbidden == []


@pytest.mark.parametrize("get", CLIENTS, ids=lambda get: get.__name__)
def test_the_live_api_over_plain_http_is_not_reached_either(
    vidu_mock_inprocess, sockets_forbidden, get
):
    with pytest.raises(NotRouted, match=r"http://api\.highwayapi\.ai/v3/"):
        get(LIVE_OVER_HTTP)
    assert sockets_forbidden == []


@pytest.mark.parametrize("get", CLIENTS, ids=lambda get: get.__name__)
def test_a_routed_call_reaches_the_fake_without_a_socket(
    vidu_mock_inprocess, sockets_forbidden, get
):
    document = get(vidu_mock_inprocess.url("/openapi.json"))
    assert b'"openapi": "3.1' in document or b'"openapi":"3.1' in document
    assert sockets_forbidden == []

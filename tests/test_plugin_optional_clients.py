"""httpx and aiohttp are optional: the in-process fixture never needs them, never lets them out.

Each case runs pytest in a subprocess where an import hook makes some packages unimportable,
as if they were not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RUN_BLOCKED = """
import sys

BLOCKED = set(sys.argv[1].split(","))


class NotInstalled:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled)
import pytest

# Installed plugins are not autoloaded (respx has one), so only the fake's plugin is loaded.
plugin = ["-p", "mock_server.testing.pytest_plugin"]
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *plugin, sys.argv[2]]))
"""

REQUESTS_ONLY = """
import sys
import urllib.request

import requests

SUBMIT = "/v3/async/vidu-q2-pro-fast-img2video"
RESULT = "/v3/async/task-result"


def test_requests_and_urllib_reach_the_fake(vidu_mock_inprocess):
    fake = vidu_mock_inprocess
    body = {"images": ["https://example.com/cat.png"], "prompt": "a cat"}
    task_id = requests.post(fake.url(SUBMIT), json=body, headers=fake.headers, timeout=5).json()[
        "task_id"
    ]
    fake.advance(600)
    polled = requests.get(
        fake.url(RESULT), params={"task_id": task_id}, headers=fake.headers, timeout=5
    ).json()
    assert polled["task"]["status"] == "TASK_STATUS_SUCCEED"
    video = requests.get(polled["videos"][0]["video_url"], timeout=5).content
    assert video[4:8] == b"ftyp"
    with urllib.request.urlopen(polled["videos"][0]["video_url"], timeout=5) as response:
        assert response.read() == video
    fake.assert_downloaded_before_expiry()


def test_the_routers_of_absent_clients_are_none(vidu_mock_inprocess):
    assert vidu_mock_inprocess.respx is None
    assert vidu_mock_inprocess.aioresponses is None
    assert "httpx" not in sys.modules
    assert "aiohttp" not in sys.modules
"""

WITHOUT_ROUTERS = """
import asyncio

import aiohttp
import httpx
import pytest

from mock_server import NotRouted


def test_httpx_without_respx_is_refused_naming_what_to_install(vidu_mock_inprocess):
    with pytest.raises(NotRouted, match=r"httpx calls reach the fake only with respx installed"):
        httpx.get(vidu_mock_inprocess.url("/openapi.json"))
    with pytest.raises(NotRouted, match=r"vidu-mock\\[inprocess\\]"):
        asyncio.run(httpx.AsyncClient().get("https://api.highwayapi.ai/openapi.json"))


def test_aiohttp_without_aioresponses_is_refused_naming_what_to_install(vidu_mock_inprocess):
    async def get():
        async with aiohttp.ClientSession() as session:
            await session.get(vidu_mock_inprocess.url("/openapi.json"))

    with pytest.raises(NotRouted, match=r"aiohttp calls reach the fake only with aioresponses"):
        asyncio.run(get())


def test_outside_the_fixture_the_clients_are_left_alone():
    assert httpx.HTTPTransport.handle_request.__module__.startswith("httpx")
    assert aiohttp.ClientSession._request.__module__.startswith("aiohttp")
"""


def run_blocked(tmp_path: Path, blocked: list[str], tests: str) -> str:
    path = tmp_path / "test_user_client.py"
    path.write_text(tests, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", RUN_BLOCKED, ",".join(blocked), str(path)],
        cwd=tmp_path,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_without_httpx_and_aiohttp_the_inprocess_fixture_serves_requests(tmp_path: Path) -> None:
    blocked = ["httpx", "respx", "aiohttp", "aioresponses"]
    assert "2 passed" in run_blocked(tmp_path, blocked, REQUESTS_ONLY)


def test_a_client_installed_without_its_routing_library_is_refused(tmp_path: Path) -> None:
    assert "3 passed" in run_blocked(tmp_path, ["respx", "aioresponses"], WITHOUT_ROUTERS)

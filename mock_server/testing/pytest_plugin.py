"""pytest fixtures that drive the fake from a test suite (registered through `pytest11`).

- `vidu_mock`: the fake over real HTTP on a free 127.0.0.1 port. One server runs for the whole
  session; every test gets a fresh fake in it (new jobs, journal, scripts, settings, clock).
- `vidu_mock_inprocess`: no socket. Calls of requests, httpx, aiohttp and urllib to
  `https://api.highwayapi.ai` (see `vidu_mock_inprocess_base_url`) and to its video URLs go into
  a fresh fake (`client_routing.py`); a call to any other URL raises `NotRouted`.

Both give a `ViduMock` controller. Settings come from the `vidu_mock_settings` fixture (override
it) and then from `@pytest.mark.vidu_mock(name=value, ...)` markers, closest marker last. The
report of a failed (or interrupted) test ends with the fake's hints, such as a client polling
while the virtual clock stands still.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from mock_server.serving.background import BackgroundServer
    from mock_server.settings import Settings
    from mock_server.testing.controller import ViduMock

__all__ = [
    "CONTROLLERS",
    "DEFAULT_SEED",
    "HINTS_SECTION",
    "api_key_of",
    "fresh_app",
    "hints_of",
    "pytest_configure",
    "pytest_runtest_call",
    "pytest_runtest_makereport",
    "settings_for_test",
    "used_by",
    "vidu_mock",
    "vidu_mock_inprocess",
    "vidu_mock_inprocess_base_url",
    "vidu_mock_server",
    "vidu_mock_settings",
    "with_overrides",
]


MARKER = "vidu_mock"
DEFAULT_SEED = 0
HINTS_SECTION = "vidu-mock hints"
#: The controllers a test's fixtures handed out, for the hints of its failure report.
CONTROLLERS = pytest.StashKey[list["ViduMock"]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): settings of the vidu-mock fake for this test, "
        'e.g. progression="instant", seed=3, chaos_task_failed=0.5',
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the fake's hints to the report of a failed test."""
    report = yield
    if report.when == "call" and report.failed and (hints := hints_of(item)):
        report.sections.append((HINTS_SECTION, "\n".join(hints)))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Say the fake's hints when a hanging test is interrupted (Ctrl-C)."""
    try:
        return (yield)
    except KeyboardInterrupt as interrupt:
        for hint in hints_of(item):
            interrupt.add_note(f"{HINTS_SECTION}: {hint}")
        raise


def hints_of(item: pytest.Item) -> list[str]:
    """The hints of every fake the test used."""
    hints: list[str] = []
    for controller in item.stash.get(CONTROLLERS, []):
        try:
            hints += controller.hints()
        except Exception:  # a hint must never hide the failure it would explain
            continue
    return hints


@pytest.fixture
def vidu_mock_settings() -> Settings:
    """Settings the fixtures start from: a virtual clock, the realistic timing model, seed 0."""
    from mock_server.settings import ClockKind, Settings

    return Settings(clock=ClockKind.VIRTUAL, seed=DEFAULT_SEED)


@pytest.fixture
def vidu_mock_inprocess_base_url() -> str:
    """The base URL `vidu_mock_inprocess` answers on: the live service's, unless overridden."""
    from mock_server.testing.inprocess import DEFAULT_BASE_URL

    return DEFAULT_BASE_URL


@pytest.fixture(scope="session")
def vidu_mock_server() -> Iterator[BackgroundServer]:
    """The session's HTTP server; `vidu_mock` puts a fresh fake into it for every test."""
    from mock_server.serving.background import BackgroundServer

    with BackgroundServer() as server:
        yield server


@pytest.fixture
def vidu_mock(
    vidu_mock_server: BackgroundServer, vidu_mock_settings: Settings, request: pytest.FixtureRequest
) -> Iterator[ViduMock]:
    """The fake over real HTTP on 127.0.0.1, fresh for this test."""
    import requests

    from mock_server.testing.controller import ViduMock

    settings = settings_for_test(request.node, vidu_mock_settings).replace(
        host=vidu_mock_server.host, port=vidu_mock_server.port
    )
    with fresh_app(settings) as app, requests.Session() as session:
        vidu_mock_server.serve(app)
        try:
            controller = ViduMock(
                vidu_mock_server.base_url,
                api_key_of(settings),
                control_token=settings.control_token,
                session=session,
            )
            yield used_by(request, controller)
        finally:
            vidu_mock_server.serve(None)


@pytest.fixture
def vidu_mock_inprocess(
    vidu_mock_settings: Settings, vidu_mock_inprocess_base_url: str, request: pytest.FixtureRequest
) -> Iterator[ViduMock]:
    """The fake inside this process: every HTTP client's calls reach it without a socket."""
    import requests

    from mock_server.testing.client_routing import route_every_client
    from mock_server.testing.controller import ViduMock

    settings = settings_for_test(request.node, vidu_mock_settings)
    if not settings.public_base_url:
        settings = settings.replace(public_base_url=vidu_mock_inprocess_base_url)
    urls = [vidu_mock_inprocess_base_url, settings.public_base_url]
    with (
        fresh_app(settings) as app,
        route_every_client(app, urls) as routers,
        requests.Session() as session,
    ):
        controller = ViduMock(
            vidu_mock_inprocess_base_url,
            api_key_of(settings),
            control_token=settings.control_token,
            session=session,
            responses_mock=routers.responses,
            respx_router=routers.respx,
            aioresponses_mock=routers.aioresponses,
        )
        yield used_by(request, controller)


def used_by(request: pytest.FixtureRequest, controller: ViduMock) -> ViduMock:
    """Remember that the requesting test uses this fake, for the hints of its report."""
    request.node.stash.setdefault(CONTROLLERS, []).append(controller)
    return controller


def settings_for_test(node: pytest.Item, base: Settings) -> Settings:
    """Apply the test's `vidu_mock` markers to the base settings, outermost first."""
    markers = list(node.iter_markers(MARKER))
    for marker in reversed(markers):
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes settings as keywords only")
        base = with_overrides(base, marker.kwargs)
    return base


def with_overrides(base: Settings, overrides: Mapping[str, Any]) -> Settings:
    """Apply setting values given as their type or as the text their CLI flag takes."""
    from mock_server.settings import settings_fields

    known = {spec.name for spec in settings_fields()}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise pytest.UsageError(f"unknown vidu-mock settings {unknown}; see `vidu-mock settings`")
    return base.replace(**overrides)  # text values are parsed as their flag's


def api_key_of(settings: Settings) -> str:
    """A key the fake accepts: the first configured one, or the controller's default."""
    from mock_server.testing.controller import DEFAULT_API_KEY

    return settings.api_keys[0] if settings.api_keys else DEFAULT_API_KEY


@contextlib.contextmanager
def fresh_app(settings: Settings) -> Iterator[WSGIApplication]:
    """An app for one test: a shared store (`store` setting) is reset first, since an earlier
    test or run may have left state in it, and its connections are closed afterwards."""
    from mock_server.web.app import create_app
    from mock_server.web.state import fake_of

    app = create_app(settings)
    fake = fake_of(app)
    try:
        if settings.store_in_force.shared:
            fake.reset()
        yield app
    finally:
        fake.close()

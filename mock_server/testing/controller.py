"""`ViduMock`: drive a running fake from Python through its `/_mock` control API.

Both pytest fixtures hand out this type; it also drives a fake started with `vidu-mock serve`:
`ViduMock("http://127.0.0.1:8080")`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import requests

from mock_server.double import client_checks
from mock_server.double.client_hints import StalledPolls, stalled_polls
from mock_server.double.journal import JournalEntry
from mock_server.wire.paths import ControlPath, RequestKind
from mock_server.wire.redaction import CONTROL_TOKEN_HEADER

if TYPE_CHECKING:
    import responses
    import respx

    from mock_server.testing.aiohttp_routing import RefusingAioresponses

__all__ = ["ControlError", "ViduMock", "stalled_hint"]

DEFAULT_API_KEY = "test-key"
CONTROL_TIMEOUT_S = 30.0


class ControlError(RuntimeError):
    """The fake refused a control request; the message carries its answer."""


class ViduMock:
    """One fake seen from a test: its URL and key, its clock, its scripts and its journal."""

    def __init__(
        self,
        base_url: str,
        api_key: str = DEFAULT_API_KEY,
        *,
        control_token: str = "",
        session: requests.Session | None = None,
        responses_mock: responses.RequestsMock | None = None,
        respx_router: respx.MockRouter | None = None,
        aioresponses_mock: RefusingAioresponses | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.control_token = control_token
        self.session = session or requests.Session()
        # In-process mode only: the mocks routing each client's calls, to add your own stubs to.
        #: The `responses.RequestsMock` routing `requests`.
        self.responses = responses_mock
        #: The `respx.MockRouter` routing httpx (None without httpx and respx).
        self.respx = respx_router
        #: The `aioresponses` mock routing aiohttp (None without aiohttp and aioresponses).
        self.aioresponses = aioresponses_mock

    def __repr__(self) -> str:
        return f"ViduMock({self.base_url!r})"

    @property
    def headers(self) -> dict[str, str]:
        """The headers a well-behaved client sends."""
        return {"Authorization": f"Bearer {self.api_key}"}

    def url(self, path: str) -> str:
        return self.base_url + path

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        headers = {CONTROL_TOKEN_HEADER: self.control_token} if self.control_token else {}
        response = self.session.request(
            method, self.url(path), json=body, headers=headers, timeout=CONTROL_TIMEOUT_S
        )
        if response.status_code != 200:
            raise ControlError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()

    # Time and settings -------------------------------------------------------------------

    def advance(self, seconds: float) -> float:
        """Move the fake's virtual clock forward; return the new time."""
        now: float = self._control("POST", ControlPath.CLOCK_ADVANCE, {"seconds": seconds})["now"]
        return now

    async def advance_async(self, seconds: float) -> float:
        """Move the virtual clock from async code: an async client's `sleep`."""
        return self.advance(seconds)

    def now(self) -> float:
        """The fake's current time."""
        now: float = self._control("GET", ControlPath.CLOCK)["now"]
        return now

    def configure(self, **settings: Any) -> dict[str, str]:
        """Change settings at run time, e.g. `configure(progression="polls:2")`."""
        changed: dict[str, str] = self._control("POST", ControlPath.SETTINGS, settings)["settings"]
        return changed

    def set_progression(self, progression: str) -> None:
        """Switch to `realtime`, `instant`, `polls:N` or `manual`."""
        self.configure(progression=progression)

    @property
    def settings(self) -> dict[str, str]:
        """The fake's current settings, as text."""
        current: dict[str, str] = self._control("GET", ControlPath.SETTINGS)["settings"]
        return current

    def reset(self) -> None:
        """Forget jobs, requests, scripts and quotas; restore the starting settings."""
        self._control("POST", ControlPath.RESET)

    # Scripting ---------------------------------------------------------------------------

    def script(self, *, count: int = 1, task_id: str | None = None, **fields: Any) -> None:
        """Script the next `count` submits, or one task: fail, stuck, reject, fail_poll, latency.

        `fail` is a reason (with `stage` "queued" or "processing"), `stuck` a stage, `reject`
        429/500/503, `fail_poll` N makes the Nth poll answer 500, `latency` delays the answer.
        """
        body: dict[str, Any] = {"count": count, **fields}
        if task_id is not None:
            body["task_id"] = task_id
        self._control("POST", ControlPath.SCRIPTS, body)

    def fail_next(
        self, reason: str = "scripted failure", *, stage: str = "processing", count: int = 1
    ) -> None:
        """Make the next `count` jobs end TASK_STATUS_FAILED with this reason."""
        self.script(count=count, fail=reason, stage=stage)

    def stick_next(self, stage: str = "processing", *, count: int = 1) -> None:
        """Make the next `count` jobs stay in QUEUED or PROCESSING forever."""
        self.script(count=count, stuck=stage)

    def reject_next(self, status: int = 503, *, count: int = 1) -> None:
        """Make the next `count` submits answer 429, 500 or 503 with the documented reason."""
        self.script(count=count, reject=status)

    def fail_poll_next(self, poll: int = 1, *, count: int = 1) -> None:
        """Make the `poll`th poll of each of the next `count` jobs answer 500 GET_RESULT_FAILED."""
        self.script(count=count, fail_poll=poll)

    def delay_next(self, seconds: float, *, count: int = 1) -> None:
        """Make the next `count` submits answer `seconds` late (wall-clock)."""
        self.script(count=count, latency=seconds)

    def fail_task(self, task_id: str, reason: str, *, stage: str = "processing") -> None:
        """Make an accepted task end FAILED with this reason."""
        self.script(task_id=task_id, fail=reason, stage=stage)

    def stick_task(self, task_id: str, stage: str = "processing") -> None:
        """Keep an accepted task in a stage forever."""
        self.script(task_id=task_id, stuck=stage)

    def fail_poll(self, task_id: str, poll: int = 1) -> None:
        """Make the `poll`th poll of a task from now answer 500 GET_RESULT_FAILED."""
        self.script(task_id=task_id, fail_poll=poll)

    def delay_task(self, task_id: str, seconds: float) -> None:
        """Answer every later poll of a task `seconds` late (wall-clock)."""
        self.script(task_id=task_id, latency=seconds)

    def pending_scripts(self) -> dict[str, Any]:
        """What is still scripted: `{"next": [...], "tasks": {...}}`."""
        pending: dict[str, Any] = self._control("GET", ControlPath.SCRIPTS)
        return pending

    # Jobs --------------------------------------------------------------------------------

    def jobs(
        self, status: str | None = None, *, limit: int = 50, cursor: str | None = None
    ) -> dict[str, Any]:
        """A page of jobs, newest first: `{"jobs": [...], "next_cursor", "total", "now"}`.

        `status` is `queued`, `processing`, `succeed` or `failed` (or `TASK_STATUS_...`); pass
        a page's `next_cursor` back as `cursor` for the next, older page.
        """
        params = {"status": status, "limit": limit, "cursor": cursor}
        query = urlencode({key: value for key, value in params.items() if value is not None})
        page: dict[str, Any] = self._control("GET", f"{ControlPath.JOBS}?{query}")
        return page

    def job(self, task_id: str) -> dict[str, Any]:
        """One job: its request, the poll answer it gets now, its timeline, scripts and video."""
        detail: dict[str, Any] = self._control(
            "GET", f"{ControlPath.JOBS}/{quote(task_id, safe='')}"
        )
        return detail

    # Journal -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[JournalEntry]:
        """Every API request so far, oldest first."""
        entries = self._control("GET", ControlPath.JOURNAL)["entries"]
        return [JournalEntry.from_json(entry) for entry in entries]

    def clear_requests(self) -> None:
        self._control("DELETE", ControlPath.JOURNAL)

    @property
    def submits(self) -> list[JournalEntry]:
        return [entry for entry in self.requests if entry.kind is RequestKind.SUBMIT]

    def polls(self, task_id: str | None = None) -> list[JournalEntry]:
        """Polls, of one task or of all."""
        return [
            entry
            for entry in self.requests
            if entry.kind is RequestKind.POLL and task_id in (None, entry.task_id)
        ]

    def assert_submitted(self, **fields: Any) -> JournalEntry:
        """Check that a submit carried these body fields; return it."""
        return client_checks.assert_submitted(self.requests, **fields)

    def shortest_poll_interval(self, task_id: str | None = None) -> float | None:
        """The shortest gap between two polls of one task, on the fake's clock."""
        return client_checks.shortest_poll_interval(self.requests, task_id)

    def assert_poll_interval_at_least(self, seconds: float, task_id: str | None = None) -> None:
        """Check that no task was polled sooner than `seconds` after its previous poll."""
        client_checks.assert_poll_interval_at_least(self.requests, seconds, task_id)

    def assert_no_polls_after_terminal(self, task_id: str | None = None) -> None:
        """Check that the client stopped polling each task once it saw it finished."""
        client_checks.assert_no_polls_after_terminal(self.requests, task_id)

    def assert_downloaded_before_expiry(self, task_id: str | None = None) -> None:
        """Check that every finished video (or this task's) was fetched before its URL expired."""
        client_checks.assert_downloaded_before_expiry(self.requests, task_id)

    # Hints -------------------------------------------------------------------------------

    def hints(self) -> list[str]:
        """Likely causes of a failing or hanging test, read from the journal (empty: none)."""
        return [stalled_hint(stall) for stall in stalled_polls(self.requests)]


def stalled_hint(stall: StalledPolls) -> str:
    """Explain the virtual-clock trap for one task and say both ways out of it."""
    return (
        f"task {stall.task_id} was polled {stall.count} times but the fake's clock never moved "
        f"(t={stall.time:.3f}, still {stall.status}): pass `sleep=fake.advance` to the client "
        "(`fake.advance_async` for an async one), or use "
        '`@pytest.mark.vidu_mock(clock="real", speed=…)`'
    )

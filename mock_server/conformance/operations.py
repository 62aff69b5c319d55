"""The API's operations as requests: submit, poll, other paths and video downloads.

`Api` sends them through one target, spending the budget for submissions that may be accepted.
It checks nothing: the suite checks the exchanges it returns.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

import requests

from mock_server.conformance.budget import Budget, RefusalsStopped, SubmitTimedOut
from mock_server.conformance.transport import HttpTarget
from mock_server.wire.exchange import Exchange, HttpRequest
from mock_server.wire.json_body import JSON_TYPE
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH

__all__ = ["JSON_TYPE", "WRONG_KEY", "Api", "Auth", "Credentials", "json_bytes"]

WRONG_KEY = "vidu-contract-suite-not-a-key-0000000000000000"


class Auth(enum.Enum):
    """How a request presents the API key."""

    KEY = "Bearer <key>"
    NONE = "no Authorization header"
    WRONG = "Bearer <a key nobody has>"
    BARE = "<key> without Bearer"


@dataclass(frozen=True)
class Credentials:
    """The key the run uses; never written to a report or a recording."""

    key: str

    def headers(self, auth: Auth) -> tuple[tuple[str, str], ...]:
        value = {
            Auth.KEY: f"Bearer {self.key}",
            Auth.WRONG: f"Bearer {WRONG_KEY}",
            Auth.BARE: self.key,
            Auth.NONE: None,
        }[auth]
        return () if value is None else (("Authorization", value),)


def json_bytes(document: Any) -> bytes:
    """Serialise a body the way a JSON client sends it."""
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


class Api:
    """Requests of the emulated API, sent through one target under one budget."""

    def __init__(self, target: HttpTarget, credentials: Credentials, budget: Budget) -> None:
        self.target = target
        self.credentials = credentials
        self.budget = budget

    def submit(
        self,
        body: Any,
        *,
        paid: bool = False,
        auth: Auth = Auth.KEY,
        content_type: str | None = JSON_TYPE,
        raw: bytes | None = None,
    ) -> Exchange:
        """Send a submission; `paid` ones spend the budget unless the API refuses them."""
        headers = self.credentials.headers(auth)
        if content_type is not None:
            headers += (("Content-Type", content_type),)
        payload = json_bytes(body) if raw is None else raw
        request = HttpRequest("POST", SUBMIT_PATH, (), headers, payload)
        return self._paid(request) if paid else self._free(request)

    def poll(self, task_id: str | None, *, auth: Auth = Auth.KEY) -> Exchange:
        """Ask for a task's result; None sends no `task_id` at all."""
        query = () if task_id is None else (("task_id", task_id),)
        return self.target.send(
            HttpRequest("GET", RESULT_PATH, query, self.credentials.headers(auth))
        )

    def call(self, method: str, path: str, *, auth: Auth = Auth.KEY) -> Exchange:
        """Send a bodiless request to any path."""
        return self.target.send(HttpRequest(method, path, (), self.credentials.headers(auth)))

    def download(self, url: str, headers: tuple[tuple[str, str], ...] = ()) -> Exchange:
        """Fetch a video URL (no API key: the URL itself is the credential)."""
        return self.target.download(url, headers)

    def _free(self, request: HttpRequest) -> Exchange:
        """Send a submission the API must refuse; stop sending them once one was accepted."""
        if self.budget.limit is not None and self.budget.unexpected_accepts:
            raise RefusalsStopped(
                "a submission the API must refuse was accepted earlier in this run; "
                "no more are sent, as each may be charged"
            )
        exchange = self.target.send(request)
        if exchange.status == 200:
            self.budget.note_unexpected_accept()
        return exchange

    def _paid(self, request: HttpRequest) -> Exchange:
        """Reserve a unit, send once; keep the unit unless the API answered with a refusal."""
        self.budget.reserve()
        try:
            exchange = self.target.send(request)
        except requests.Timeout as exc:
            raise SubmitTimedOut(
                f"no answer to a paid submission within {self.target.timeouts.read} s; "
                "not retried, as it may have been charged"
            ) from exc
        if exchange.status != 200:
            self.budget.release()
        return exchange

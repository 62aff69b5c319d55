"""Sending one request to a target over real HTTP and keeping what came back.

Nothing here knows what the API means, which checks exist or which test runner is in use:
`operations.py` builds the API's requests, and the checks look at the exchanges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import HTTPAdapter

from mock_server.wire.exchange import Exchange, HttpRequest, HttpResponse

__all__ = ["HttpTarget", "Observer", "Timeouts"]


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and for an answer."""

    connect: float = 10.0
    read: float = 60.0


Observer = Callable[[Exchange], None]


@dataclass
class HttpTarget:
    """A server reached over real HTTP at a base URL; every exchange is shown to the observers."""

    base_url: str
    timeouts: Timeouts = field(default_factory=Timeouts)
    trust_env: bool = True
    observers: list[Observer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._session = requests.Session()
        self._session.trust_env = self.trust_env
        adapter = HTTPAdapter(max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def send(self, request: HttpRequest) -> Exchange:
        """Send once, never retrying, and return the exchange."""
        answer = self._session.request(
            request.method,
            self.base_url + request.path,
            params=list(request.query),
            headers=dict(request.headers),
            data=request.body,
            timeout=(self.timeouts.connect, self.timeouts.read),
            allow_redirects=False,
        )
        return self._observed(self.base_url, request, answer)

    def download(self, url: str, headers: tuple[tuple[str, str], ...] = ()) -> Exchange:
        """GET an absolute URL (a video) as a client saving it to disk would."""
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        request = HttpRequest("GET", parts.path, tuple(parse_qsl(parts.query)), headers)
        answer = self._session.get(
            url, headers=dict(headers), timeout=(self.timeouts.connect, self.timeouts.read)
        )
        return self._observed(base, request, answer)

    def close(self) -> None:
        self._session.close()

    def _observed(self, base: str, request: HttpRequest, answer: requests.Response) -> Exchange:
        headers = {name.lower(): value for name, value in answer.headers.items()}
        exchange = Exchange(
            base, request, HttpResponse(answer.status_code, headers, answer.content)
        )
        for observe in self.observers:
            observe(exchange)
        return exchange

"""Serve the fake to `urllib.request` without a socket, by standing in for its HTTP handlers.

Every opener's HTTP and HTTPS handler (`urlopen`'s and those of `build_opener`) hands a call for
the fake's base URLs to the app and answers as urllib's own HTTP response would (non-2xx
statuses become `HTTPError` the usual way). A scripted latency longer than the call's timeout
raises `URLError(TimeoutError)`. Any other URL raises `NotRouted`: urllib has no stubbing
library, so only the fake answers. While the fake answers, what it fetches itself (input images,
with `fetch_images`) from other hosts goes out as usual, so images served from a local test
server still work; an image under the fake's own base URLs is answered by the fake.
"""

from __future__ import annotations

import http.client
import io
import urllib.error
import urllib.request
import urllib.response
from collections.abc import Callable
from typing import Any
from unittest import mock

from mock_server.testing.inprocess import SERVING, Answer, InProcessApp, Router, body_bytes

__all__ = ["RoutedResponse", "UrllibRouter"]

Handler = urllib.request.AbstractHTTPHandler
DoOpen = Callable[..., Any]


class UrllibRouter(Router):
    """Route urllib's HTTP(S) calls for the app's base URLs into it; refuse the others."""

    def __init__(self, app: InProcessApp) -> None:
        self.app = app
        self._patch = mock.patch.object(Handler, "do_open", self._stand_in(Handler.do_open))

    def start(self) -> None:
        self._patch.start()

    def stop(self) -> None:
        self._patch.stop()

    def _stand_in(self, do_open: DoOpen) -> DoOpen:
        def open_in_process(
            handler: Handler, connection: type, request: urllib.request.Request, **args: Any
        ) -> Any:
            if SERVING.get() and not self.app.routes(request.full_url):
                return do_open(handler, connection, request, **args)
            return self.answer(request)

        return open_in_process

    def answer(self, request: urllib.request.Request) -> RoutedResponse:
        """Run one call through the app, or refuse it."""
        method, url = request.get_method(), request.full_url
        if not self.app.routes(url):
            raise self.app.refusal("urllib", method, url)
        headers = {**request.headers, **request.unredirected_hdrs}
        answer = self.app.call(method, url, headers.items(), body_bytes(request.data))
        self.wait(answer, _timeout(request), _timed_out)
        return RoutedResponse(answer, url)


class RoutedResponse(urllib.response.addinfourl):
    """An answer of the fake, shaped as the response urllib's HTTP handler returns."""

    def __init__(self, answer: Answer, url: str) -> None:
        headers = http.client.HTTPMessage()
        for name, value in answer.headers:
            headers[name] = value
        super().__init__(io.BytesIO(answer.body), headers, url, answer.status)
        self.reason = self.msg = answer.reason

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)


def _timed_out(message: str) -> urllib.error.URLError:
    return urllib.error.URLError(TimeoutError(message))


def _timeout(request: urllib.request.Request) -> float | None:
    timeout = getattr(request, "timeout", None)
    return float(timeout) if isinstance(timeout, int | float) else None

"""The one `Fake` each app serves, reachable from any request handler."""

from __future__ import annotations

from flask import Flask, current_app

from mock_server.double.fake import Fake

__all__ = ["current_fake", "fake_of", "install"]

EXTENSION_KEY = "vidu_mock"


def install(app: Flask, fake: Fake) -> None:
    """Make `fake` the state of `app`."""
    app.extensions[EXTENSION_KEY] = fake


def fake_of(app: Flask) -> Fake:
    """The fake an app serves."""
    found: Fake = app.extensions[EXTENSION_KEY]
    return found


def current_fake() -> Fake:
    """The fake of the app handling the current request."""
    return fake_of(current_app)

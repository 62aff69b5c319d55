"""A high-fidelity fake of the Vidu Q2 Pro Fast image-to-video async API.

The public API: `create_app(Settings(...))` builds a fake as a Flask app; `ViduMock` drives a
running fake (its clock, scripts and journal) through the control API. See ARCHITECTURE.md for
the layers behind them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_server.domain.clock import Clock, RealClock, VirtualClock
    from mock_server.domain.lifecycle import Outcome
    from mock_server.settings import ClockKind, Progression, Settings
    from mock_server.testing.controller import ControlError, ViduMock
    from mock_server.testing.inprocess import NotRouted
    from mock_server.web.app import create_app
    from mock_server.wire.statuses import TaskStatus

# Where each public name lives. They are imported on first use, so that importing one light
# module (the settings, the pytest plugin that pytest loads in every run) does not load Flask,
# the schemas and the media encoders with it.
_HOMES = {
    "Clock": "mock_server.domain.clock",
    "RealClock": "mock_server.domain.clock",
    "VirtualClock": "mock_server.domain.clock",
    "Outcome": "mock_server.domain.lifecycle",
    "ClockKind": "mock_server.settings",
    "Progression": "mock_server.settings",
    "Settings": "mock_server.settings",
    "ControlError": "mock_server.testing.controller",
    "ViduMock": "mock_server.testing.controller",
    "NotRouted": "mock_server.testing.inprocess",
    "create_app": "mock_server.web.app",
    "TaskStatus": "mock_server.wire.statuses",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "Clock",
    "ClockKind",
    "ControlError",
    "NotRouted",
    "Outcome",
    "Progression",
    "RealClock",
    "Settings",
    "TaskStatus",
    "ViduMock",
    "VirtualClock",
    "create_app",
]

"""A high-fidelity fake of the Vidu Q2 Pro Fast image-to-video async API.

The public API: `create_app(Settings(...))` builds a fake as a Flask app; `ViduMock` drives a
running fake (its clock, scripts and journal) through the control API. See ARCHITECTURE.md for
the layers behind them.
"""

from __future__ import annotations

from mock_server.domain.clock import Clock, RealClock, VirtualClock
from mock_server.domain.lifecycle import Outcome
from mock_server.settings import ClockKind, Progression, Settings
from mock_server.testing.controller import ControlError, ViduMock
from mock_server.testing.inprocess import NotRouted
from mock_server.web.app import create_app
from mock_server.wire.statuses import TaskStatus

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

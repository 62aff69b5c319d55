"""A high-fidelity fake of the Vidu Q2 Pro Fast image-to-video async API."""

from __future__ import annotations

from mock_server.app import create_app
from mock_server.clock import Clock, RealClock, VirtualClock
from mock_server.lifecycle import Outcome, TaskStatus
from mock_server.settings import ClockKind, Progression, Settings

__all__ = [
    "Clock",
    "ClockKind",
    "Outcome",
    "Progression",
    "RealClock",
    "Settings",
    "TaskStatus",
    "VirtualClock",
    "create_app",
]

"""Test-control endpoints under `/_mock`: the fake's own API, never part of the emulated one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from mock_server.clock import VirtualClock
from mock_server.errors import ControlRequestInvalid
from mock_server.runtime import runtime

PREFIX = "/_mock"

blueprint = Blueprint("control", __name__, url_prefix=PREFIX)


@blueprint.post("/clock/advance")
def advance_clock() -> dict[str, Any]:
    """Move the virtual clock forward by `{"seconds": N}`."""
    clock = runtime().clock
    if not isinstance(clock, VirtualClock):
        raise ControlRequestInvalid("the clock is real; start the fake with --clock virtual")
    body = request.get_json(silent=True)
    seconds = body.get("seconds") if isinstance(body, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds >= 0:
        raise ControlRequestInvalid('send {"seconds": <number >= 0>}')
    return {"now": clock.advance(float(seconds))}


@blueprint.get("/clock")
def read_clock() -> dict[str, Any]:
    clock = runtime().clock
    return {"now": clock.now(), "virtual": isinstance(clock, VirtualClock)}


@blueprint.post("/reset")
def reset() -> dict[str, Any]:
    """Forget every job."""
    runtime().store.clear()
    return {"reset": True}

"""Where the emulated API and the fake's own endpoints answer: every path, written once."""

from __future__ import annotations

import enum
from typing import Any

__all__ = [
    "CONTROL_PREFIX",
    "HEALTH_PATH",
    "OPENAPI_PATH",
    "OWN_PATHS",
    "RESULT_PATH",
    "SUBMIT_PATH",
    "VIDEO_PREFIX",
    "ControlPath",
    "RequestKind",
    "kind_of",
    "task_id_of",
    "video_path",
]

SUBMIT_PATH = "/v3/async/vidu-q2-pro-fast-img2video"
RESULT_PATH = "/v3/async/task-result"
VIDEO_PREFIX = "/media/videos/"
CONTROL_PREFIX = "/_mock"
OPENAPI_PATH = "/openapi.json"
HEALTH_PATH = "/healthz"
OWN_PATHS = (CONTROL_PREFIX, HEALTH_PATH, OPENAPI_PATH)  # the fake's, not the API's: unjournalled


class ControlPath:
    """The test-control endpoints, all under `CONTROL_PREFIX`."""

    CLOCK = CONTROL_PREFIX + "/clock"
    CLOCK_ADVANCE = CONTROL_PREFIX + "/clock/advance"
    SETTINGS = CONTROL_PREFIX + "/settings"
    SCRIPTS = CONTROL_PREFIX + "/scripts"
    JOURNAL = CONTROL_PREFIX + "/journal"
    RESET = CONTROL_PREFIX + "/reset"
    WORKER = CONTROL_PREFIX + "/worker"
    JOBS = CONTROL_PREFIX + "/jobs"  # GET /_mock/jobs/<task_id>: one job
    UI = CONTROL_PREFIX + "/ui"  # the dashboard page; its script and style under UI + "/"


class RequestKind(enum.Enum):
    """Which operation of the emulated API a request is."""

    SUBMIT = "submit"
    POLL = "poll"
    DOWNLOAD = "download"
    OTHER = "other"


def kind_of(method: str, path: str) -> RequestKind:
    """Tell which operation a request is from its method and path."""
    if path == SUBMIT_PATH and method == "POST":
        return RequestKind.SUBMIT
    if path == RESULT_PATH and method == "GET":
        return RequestKind.POLL
    if path.startswith(VIDEO_PREFIX) and method in ("GET", "HEAD"):
        return RequestKind.DOWNLOAD
    return RequestKind.OTHER


def task_id_of(kind: RequestKind, path: str, query_task_id: str, answer: Any) -> str:
    """The task a request was about: the submit's JSON answer, the poll's query or the video's
    path ("" for an error answer to a submit, and for anything else)."""
    if kind is RequestKind.SUBMIT and isinstance(answer, dict):
        return str(answer.get("task_id", ""))
    if kind is RequestKind.POLL:
        return query_task_id.strip()
    if kind is RequestKind.DOWNLOAD:
        return path.removeprefix(VIDEO_PREFIX).removesuffix(".mp4")
    return ""


def video_path(task_id: str) -> str:
    """The path of a finished task's video (its URL adds the host and the token)."""
    return f"{VIDEO_PREFIX}{task_id}.mp4"

"""What `vidu-mock serve` prints: one line per request, as text or as JSON, and its errors.

`configure_console` runs in the serving process and in every worker process, from the settings
`log_format` and `quiet`. Request lines (records of `web/access_log.py`) go to stdout, warnings
and errors to stderr; colour only when the stream is a terminal and `NO_COLOR` is not set.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import re
import sys
from typing import Any, TextIO

from mock_server.settings import Settings
from mock_server.web.access_log import ACCESS_LOGGER, AccessEntry, printable

__all__ = [
    "ERROR_LOGGER",
    "JsonFormatter",
    "TextFormatter",
    "configure_console",
    "json_line",
    "use_colour",
]

ERROR_LOGGER = "mock_server"  # the package's logger; the access logger is its child
RESET = "\x1b[0m"
C1_CONTROLS = re.compile("[\x7f-\x9f]")  # DEL and the C1 controls, which JSON leaves raw
STATUS_COLOURS = {"2": "32", "3": "36", "4": "33", "5": "31"}  # green, cyan, yellow, red
ROLE_STYLES = {"method": "1", "duration": "2"}  # bold, dim
LEVEL_COLOURS = {"WARNING": "33", "ERROR": "31", "CRITICAL": "31"}


def configure_console(
    settings: Settings, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> None:
    """Send request lines to stdout and warnings and errors to stderr, as the settings say."""
    access = logging.getLogger(ACCESS_LOGGER)
    access.handlers = [_handler(stdout or sys.stdout, settings.log_format)]
    access.setLevel(logging.WARNING if settings.quiet else logging.INFO)
    access.propagate = False
    errors = logging.getLogger(ERROR_LOGGER)
    errors.handlers = [_handler(stderr or sys.stderr, settings.log_format)]
    errors.setLevel(logging.WARNING)
    errors.propagate = False


def use_colour(stream: TextIO) -> bool:
    """Colour only a terminal, and never when `NO_COLOR` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def json_line(**fields: Any) -> str:
    """One JSON object on one line, stamped with the time in UTC."""
    return _json_text({"time": _utc_stamp(), **fields})


class TextFormatter(logging.Formatter):
    """`12:00:01.250 POST /v3/… 400 INVALID_REQUEST_BODY 1.4ms - duration: …`."""

    def __init__(self, colour: bool) -> None:
        super().__init__()
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        stamp = self._paint(_local_stamp(record.created), "2")
        if isinstance(record.msg, AccessEntry):
            return f"{stamp} {self._request_line(record.msg)}"
        level = self._paint(record.levelname, LEVEL_COLOURS.get(record.levelname, ""))
        text = f"{stamp} {level} {printable(record.getMessage())}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text

    def _request_line(self, entry: AccessEntry) -> str:
        status_colour = STATUS_COLOURS.get(str(entry.status)[0], "")
        styles = {**ROLE_STYLES, "status": status_colour, "reason": f"1;{status_colour}"}
        return " ".join(self._paint(text, styles.get(role, "")) for text, role in entry.parts())

    def _paint(self, text: str, style: str) -> str:
        return f"\x1b[{style}m{text}{RESET}" if self.colour and style else text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: `event` "request" with the request's fields, or "log"."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {"level": record.levelname.lower(), "pid": record.process}
        if isinstance(record.msg, AccessEntry):
            fields.update(event="request", **record.msg.to_json())
        else:
            fields.update(event="log", logger=record.name, message=record.getMessage())
            if record.exc_info:
                fields["exception"] = self.formatException(record.exc_info)
        return _json_text({"time": _utc_stamp(record.created), **fields})


def _json_text(document: dict[str, Any]) -> str:
    """A JSON line that keeps text readable (no \\u escapes for letters) but escapes every
    control character, the C1 ones too (JSON itself escapes only those below 0x20)."""
    text = json.dumps(document, ensure_ascii=False, default=str)
    return C1_CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _handler(stream: TextIO, log_format: str) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    formatter = JsonFormatter() if log_format == "json" else TextFormatter(use_colour(stream))
    handler.setFormatter(formatter)
    return handler


def _local_stamp(created: float) -> str:
    return datetime.datetime.fromtimestamp(created).strftime("%H:%M:%S.%f")[:-3]


def _utc_stamp(created: float | None = None) -> str:
    moment = (
        datetime.datetime.now(datetime.UTC)
        if created is None
        else datetime.datetime.fromtimestamp(created, tz=datetime.UTC)
    )
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

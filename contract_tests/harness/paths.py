"""The emulated API's two paths."""

from __future__ import annotations

SUBMIT_PATH = "/v3/async/vidu-q2-pro-fast-img2video"
RESULT_PATH = "/v3/async/task-result"

"""Drive a server with wrk: Lua scripts for submits and polls, and the figures wrk reports."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH

API_KEY = "bench-key"
SUBMIT_BODY = {"images": ["https://example.com/cat.png"], "prompt": "a cat surfing", "duration": 5}
MARKER = "BENCH-RESULT "
THREADS = 2

HEADERS_LUA = f"""
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {API_KEY}"
"""

DONE_LUA = f"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{MARKER}{{"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, '
    .. '"p50_us": %d, "p99_us": %d}}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""

SUBMIT_LUA = f"""
wrk.method = "POST"
wrk.body = '{json.dumps(SUBMIT_BODY)}'
{HEADERS_LUA}
"""

# Stop each thread after its share of submits: fills a store to a known size.
FILL_LUA = f"""
{SUBMIT_LUA}
local limit = 0
local count = 0
init = function(args) limit = tonumber(args[1]) end
response = function(status, headers, body)
  count = count + 1
  if count >= limit then wrk.thread:stop() end
end
"""

POLL_LUA = f"""
{HEADERS_LUA}
local ids = {{}}
local n = 0
init = function(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  n = math.random(#ids)
end
request = function()
  n = n % #ids + 1
  return wrk.format("GET", "{RESULT_PATH}?task_id=" .. ids[n])
end
"""


@dataclass(frozen=True)
class LoadResult:
    """What one wrk run measured."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    failures: int

    def as_dict(self) -> dict[str, float]:
        return {
            "requests_per_s": round(self.requests_per_s),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "failures": self.failures,
        }


def wrk_path() -> str | None:
    return shutil.which("wrk")


class Wrk:
    """Runs wrk with the scripts above, written once into a scratch folder."""

    def __init__(self, scratch: Path, connections: int) -> None:
        self.scratch = scratch
        self.connections = connections
        self.scripts = {}
        for name, text in {"submit": SUBMIT_LUA, "fill": FILL_LUA, "poll": POLL_LUA}.items():
            path = scratch / f"{name}.lua"
            path.write_text(text + DONE_LUA, encoding="utf-8")
            self.scripts[name] = path

    def submit(self, base: str, seconds: float) -> LoadResult:
        return self._run("submit", base + SUBMIT_PATH, seconds)

    def poll(self, base: str, seconds: float, ids_file: Path) -> LoadResult:
        return self._run("poll", base + RESULT_PATH, seconds, str(ids_file))

    def fill(self, base: str, jobs: int, seconds: float) -> int:
        """Submit up to `jobs` jobs within `seconds` (wrk runs that long whatever happens); say
        how many were accepted."""
        per_thread = max(1, jobs // THREADS)
        result = self._run("fill", base + SUBMIT_PATH, seconds, str(per_thread))
        return round(result.requests_per_s * seconds) - result.failures

    def _run(self, script: str, url: str, seconds: float, *args: str) -> LoadResult:
        output = self._wrk(script, url, seconds, *args)
        line = next(line for line in output.splitlines() if line.startswith(MARKER))
        data = json.loads(line.removeprefix(MARKER))
        return LoadResult(
            requests_per_s=data["requests"] / (data["duration_us"] / 1e6),
            p50_ms=data["p50_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            failures=data["socket_errors"] + data["non_2xx"],
        )

    def _wrk(self, script: str, url: str, seconds: float, *args: str) -> str:
        command = [
            "wrk",
            f"-t{THREADS}",
            f"-c{self.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(self.scripts[script]),
            url,
        ]
        if args:
            command += ["--", *args]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=True
        )
        return done.stdout

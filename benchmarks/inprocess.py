"""In-process figures, measured in a fresh interpreter: Flask test-client calls per second, and
memory and cost per call with many jobs retained.

Run alone: `python benchmarks/inprocess.py --jobs 100000` prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from mock_server import Progression, Settings, create_app
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH

HEADERS = {"Authorization": "Bearer bench-key"}
BODY = {"images": ["https://example.com/cat.png"], "prompt": "a cat surfing", "duration": 5}
SMALL = 1_000
WARM_UP = 100  # first calls pay for lazy imports and caches


def rss_mb() -> float:
    """This process's resident set size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def submit(client: FlaskClient) -> str:
    response = client.post(SUBMIT_PATH, json=BODY, headers=HEADERS)
    assert response.status_code == 200, response.get_data(as_text=True)
    task_id: str = response.get_json()["task_id"]
    return task_id


def submits_per_s(client: FlaskClient, count: int) -> tuple[float, list[str]]:
    began = time.perf_counter()
    ids = [submit(client) for _ in range(count)]
    return count / (time.perf_counter() - began), ids


def polls_per_s(client: FlaskClient, ids: list[str], count: int) -> float:
    began = time.perf_counter()
    for index in range(count):
        task_id = ids[index % len(ids)]
        response = client.get(RESULT_PATH, query_string={"task_id": task_id}, headers=HEADERS)
        assert response.status_code == 200, response.get_data(as_text=True)
    return count / (time.perf_counter() - began)


def measure(jobs: int, calls: int) -> dict[str, Any]:
    """Calls per second at 1,000 and at `jobs` retained jobs, and the memory they take."""
    baseline = rss_mb()
    client = create_app(Settings(progression=Progression.parse("instant"))).test_client()
    warm_ids = [submit(client) for _ in range(WARM_UP)]
    polls_per_s(client, warm_ids, WARM_UP)
    submit_small, ids = submits_per_s(client, SMALL - WARM_UP)
    poll_small = polls_per_s(client, ids, calls)
    began = time.perf_counter()
    for _ in range(jobs - SMALL - calls):
        submit(client)
    fill_s = time.perf_counter() - began
    poll_large = polls_per_s(client, ids, calls)
    submit_large, _ = submits_per_s(client, calls)
    return {
        "jobs": jobs,
        "submit_per_s": round(submit_small),
        "poll_per_s": round(poll_small),
        "submit_per_s_at_jobs": round(submit_large),
        "poll_per_s_at_jobs": round(poll_large),
        "fill_per_s": round((jobs - SMALL - calls) / fill_s) if fill_s else None,
        "rss_mb_empty": round(baseline, 1),
        "rss_mb_at_jobs": round(rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=3_000)
    args = parser.parse_args()
    print(json.dumps(measure(max(args.jobs, SMALL + args.calls), args.calls)))


if __name__ == "__main__":
    main()

"""Benchmark the fake in each serving mode against a bare WSGI app and peer mock servers.

    python benchmarks/run.py            # the full run, a few minutes
    python benchmarks/run.py --quick    # a smoke run: small numbers, no peers

Needs `wrk` for the load figures (Debian: `apt-get install -y wrk`) and, for the peers, the npm
packages `wiremock` and `@stoplight/prism-cli` in `benchmarks/.tools/`. It installs nothing: it
says what is missing and skips that part.
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import load
import peers
import report
import targets
from load import LoadResult, Wrk
from targets import Running, Target

from mock_server.serving.workers import THREADS_PER_WORKER

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Plan:
    """How long and how hard to measure."""

    seconds: float
    warm_up_seconds: float
    connections: int
    seeded_jobs: int
    retained_jobs: int  # 0: skip the retained-jobs measurements
    inprocess_jobs: int
    inprocess_calls: int
    fakes: tuple[str, ...]
    others: bool  # the bare WSGI app and the peers
    wait_for_idle: bool  # other processes skew the figures: wait for them to finish


FULL = Plan(
    seconds=8.0,
    warm_up_seconds=3.0,
    connections=32,
    seeded_jobs=1_000,
    retained_jobs=100_000,
    inprocess_jobs=100_000,
    inprocess_calls=3_000,
    fakes=("threaded", "workers-1", "workers-2", "workers-2-redis"),
    others=True,
    wait_for_idle=True,
)
QUICK = Plan(
    seconds=1.0,
    warm_up_seconds=0.0,
    connections=8,
    seeded_jobs=50,
    retained_jobs=0,
    inprocess_jobs=1_100,
    inprocess_calls=50,
    fakes=("workers-2",),
    others=False,
    wait_for_idle=False,
)


@dataclass
class Measured:
    """Everything one target showed."""

    name: str
    first_answer_s: float | None = None
    memory_mb: float | None = None
    submit: LoadResult | None = None
    poll: LoadResult | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def fake_targets(plan: Plan, redis: tuple[str, int] | None, skipped: list[str]) -> list[Target]:
    every = {
        "threaded": targets.fake("vidu-mock (1 process)"),
        "workers-1": targets.fake("vidu-mock --workers 1", "--workers", "1"),
        "workers-2": targets.fake("vidu-mock --workers 2", "--workers", "2", retain=True),
    }
    if redis is not None:
        url, pid = redis
        every["workers-2-redis"] = targets.fake(
            "vidu-mock --workers 2 --store redis",
            *("--workers", "2", "--store", url),
            retain=True,
            companions=(pid,),
        )
    elif "workers-2-redis" in plan.fakes:
        skipped.append(
            "the Redis store: redis-server is not installed (apt-get install -y redis-server)"
        )
    return [every[name] for name in plan.fakes if name in every]


def hello_target() -> Target:
    command = (sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", "2")
    options = ("--blocking-threads", str(THREADS_PER_WORKER), "--no-ws", "--log-level", "warning")
    return Target(
        "hello world (granian, 2 workers)",
        (*command, *options, "--host", "127.0.0.1", "--port", "{port}", "hello:app"),
        health_path="/",
        cwd=HERE,
    )


def seed_jobs(base: str, count: int, path: Path) -> Path:
    """Submit `count` jobs one by one and write their task ids, for the poll script."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"Authorization": f"Bearer {load.API_KEY}", "Content-Type": "application/json"}
    ids = []
    for _ in range(count):
        connection.request("POST", load.SUBMIT_PATH, json.dumps(load.SUBMIT_BODY), headers)
        ids.append(json.loads(connection.getresponse().read())["task_id"])
    connection.close()
    path.write_text("\n".join(ids) + "\n", encoding="utf-8")
    return path


def peer_ids(count: int, path: Path) -> Path:
    """Task ids for peers, which answer any id."""
    path.write_text("\n".join(f"task-{n}" for n in range(count)) + "\n", encoding="utf-8")
    return path


def peer_targets(scratch: Path, skipped: list[str]) -> list[Target]:
    """The peers that are installed; say why each other one is skipped."""
    gaps = peers.missing()
    skipped += [f"{name}: {why}" for name, why in gaps.items()]
    chosen = [] if "WireMock" in gaps else [peers.wiremock(scratch)]
    return chosen + ([] if "Prism" in gaps else [peers.prism(scratch)])


def measure_target(target: Target, plan: Plan, wrk: Wrk | None, scratch: Path) -> Measured:
    running = targets.start(target, scratch)
    try:
        return _measure_running(running, plan, wrk, scratch)
    finally:
        running.stop()


def _measure_running(running: Running, plan: Plan, wrk: Wrk | None, scratch: Path) -> Measured:
    measured = Measured(running.target.name, first_answer_s=running.first_answer_s)
    ids_file = scratch / "ids.txt"
    if running.target.is_fake:
        seed_jobs(running.base, plan.seeded_jobs, ids_file)
    else:
        peer_ids(plan.seeded_jobs, ids_file)
    if wrk is not None:
        _warm_up(running, plan, wrk, ids_file)
        measured.poll = wrk.poll(running.base, plan.seconds, ids_file)
    measured.memory_mb = running.memory_mb()  # the fakes hold the seeded jobs only
    if wrk is not None:
        measured.submit = wrk.submit(running.base, plan.seconds)
        if plan.retained_jobs and running.target.retain:
            measured.extra = _retained(running, plan, wrk, ids_file, measured)
    return measured


def _warm_up(running: Running, plan: Plan, wrk: Wrk, ids_file: Path) -> None:
    """Let a JIT compile the hot path first; the fake's jobs stay at the seeded count."""
    if plan.warm_up_seconds <= 0:
        return
    wrk.poll(running.base, plan.warm_up_seconds, ids_file)
    if running.target.warm_up_submits:
        wrk.submit(running.base, plan.warm_up_seconds)


def _retained(
    running: Running, plan: Plan, wrk: Wrk, ids_file: Path, small: Measured
) -> dict[str, Any]:
    """Fill the store to `retained_jobs` and measure again: cost per request should not grow."""
    assert small.submit is not None
    assert small.poll is not None
    held = plan.seeded_jobs + round(small.submit.requests_per_s * plan.seconds)
    missing = plan.retained_jobs - held
    if missing > 0:
        seconds = 2 + 1.5 * missing / small.submit.requests_per_s
        held += wrk.fill(running.base, missing, seconds)
    poll = wrk.poll(running.base, plan.seconds, ids_file)
    submit = wrk.submit(running.base, plan.seconds)
    return {
        "retained_jobs": held,
        "poll_at_retained": poll,
        "submit_at_retained": submit,
        "memory_mb_at_retained": running.memory_mb(),
    }


def measure_inprocess(plan: Plan) -> dict[str, Any]:
    command = [sys.executable, str(HERE / "inprocess.py"), "--jobs", str(plan.inprocess_jobs)]
    command += ["--calls", str(plan.inprocess_calls)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=900)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: seconds, no peers")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    with (
        tempfile.TemporaryDirectory(prefix="vidu-bench-") as folder,
        targets.redis_server(Path(folder)) as redis,
    ):
        results, skipped = run(plan, Path(folder), redis)
    print(report.table(results, skipped, plan.connections))
    if args.json:
        args.json.write_text(json.dumps(report.as_json(results), indent=2), encoding="utf-8")
    return 0


def run(
    plan: Plan, scratch: Path, redis: tuple[str, int] | None
) -> tuple[list[Measured], list[str]]:
    skipped: list[str] = []
    wrk = Wrk(scratch, plan.connections) if load.wrk_path() else None
    if wrk is None:
        skipped.append("load figures: wrk is not installed (Debian: apt-get install -y wrk)")
    chosen = [*fake_targets(plan, redis, skipped)]
    if plan.others and wrk is not None:
        chosen.append(hello_target())
        chosen += peer_targets(scratch, skipped)
    results = []
    for target in chosen:
        busy = targets.wait_until_idle() if plan.wait_for_idle else 0.0
        note = f" (the CPUs were still {busy:.0%} busy)" if busy > targets.IDLE_BELOW else ""
        print(f"measuring {target.name} ...{note}", file=sys.stderr, flush=True)
        results.append(measure_target(target, plan, wrk, scratch))
        if note:
            skipped.append(f"{target.name}: other processes kept the CPUs {busy:.0%} busy")
    print("measuring in-process ...", file=sys.stderr, flush=True)
    results.append(Measured("in-process (Flask test client)", extra=measure_inprocess(plan)))
    return results, skipped


if __name__ == "__main__":
    sys.exit(main())

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
WARM_UP_ROUND_S = 2.0
STEADY = 0.05


@dataclass(frozen=True)
class Plan:
    """How long and how hard to measure."""

    seconds: float
    warm_up_seconds: float  # every target is warmed at least this long...
    max_warm_up_seconds: float  # ...and until its throughput is steady, at most this long
    rounds: int  # measurements of each target, taken in turn; the medians are reported
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
    warm_up_seconds=6.0,
    max_warm_up_seconds=60.0,
    rounds=3,
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
    max_warm_up_seconds=0.0,
    rounds=1,
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


def measure_all(
    chosen: list[Target], plan: Plan, wrk: Wrk | None, scratch: Path, skipped: list[str]
) -> list[Measured]:
    """Start every target, warm each until it is steady, then measure them in turn, round
    after round: a noisy moment of a shared machine then costs every target alike."""
    started: list[Running] = []
    try:
        for target in chosen:
            print(f"starting {target.name} ...", file=sys.stderr, flush=True)
            started.append(targets.start(target, scratch))
        ids = {running.target.name: _seeded(running, plan, scratch) for running in started}
        measured = [Measured(running.target.name, running.first_answer_s) for running in started]
        if wrk is None:
            return _weighed(started, measured)
        for running in started:
            warmed = _warm_up(running, plan, wrk, ids[running.target.name])
            if warmed:
                skipped.append(f"{running.target.name}: warmed for {warmed:.0f} s")
        rounds: dict[str, list[tuple[LoadResult, LoadResult]]] = {}
        for number in range(plan.rounds):
            for running in started:
                print(f"round {number + 1}: {running.target.name}", file=sys.stderr, flush=True)
                poll = wrk.poll(running.base, plan.seconds, ids[running.target.name])
                submit = wrk.submit(running.base, plan.seconds)
                rounds.setdefault(running.target.name, []).append((poll, submit))
        for running, item in zip(started, measured, strict=True):
            item.poll, item.submit = _medians(rounds[running.target.name])
        _weighed(started, measured)
        for running, item in zip(started, measured, strict=True):
            if plan.retained_jobs and running.target.retain:
                item.extra = _retained(running, plan, wrk, ids[running.target.name], item)
        return measured
    finally:
        for running in started:
            running.stop()


def _seeded(running: Running, plan: Plan, scratch: Path) -> Path:
    ids_file = scratch / f"ids-{running.port}.txt"
    if running.target.is_fake:
        return seed_jobs(running.base, plan.seeded_jobs, ids_file)
    return peer_ids(plan.seeded_jobs, ids_file)


def _weighed(started: list[Running], measured: list[Measured]) -> list[Measured]:
    for running, item in zip(started, measured, strict=True):
        item.memory_mb = running.memory_mb()
    return measured


def _medians(
    rounds: list[tuple[LoadResult, LoadResult]],
) -> tuple[LoadResult, LoadResult]:
    """The round whose throughput is the median, for polls and for submits."""
    polls = sorted((poll for poll, _ in rounds), key=lambda result: result.requests_per_s)
    submits = sorted((submit for _, submit in rounds), key=lambda result: result.requests_per_s)
    return polls[len(polls) // 2], submits[len(submits) // 2]


def _warm_up(running: Running, plan: Plan, wrk: Wrk, ids_file: Path) -> float:
    """Load a target with polls and submits in short rounds, at least `warm_up_seconds` and
    until both rates change by less than 5 % from one round to the next (a JIT compiles its
    hot path meanwhile); the same rule for every target. Return the seconds spent."""
    spent, previous = 0.0, (0.0, 0.0)
    while spent < plan.max_warm_up_seconds:
        poll = wrk.poll(running.base, WARM_UP_ROUND_S, ids_file).requests_per_s
        submit = wrk.submit(running.base, WARM_UP_ROUND_S).requests_per_s
        spent += 2 * WARM_UP_ROUND_S
        steady = all(
            abs(now - before) <= STEADY * now
            for now, before in ((poll, previous[0]), (submit, previous[1]))
        )
        if spent >= plan.warm_up_seconds and steady:
            break
        previous = (poll, submit)
    return spent


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
    if plan.wait_for_idle:
        busy = targets.wait_until_idle()
        if busy > targets.IDLE_BELOW:
            skipped.append(f"other processes kept the CPUs {busy:.0%} busy at the start")
    results = measure_all(chosen, plan, wrk, scratch, skipped)
    print("measuring in-process ...", file=sys.stderr, flush=True)
    results.append(Measured("in-process (Flask test client)", extra=measure_inprocess(plan)))
    return results, skipped


if __name__ == "__main__":
    sys.exit(main())

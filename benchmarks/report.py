"""Print benchmark figures as Markdown tables, with ratios against the peers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from load import LoadResult

if TYPE_CHECKING:
    from run import Measured

HEADLINE = "vidu-mock --workers 2"
CEILING = "hello world"


def table(results: list[Measured], skipped: list[str], connections: int) -> str:
    parts = [served_table(results, connections)]
    parts += [ratios(results), retained(results), inprocess(results)]
    if skipped:
        parts.append("Notes:\n" + "\n".join(f"- {line}" for line in skipped))
    return "\n\n".join(part for part in parts if part)


def served_table(results: list[Measured], connections: int) -> str:
    rows = [
        f"| target ({connections} connections) | submit/s | p50 ms | p99 ms | poll/s | p50 ms "
        "| p99 ms | failed | first answer s | memory MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for item in results:
        if item.first_answer_s is None:
            continue
        failed = sum(load.failures for load in (item.submit, item.poll) if load)
        rows.append(
            f"| {item.name} | {_load(item.submit)} | {_load(item.poll)} | {failed} "
            f"| {item.first_answer_s:.2f} | {_number(item.memory_mb)} |"
        )
    return "\n".join(rows)


def _load(result: LoadResult | None) -> str:
    if result is None:
        return "- | - | -"
    return f"{result.requests_per_s:,.0f} | {result.p50_ms:.2f} | {result.p99_ms:.2f}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def ratios(results: list[Measured]) -> str:
    """The headline mode's throughput and p99 as multiples of every other target's."""
    ours = next((item for item in results if item.name == HEADLINE and item.submit), None)
    if ours is None:
        return ""
    rows = [
        f"| {HEADLINE} vs | submit/s x | poll/s x | submit p99 x | poll p99 x |",
        "|---|---:|---:|---:|---:|",
    ]
    header = len(rows)
    for other in results:
        if other is ours or other.submit is None or other.poll is None:
            continue
        assert ours.submit is not None
        assert ours.poll is not None
        rows.append(
            f"| {other.name} | {_ratio(ours.submit.requests_per_s, other.submit.requests_per_s)} "
            f"| {_ratio(ours.poll.requests_per_s, other.poll.requests_per_s)} "
            f"| {_ratio(ours.submit.p99_ms, other.submit.p99_ms)} "
            f"| {_ratio(ours.poll.p99_ms, other.poll.p99_ms)} |"
        )
    return "\n".join(rows) if len(rows) > header else ""


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}" if theirs else "-"


def retained(results: list[Measured]) -> str:
    """Cost per request with few and with many jobs retained, for each target measured so."""
    tables = [_retained(item) for item in results if item.extra.get("retained_jobs")]
    return "\n\n".join(table for table in tables if table)


def _retained(ours: Measured) -> str:
    if ours.submit is None or ours.poll is None:
        return ""
    extra = ours.extra
    poll, submit = extra["poll_at_retained"], extra["submit_at_retained"]
    jobs = extra["retained_jobs"]
    return "\n".join(
        [
            f"| {ours.name} | at {1000:,} jobs | at {jobs:,} jobs | ratio |",
            "|---|---:|---:|---:|",
            _row("poll/s", ours.poll.requests_per_s, poll.requests_per_s),
            _row("poll p99 ms", ours.poll.p99_ms, poll.p99_ms, digits=2),
            _row("submit/s", ours.submit.requests_per_s, submit.requests_per_s),
            _row("submit p99 ms", ours.submit.p99_ms, submit.p99_ms, digits=2),
            _row("memory MB (all processes)", ours.memory_mb or 0, extra["memory_mb_at_retained"]),
        ]
    )


def _row(label: str, small: float, large: float, digits: int = 0) -> str:
    return f"| {label} | {small:,.{digits}f} | {large:,.{digits}f} | {_ratio(large, small)} |"


def inprocess(results: list[Measured]) -> str:
    found = next((item.extra for item in results if "submit_per_s" in item.extra), None)
    if found is None:
        return ""
    jobs = found["jobs"]
    return "\n".join(
        [
            f"| in-process (Flask test client) | at {1000:,} jobs | at {jobs:,} jobs | ratio |",
            "|---|---:|---:|---:|",
            _row("submit calls/s", found["submit_per_s"], found["submit_per_s_at_jobs"]),
            _row("poll calls/s", found["poll_per_s"], found["poll_per_s_at_jobs"]),
            "",
            f"In-process RSS with {jobs:,} jobs retained: {found['rss_mb_at_jobs']:,.0f} MB "
            f"(the empty app: {found['rss_mb_empty']:,.0f} MB).",
        ]
    )


def as_json(results: list[Measured]) -> list[dict[str, Any]]:
    def plain(value: Any) -> Any:
        if isinstance(value, LoadResult):
            return value.as_dict()
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    return [
        {
            "name": item.name,
            "first_answer_s": item.first_answer_s,
            "memory_mb": item.memory_mb,
            "submit": plain(item.submit),
            "poll": plain(item.poll),
            "extra": plain(item.extra),
        }
        for item in results
    ]

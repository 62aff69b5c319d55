"""Hypothesis settings profiles for the suite: `ci` (small, repeatable), `dev`, `live` (sparing).

The chosen profile applies to the suite's tests only (through `for_examples()` and
`for_machines()`), so other test directories keep their own Hypothesis settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, settings

CI, DEV, LIVE = "ci", "dev", "live"
_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much]

settings.register_profile(
    CI,
    max_examples=12,
    stateful_step_count=15,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    DEV,
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    LIVE,
    # Every example is a request to someone else's server: few of them, nothing kept.
    max_examples=6,
    stateful_step_count=12,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=_QUIET,
)

MACHINE_EXAMPLES = {CI: 6, DEV: 12, LIVE: 2}
NO_REPLAY = (Phase.explicit, Phase.generate)


@dataclass
class _Selection:
    name: str = DEV
    spending_limited: bool = False


_selection = _Selection()


def select(name: str, *, spending_limited: bool) -> None:
    """Choose the profile for this run; a limited budget means paid tests never replay."""
    settings.get_profile(name)
    _selection.name, _selection.spending_limited = name, spending_limited


def default_for(*, live: bool, ci: bool) -> str:
    """`live` on a live target; otherwise `ci` under CI (CI=true) and `dev` elsewhere."""
    if live:
        return LIVE
    return CI if ci else DEV


def selected() -> str:
    return _selection.name


def for_examples() -> settings:
    """The settings of a property test under the chosen profile."""
    return settings(settings.get_profile(selected()))


def for_paid_examples() -> settings:
    """Like `for_examples`, but a failure is not shrunk when shrinking would spend money."""
    chosen = settings.get_profile(selected())
    return settings(chosen, phases=NO_REPLAY) if _selection.spending_limited else settings(chosen)


def for_machines() -> settings:
    """The settings of the lifecycle state machine: fewer, longer examples, paid like above."""
    examples = MACHINE_EXAMPLES.get(selected(), 10)
    return settings(for_paid_examples(), max_examples=examples)

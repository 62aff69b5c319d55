"""Hypothesis settings profiles for the suite: `ci` (small, repeatable), `dev`, `live` (sparing).

The chosen profile applies to the suite's tests only (through `for_examples()` and
`for_machines()`), so other test directories keep their own Hypothesis settings.
"""

from __future__ import annotations

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
    # Every example is a request to someone else's server; none is repeated by shrinking.
    max_examples=6,
    stateful_step_count=12,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=_QUIET,
)

_selected = {"name": DEV}
MACHINE_EXAMPLES = {CI: 6, DEV: 12, LIVE: 2}


def select(name: str) -> None:
    """Choose the profile the suite's tests use in this run."""
    settings.get_profile(name)
    _selected["name"] = name


def selected() -> str:
    return _selected["name"]


def for_examples() -> settings:
    """The settings of a property test under the chosen profile."""
    return settings(settings.get_profile(selected()))


def for_machines() -> settings:
    """The settings of the lifecycle state machine: fewer, longer examples."""
    name = selected()
    return settings(settings.get_profile(name), max_examples=MACHINE_EXAMPLES.get(name, 10))

"""Hypothesis settings profiles for the suite: `ci` (small, repeatable), `dev`, `live` (sparing)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, settings

__all__ = ["CI", "DEV", "LIVE", "ExampleSettings", "default_for"]

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


@dataclass(frozen=True)
class ExampleSettings:
    """The Hypothesis settings of one run of the suite, under the profile it chose.

    The chosen profile applies to the suite's own property tests and state machine only, so
    other test directories in the same pytest session keep their own Hypothesis settings.
    """

    profile: str = DEV
    spending_limited: bool = False
    seeded: bool = False  # a seed was given (--hypothesis-seed): it decides, not the test's code

    def __post_init__(self) -> None:
        settings.get_profile(self.profile)  # refuse an unknown name at once

    def _chosen(self) -> settings:
        chosen = settings.get_profile(self.profile)
        # A derandomized profile ignores a given seed; a seeded run means that seed to count.
        return settings(chosen, derandomize=False) if self.seeded else chosen

    def examples(self) -> settings:
        """The settings of a property test under the chosen profile."""
        return settings(self._chosen())

    def paid_examples(self) -> settings:
        """Like `examples`, but a failure is not shrunk when shrinking would spend money."""
        chosen = self._chosen()
        return settings(chosen, phases=NO_REPLAY) if self.spending_limited else settings(chosen)

    def machines(self) -> settings:
        """The settings of the lifecycle state machine: fewer, longer examples, paid as above."""
        examples = MACHINE_EXAMPLES.get(self.profile, 10)
        return settings(self.paid_examples(), max_examples=examples)


def default_for(*, live: bool, ci: bool) -> str:
    """`live` on a live target; otherwise `ci` under CI (CI=true) and `dev` elsewhere."""
    if live:
        return LIVE
    return CI if ci else DEV

"""One run of the suite: its options, budget, logs, and (once a test needs it) the target.

`SuiteState` lives for the whole pytest session; `Contract` is what tests receive: checked
operations on the target, the strategies that fit the target's cost, the run's Hypothesis
settings and a pacer factory. Test bodies use only these, never the target's kind.

The generators are imported inside functions: importing hypothesis-jsonschema while pytest
configures itself makes Hypothesis warn about slow plugin initialisation.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pytest
from hypothesis import strategies as st

from mock_server.conformance import checks
from mock_server.conformance.budget import Budget, RefusalsStopped
from mock_server.conformance.checks import Check, CheckLog
from mock_server.conformance.holding import FailureHold
from mock_server.conformance.hypothesis_profiles import ExampleSettings
from mock_server.conformance.local_fake import FAKE_KEY, served_fake
from mock_server.conformance.operations import Api, Auth, Credentials
from mock_server.conformance.options import SuiteOptions
from mock_server.conformance.pacing import Pacer, VirtualPacer, WallClockPacer
from mock_server.conformance.preflight import preflight
from mock_server.conformance.probes import ProbeLog, Sightings
from mock_server.conformance.progress import Progress
from mock_server.conformance.recordings import ExchangeRecorder
from mock_server.conformance.report import ContractReport
from mock_server.conformance.sample_image import png_data_uri
from mock_server.conformance.transport import HttpTarget, Timeouts
from mock_server.wire.exchange import Exchange

__all__ = ["Contract", "SuiteState"]

SAMPLE_IMAGE_URL = "https://example.com/contract-suite/cat.png"
SAMPLE_PROMPT = "a cat surfing a wave at dawn"
FAKE_SOURCE = "vidu-mock, the fake the suite starts itself (not the live API)"

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(repr=False)
class Contract:
    """What a test needs to exercise the target under test."""

    api: Api
    checks: CheckLog
    examples: ExampleSettings
    valid_submissions: st.SearchStrategy[dict[str, Any]]
    new_pacer: Callable[[], Pacer]
    probes: ProbeLog
    paid_image: str | None
    restart: Callable[[], None] = field(default=lambda: None)
    progress: Progress = field(default_factory=Progress)

    def __repr__(self) -> str:
        return f"Contract(at {self.api.target.base_url})"

    def check(self, check: Check[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a check on what the target answered, counting it for the report."""
        return self.checks.run(check, *args, **kwargs)

    def submit(self, body: Any, **options: Any) -> Exchange:
        """Send a submission (see `Api.submit`) and check its answer against `schemas/`."""
        try:
            exchange = self.api.submit(body, **options)
        except RefusalsStopped as stopped:
            pytest.skip(str(stopped))
        return self.conforms(exchange)

    def poll(self, task_id: str | None, *, auth: Auth = Auth.KEY) -> Exchange:
        """Poll a task and check the answer against `schemas/`."""
        return self.conforms(self.api.poll(task_id, auth=auth))

    def call(self, method: str, path: str, *, auth: Auth = Auth.KEY) -> Exchange:
        """Send a bodiless request to any path and check the answer against `schemas/`."""
        return self.conforms(self.api.call(method, path, auth=auth))

    def conforms(self, exchange: Exchange) -> Exchange:
        """Check one API answer against `schemas/`, and that it says it is JSON."""
        self.check(checks.response_conforms_to_schema, exchange)
        self.check(checks.answer_says_it_is_json, exchange)
        return exchange

    @contextmanager
    def held_failures(self) -> Iterator[FailureHold]:
        """Hold the first failure of examples that may cost money while the budget is limited,
        and raise it at the end of the block; elsewhere failures pass straight through."""
        hold = FailureHold(active=self.api.budget.limit is not None)
        yield hold
        hold.release()

    def require_budget(self) -> None:
        """Skip the calling test when no paid submission is left (never on the suite's fake)."""
        if not self.api.budget.allows():
            pytest.skip(f"paid: {self.api.budget.spend().describe()}, nothing left")

    def sample_body(self, **changes: Any) -> dict[str, Any]:
        """The cheapest valid submission, with some fields changed (None removes one)."""
        from mock_server.conformance import generation  # late: see the module docstring

        body = generation.priced(
            {"images": [SAMPLE_IMAGE_URL], "prompt": SAMPLE_PROMPT}, self.paid_image
        )
        body.update(changes)
        return {key: value for key, value in body.items() if value is not None}


class SuiteState:
    """The run's options, budget and logs; starts the target lazily and writes the outputs.

    `preflighted` says the preflight was already run (by `vidu-mock contract`, before pytest
    started), so starting a live target does not send it again.
    """

    def __init__(
        self,
        options: SuiteOptions,
        examples: ExampleSettings,
        progress: Progress | None = None,
        *,
        preflighted: bool = False,
    ) -> None:
        self.options = options
        self.preflighted = preflighted
        self.examples = examples
        self.progress = progress or Progress()
        self.budget = Budget(options.live_budget if self.live else None)
        self.checks = CheckLog()
        self.probes = ProbeLog()
        self.sightings = Sightings()
        self.errors: list[str] = []
        self.setup_error = ""
        self.recorder: ExchangeRecorder | None = None
        self.recording: Path | None = None
        self.base_url = options.base_url
        self._deadline: float | None = None
        self.created_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        self._contract: Contract | None = None
        self._resources = ExitStack()

    @property
    def started(self) -> bool:
        return self._contract is not None

    @property
    def live(self) -> bool:
        return self.options.live

    def paid_deadline(self) -> float:
        """When waiting for paid tasks must stop (monotonic seconds): the time limit counts from
        the first wait, so the free phases and the preflight before it spend none of it."""
        if self._deadline is None:
            self._deadline = time.monotonic() + self.options.live_time_limit
        return self._deadline

    def contract(self) -> Contract:
        """Start (once) and return the contract for the configured target."""
        if self._contract is None:
            self._contract = self._live_contract() if self.live else self._fake_contract()
        return self._contract

    def _fake_contract(self) -> Contract:
        from mock_server.conformance import generation  # late: see the module docstring

        fake = self._resources.enter_context(served_fake())
        self.base_url = fake.base_url
        target = self._target(Timeouts(connect=5.0, read=30.0), trust_env=False)
        return Contract(
            api=Api(target, Credentials(FAKE_KEY), self.budget),
            checks=self.checks,
            examples=self.examples,
            valid_submissions=generation.valid_submissions(),
            new_pacer=lambda: VirtualPacer(target),
            probes=self.probes,
            paid_image=None,
            restart=fake.restart,
            progress=self.progress,
        )

    def _live_contract(self) -> Contract:
        """The contract for a server at a base URL, once one cheap request showed it can be
        tested (PreflightFailed otherwise) unless that request was already sent."""
        from mock_server.conformance import generation  # late: see the module docstring

        target = self._target(Timeouts(), trust_env=True)
        api = Api(target, Credentials(self.options.api_key), self.budget)
        if not self.preflighted:
            self.progress.say(f"preflight: {preflight(api)}")
        image = self.options.live_image_url or png_data_uri()
        interval = self.options.live_poll_interval
        return Contract(
            api=api,
            checks=self.checks,
            examples=self.examples,
            valid_submissions=generation.valid_submissions().map(
                lambda body: generation.priced(body, image)
            ),
            new_pacer=lambda: WallClockPacer(self.paid_deadline(), interval_s=interval),
            probes=self.probes,
            paid_image=image,
            progress=self.progress,
        )

    def _target(self, timeouts: Timeouts, *, trust_env: bool) -> HttpTarget:
        target = HttpTarget(self.base_url, timeouts, trust_env)
        target.observers += [self.sightings, self.progress]
        if self.options.recording_dir is not None:
            source = f"the server at {self.base_url} (--target=live)" if self.live else FAKE_SOURCE
            self.recorder = ExchangeRecorder(self.options.target.value, self.base_url, source)
            target.observers.append(self.recorder)
        self._resources.callback(target.close)
        return target

    def report(self) -> ContractReport:
        """Everything the run saw, as a report."""
        self.sightings.record_into(self.probes)
        spend = self.budget.spend()
        return ContractReport(
            target=self.options.target.value,
            base_url=self.base_url or "(not started)",
            created_at=self.created_at,
            spend=spend,
            checks=self.checks.results(spend, live=self.live),
            probes=self.probes.results(spend),
            errors=tuple(self.errors),
            setup_error=self.setup_error,
        )

    def finish(self) -> None:
        """Write the recording if asked, and stop the fake."""
        directory = self.options.recording_dir
        if self.recorder is not None and self.recorder.exchanges and directory is not None:
            self.recording = self.recorder.write(directory)
        self._resources.close()

"""One run of the suite: its options, budget, logs, and (once a test needs it) the target.

`SuiteState` lives for the whole pytest session; `Contract` is what tests receive: an `Api` on
the target, the strategies that fit the target's cost, and a pacer factory. Test bodies use only
these, never the target's kind.

The generators are imported inside functions: importing hypothesis-jsonschema while pytest
configures itself makes Hypothesis warn about slow plugin initialisation.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from contract_tests.harness.budget import Budget
from contract_tests.harness.calls import Api, Credentials
from contract_tests.harness.checks import LOG
from contract_tests.harness.holding import FailureHold
from contract_tests.harness.images import png_data_uri
from contract_tests.harness.local_fake import FAKE_KEY, served_fake
from contract_tests.harness.options import SuiteOptions
from contract_tests.harness.pacing import Pacer, VirtualPacer, WallClockPacer
from contract_tests.harness.probes import ProbeLog, Sightings
from contract_tests.harness.recorder import ExchangeRecorder
from contract_tests.harness.transport import HttpTarget, TargetKind, Timeouts
from mock_server.contract_report import ContractReport

SAMPLE_IMAGE_URL = "https://example.com/contract-suite/cat.png"
SAMPLE_PROMPT = "a cat surfing a wave at dawn"
FAKE_SOURCE = "vidu-mock, the fake the suite starts itself (not the live API)"


@dataclass(repr=False)
class Contract:
    """What a test needs to exercise the target under test."""

    api: Api
    valid_submissions: st.SearchStrategy[dict[str, Any]]
    new_pacer: Callable[[], Pacer]
    probes: ProbeLog
    paid_image: str | None
    fake_clock: VirtualPacer | None = None
    restart: Callable[[], None] = lambda: None

    @contextmanager
    def held_failures(self) -> Iterator[FailureHold]:
        """Hold the first failure of examples that may cost money while the budget is limited,
        and raise it at the end of the block; elsewhere failures pass straight through."""
        hold = FailureHold(active=self.api.budget.limit is not None)
        yield hold
        hold.release()

    def __repr__(self) -> str:
        return f"Contract({self.api.target.kind.value} at {self.api.target.base_url})"

    def require_budget(self) -> None:
        """Skip the calling test when no paid submission is left (never on the suite's fake)."""
        if not self.api.budget.allows():
            pytest.skip(f"paid: {self.api.budget.spend().describe()}, nothing left")

    def sample_body(self, **changes: Any) -> dict[str, Any]:
        """The cheapest valid submission, with some fields changed (None removes one)."""
        from contract_tests.harness import generation  # late: see the module docstring

        body = generation.priced(
            {"images": [SAMPLE_IMAGE_URL], "prompt": SAMPLE_PROMPT}, self.paid_image
        )
        body.update(changes)
        return {key: value for key, value in body.items() if value is not None}


class SuiteState:
    """The run's options, budget and logs; starts the target lazily and writes the outputs."""

    def __init__(self, options: SuiteOptions) -> None:
        self.options = options
        live = options.target is TargetKind.LIVE
        self.budget = Budget(options.live_budget if live else None)
        self.probes = ProbeLog()
        self.sightings = Sightings()
        self.recorder: ExchangeRecorder | None = None
        self.recording: Path | None = None
        self.base_url = options.base_url
        self.deadline = time.monotonic() + options.live_time_limit
        self.created_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        self._contract: Contract | None = None
        self._resources = ExitStack()
        LOG.reset()

    @property
    def started(self) -> bool:
        return self._contract is not None

    @property
    def live(self) -> bool:
        return self.options.target is TargetKind.LIVE

    def contract(self) -> Contract:
        """Start (once) and return the contract for the configured target."""
        if self._contract is None:
            self._contract = self._live_contract() if self.live else self._fake_contract()
        return self._contract

    def _fake_contract(self) -> Contract:
        from contract_tests.harness import generation  # late: see the module docstring

        fake = self._resources.enter_context(served_fake())
        self.base_url = fake.base_url
        target = self._target(Timeouts(connect=5.0, read=30.0), trust_env=False)
        clock = VirtualPacer(target)
        return Contract(
            api=Api(target, Credentials(FAKE_KEY), self.budget),
            valid_submissions=generation.valid_submissions(),
            new_pacer=lambda: VirtualPacer(target),
            probes=self.probes,
            paid_image=None,
            fake_clock=clock,
            restart=fake.restart,
        )

    def _live_contract(self) -> Contract:
        from contract_tests.harness import generation  # late: see the module docstring

        target = self._target(Timeouts(), trust_env=True)
        image = self.options.live_image_url or png_data_uri()
        interval = self.options.live_poll_interval
        return Contract(
            api=Api(target, Credentials(self.options.api_key), self.budget),
            valid_submissions=generation.valid_submissions().map(
                lambda body: generation.priced(body, image)
            ),
            new_pacer=lambda: WallClockPacer(self.deadline, interval_s=interval),
            probes=self.probes,
            paid_image=image,
        )

    def _target(self, timeouts: Timeouts, *, trust_env: bool) -> HttpTarget:
        target = HttpTarget(self.base_url, self.options.target, timeouts, trust_env)
        target.observers.append(self.sightings)
        if self.options.record:
            source = f"the server at {self.base_url} (--target=live)" if self.live else FAKE_SOURCE
            self.recorder = ExchangeRecorder(self.options.target.value, self.base_url, source)
            target.observers.append(self.recorder)
        self._resources.callback(target.close)
        return target

    def report(self) -> ContractReport:
        """Everything the run saw, as a report."""
        self.sightings.record_into(self.probes)
        return ContractReport(
            target=self.options.target.value,
            base_url=self.base_url or "(not started)",
            created_at=self.created_at,
            spend=self.budget.spend(),
            checks=LOG.results(),
            probes=self.probes.results(),
        )

    def finish(self) -> None:
        """Write the recording if asked, and stop the fake."""
        if self.recorder is not None and self.recorder.exchanges:
            self.recording = self.recorder.write(Path(self.options.record_dir))
        self._resources.close()

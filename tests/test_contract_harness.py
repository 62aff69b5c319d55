"""The contract suite's machinery: options, budget, spending safety, pacing, probes, recording."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from werkzeug.serving import make_server

from mock_server.conformance import checks, pacing
from mock_server.conformance.budget import Budget, BudgetExhausted, RefusalsStopped, SubmitTimedOut
from mock_server.conformance.checks import CheckFailure
from mock_server.conformance.generation import cheapest_parameters
from mock_server.conformance.holding import FailureHold
from mock_server.conformance.hypothesis_profiles import ExampleSettings
from mock_server.conformance.operations import Api, Auth, Credentials
from mock_server.conformance.options import SuiteOptions, TargetKind, spec_named
from mock_server.conformance.probes import QUESTIONS, ProbeLog, Sightings, json_type, shape
from mock_server.conformance.recordings import recorded
from mock_server.conformance.report import Spend, Why
from mock_server.conformance.session import Contract, SuiteState
from mock_server.conformance.transport import HttpTarget, Timeouts
from mock_server.wire.exchange import Exchange, HttpRequest, HttpResponse
from mock_server.wire.redaction import REDACTED

SUBMIT = "/v3/async/vidu-q2-pro-fast-img2video"
RESULT = "/v3/async/task-result"
NOT_FOUND = b'{"code": 404, "reason": "TASK_NOT_FOUND", "message": "no such task", "metadata": {}}'
QUESTION_NAMES = list(QUESTIONS)


class CountingServer:
    """A WSGI app that counts requests and answers (or stalls) as told."""

    def __init__(
        self, status: str = "200 OK", body: bytes = b'{"task_id": "t"}', stall_s: float = 0
    ) -> None:
        self.status, self.body, self.stall_s = status, body, stall_s
        self.hits = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.hits += 1
        time.sleep(self.stall_s)
        start_response(self.status, [("Content-Type", "application/json")])
        return [self.body]


@pytest.fixture
def serve() -> Iterator[Any]:
    servers = []

    def start(app: CountingServer) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def api_for(base_url: str, budget: Budget, read_timeout: float = 10) -> Api:
    target = HttpTarget(base_url, Timeouts(5, read_timeout), trust_env=False)
    return Api(target, Credentials("secret-key"), budget)


def test_options_come_from_flags_then_environment_then_defaults() -> None:
    environ = {"VIDU_CONTRACT_LIVE_BUDGET": "3", "VIDU_CONTRACT_REPORT": "r.json"}
    options = SuiteOptions.resolve({"live_budget": "5"}, environ)
    assert (options.live_budget, options.contract_report, options.target) == (
        5,
        "r.json",
        TargetKind.FAKE,
    )
    assert SuiteOptions.resolve({}, environ).live_budget == 3


def test_a_live_target_needs_a_base_url_and_a_key() -> None:
    with pytest.raises(ValueError, match="a server at a base URL needs --base-url and --api-key"):
        SuiteOptions.resolve({"target": "live", "base_url": "https://x"}, {})


def test_a_negative_budget_is_refused_naming_the_option() -> None:
    with pytest.raises(ValueError, match="--live-budget / VIDU_CONTRACT_LIVE_BUDGET"):
        SuiteOptions.resolve({"live_budget": "-1"}, {})


def test_budget_gives_units_back_only_for_refusals() -> None:
    budget = Budget(1)
    budget.reserve()
    assert not budget.allows()
    with pytest.raises(BudgetExhausted):
        budget.reserve()
    budget.release()
    assert budget.allows()
    assert Budget(None).allows()
    assert not Budget(0).ever_allows


def test_a_refused_paid_submission_costs_nothing(serve: Any) -> None:
    url = serve(CountingServer("400 Bad Request", b'{"code": 400}'))
    budget = Budget(1)
    api_for(url, budget).submit({"prompt": "p"}, paid=True)
    assert budget.spend().paid_submissions == 0


def test_a_paid_submission_that_times_out_is_not_retried_and_counts_as_spent(serve: Any) -> None:
    server = CountingServer(stall_s=1.0)
    budget = Budget(2)
    with pytest.raises(SubmitTimedOut, match="not retried"):
        api_for(serve(server), budget, read_timeout=0.2).submit({"prompt": "p"}, paid=True)
    assert server.hits == 1
    assert budget.spend().paid_submissions == 1


def test_after_a_must_refuse_submission_is_accepted_no_more_are_sent(serve: Any) -> None:
    server = CountingServer()
    budget = Budget(0)
    api = api_for(serve(server), budget)
    api.submit({"duration": 11})
    assert budget.spend().unexpected_accepts == 1
    with pytest.raises(RefusalsStopped, match="no more are sent"):
        api.submit({"duration": 12})
    assert server.hits == 1


def test_the_key_goes_only_in_the_header_it_is_asked_for(serve: Any) -> None:
    api = api_for("http://127.0.0.1:1", Budget(None))
    assert api.credentials.headers(Auth.KEY) == (("Authorization", "Bearer secret-key"),)
    assert api.credentials.headers(Auth.BARE) == (("Authorization", "secret-key"),)
    assert api.credentials.headers(Auth.NONE) == ()
    assert "secret-key" not in str(api.credentials.headers(Auth.WRONG))


def test_a_shown_request_redacts_the_key_and_shortens_images() -> None:
    image = "data:image/png;base64," + "A" * 400
    body = b'{"images": ["' + image.encode() + b'"]}'
    request = HttpRequest("POST", SUBMIT, (), (("Authorization", "Bearer secret-key"),), body)
    shown = request.describe("http://h")
    assert "secret-key" not in shown
    assert REDACTED in shown
    assert "data:image/png;base64,<400 base64 chars>" in shown
    assert shown.startswith("curl -X POST http://h/v3/async/vidu-q2-pro-fast-img2video")


def test_a_hold_keeps_the_first_failure_when_active_and_passes_through_otherwise() -> None:
    hold = FailureHold(active=True)
    for message in ("first", "second"):
        with hold.held():
            raise AssertionError(message)
    with pytest.raises(AssertionError, match="first"):
        hold.release()
    hold.release()
    with pytest.raises(AssertionError, match="now"), FailureHold(active=False).held():
        raise AssertionError("now")


def test_wall_clock_pacing_backs_off_and_never_waits_longer_than_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(pacing.time, "sleep", slept.append)
    pacer = pacing.WallClockPacer(deadline=time.monotonic() + 3600, interval_s=2, longest_s=5)
    for seconds in (100, 100, 1, 100, 100):
        pacer.pause(seconds)
    assert slept == [2, 3, 1, 5, 5]
    assert not pacer.expired()
    assert pacing.WallClockPacer(deadline=time.monotonic() - 1).expired()


def exchange(
    path: str, status: int, body: bytes, headers: tuple[tuple[str, str], ...] = ()
) -> Exchange:
    request = HttpRequest("GET", path, (("token", "t0k"),), headers)
    return Exchange(
        "http://h", request, HttpResponse(status, {"content-type": "application/json"}, body)
    )


def test_json_types_tell_integers_from_floats() -> None:
    assert [json_type(v) for v in (5, 5.0, "5", True, None, [], {})] == [
        "integer", "number", "string", "boolean", "null", "array", "object",
    ]  # fmt: skip
    assert shape({"a": [{"b": 1}], "c": []}) == {"a": [{"b": "integer"}], "c": []}


def test_sightings_note_result_types_and_5xx_polls() -> None:
    seen = Sightings()
    running = (
        b'{"extra": {"seed": 7}, "task": {"status": "TASK_STATUS_PROCESSING", "eta": 9,'
        b' "progress_percent": 0}}'
    )
    seen(exchange(RESULT, 200, running))
    seen(exchange(RESULT, 503, b"{}"))
    log = ProbeLog()
    seen.record_into(log)
    results = {result.name: result.answer for result in log.results(Spend(None))}
    assert results["task_result_types"] is not None
    assert results["task_result_types"]["seed_type"] == "integer"
    assert results["task_result_types"]["eta_filled_while_running"] is True
    assert results["task_result_types"]["progress_filled_while_processing"] is False
    assert results["poll_5xx_answers"] == {"answers_5xx": 1}


def test_what_no_task_was_seen_for_is_not_measured_for_lack_of_budget() -> None:
    log = ProbeLog()
    Sightings().record_into(log)
    results = {result.name: result for result in log.results(Spend(0))}
    assert results["task_result_types"].describe() == "not measured (budget)"
    assert results["poll_5xx_answers"].describe() == "not measured (budget)"
    assert results["unknown_task_id"].describe() == "not measured (skipped)"
    log.skip("two_images", Why.TARGET_CANNOT, "refused to try")
    assert log.results(Spend(0))[QUESTION_NAMES.index("two_images")].why is Why.TARGET_CANNOT


def test_recorded_exchanges_redact_the_key_and_keep_no_video_bytes() -> None:
    key = (("Authorization", "Bearer secret-key"),)
    api = recorded(exchange(RESULT, 200, b'{"task": {}}', key), "http://h")
    assert api.request_headers == {"Authorization": f"Bearer {REDACTED}"}
    assert api.response_body == {"task": {}}
    assert (api.query, api.download) == ({"token": "t0k"}, False)
    video = recorded(exchange("/media/videos/x.mp4", 200, b"\x00\x00\x00\x18ftypisom"), "http://h")
    assert (video.response_body, video.query, video.response_bytes) == (None, {}, 12)


def live_state(base_url: str, *, preflighted: bool = False, **given: str) -> SuiteState:
    options = SuiteOptions.resolve(
        {"target": "live", "base_url": base_url, "api_key": "secret-key", **given}, {}
    )
    examples = ExampleSettings("ci", spending_limited=True)
    return SuiteState(options, examples, preflighted=preflighted)


def test_the_suite_sends_no_preflight_of_its_own_once_the_command_sent_it(serve: Any) -> None:
    server = CountingServer("404 Not Found", NOT_FOUND)
    url = serve(server)
    told = live_state(url, preflighted=True)
    told.contract()
    told.finish()
    assert server.hits == 0
    alone = live_state(url)
    alone.contract()
    alone.finish()
    assert server.hits == 1


def test_the_time_limit_counts_from_the_first_wait_for_a_paid_task(serve: Any) -> None:
    state = live_state(serve(CountingServer("404 Not Found", NOT_FOUND)), live_time_limit="0.2")
    contract = state.contract()
    time.sleep(0.3)  # free phases that take longer than the whole limit spend none of it
    pacer = contract.new_pacer()
    assert not pacer.expired()
    time.sleep(0.3)
    assert pacer.expired()
    assert contract.new_pacer().expired()  # one limit for the whole run, not one per wait
    state.finish()


def test_a_poll_without_task_id_that_is_not_refused_says_any_4xx_was_expected() -> None:
    with pytest.raises(CheckFailure) as failed:
        checks.missing_task_id_is_refused(exchange(RESULT, 200, b'{"task": {}}'))
    assert "\n  expected: any HTTP 4xx error envelope\n" in str(failed.value)


def test_a_refusal_check_names_every_status_it_allows() -> None:
    with pytest.raises(CheckFailure) as failed:
        checks.missing_key_is_refused(exchange(RESULT, 200, b'{"task": {}}'))
    assert "expected: HTTP 400 MISSING_API_KEY or HTTP 403 INVALID_API_KEY\n" in str(failed.value)


class SampleBodies:
    """Just enough of a `Contract` to build the probes' bodies."""

    paid_image = None
    sample_body = Contract.sample_body


def probe_bodies() -> dict[str, dict[str, Any]]:
    """The body of each probe of the suite (whose marks only the suite's conftest registers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        from contract_tests.test_probes import PROBES
    probes: dict[str, Callable[[Contract], Any]] = PROBES
    return {name: probe(cast(Contract, SampleBodies())).body for name, probe in probes.items()}


def test_the_budget_help_names_every_probe_that_costs_more_than_the_cheapest_job() -> None:
    cheapest = {name: value for name, value in cheapest_parameters().items() if name != "off_peak"}
    dearer = {
        name
        for name, body in probe_bodies().items()
        if any(body.get(key) != value for key, value in cheapest.items())
    }
    assert dearer == {"missing_duration", "audio_with_off_peak"}
    text = spec_named("live_budget").help
    assert all(name in text for name in dearer), text
    assert "audio and a seed" in text  # the job that checks the delivered video

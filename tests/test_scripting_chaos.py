"""Seeded chaos: a probability per fault, the same faults again for the same seed."""

from __future__ import annotations

import random

import pytest
import requests

from mock_server.double import faults as faults_module
from mock_server.double.chaos import Chaos, submit_rng
from mock_server.settings import Settings
from mock_server.testing.controller import ViduMock
from tests.helpers import make_api
from tests.plugin_support import (
    FAILED,
    PROCESSING,
    QUEUED,
    SUCCEED,
    Client,
    finish,
)

SUBMITS = 12


def run(client: Client, mock: ViduMock) -> list[object]:
    """Submit SUBMITS jobs and say how each one went: a status code, or its final status."""
    answers = [client.submit() for _ in range(SUBMITS)]
    finish(mock)
    return [
        client.status(answer.json()["task_id"]) if answer.status_code == 200 else answer.status_code
        for answer in answers
    ]


@pytest.mark.vidu_mock(seed=5, chaos_task_failed=0.5, chaos_unavailable=0.2)
def test_the_same_seed_replays_the_same_chaos_after_a_reset(client, mock):
    first = run(client, mock)
    mock.reset()
    assert run(client, mock) == first
    assert {SUCCEED, FAILED, 503} <= set(first)


@pytest.mark.vidu_mock(seed=5, chaos_task_failed=0.5, chaos_unavailable=0.2)
def test_chaos_follows_the_draws_the_seed_fixes_over_http_and_in_process(client, mock):
    assert run(client, mock) == predicted(5, chaos_task_failed=0.5, chaos_unavailable=0.2)


def predicted(seed: int, **chaos: float) -> list[object]:
    """The outcomes the chaos model draws for SUBMITS submits under this seed."""
    model = Chaos.from_settings(Settings(seed=seed, **chaos))
    outcomes: list[object] = []
    for number in range(1, SUBMITS + 1):
        script = model.submit_script(submit_rng(seed, number))
        if script is None:
            outcomes.append(SUCCEED)
        elif script.reject is not None:
            outcomes.append(script.reject)
        else:
            outcomes.append(FAILED if script.fail else SUCCEED)
    return outcomes


@pytest.mark.vidu_mock(chaos_poll_failed=1.0)
def test_a_poll_fault_probability_of_one_fails_every_poll(client):
    task_id = client.task_id()
    answers = [client.poll(task_id) for _ in range(3)]
    assert {answer.status_code for answer in answers} == {500}
    assert {answer.json()["reason"] for answer in answers} == {"GET_RESULT_FAILED"}


@pytest.mark.vidu_mock(chaos_rate_limited=1.0)
def test_a_scripted_outcome_wins_over_chaos(client, mock):
    mock.fail_next("scripted")
    task_id = client.task_id()
    assert client.submit().status_code == 429
    finish(mock)
    assert client.task(task_id)["reason"] == "scripted"


def test_chaos_is_off_by_default(client, mock):
    assert not Chaos.from_settings(Settings()).active
    assert run(client, mock) == [SUCCEED] * SUBMITS


@pytest.mark.parametrize("probability", [0.1, 0.5])
def test_the_failure_rate_follows_the_probability(probability):
    model = Chaos.from_settings(Settings(chaos_task_failed=probability))
    draws = [model.submit_script(submit_rng(1, number)) for number in range(1, 2001)]
    rate = sum(1 for script in draws if script is not None and script.fail) / len(draws)
    assert abs(rate - probability) < 0.05


def test_chaos_failure_reasons_are_upstream_reasons():
    model = Chaos.from_settings(Settings(chaos_task_failed=1.0))
    reasons = {model.submit_script(random.Random(n)).fail for n in range(200)}  # type: ignore[union-attr]
    assert "image download failed" in reasons
    assert "" not in reasons


def test_a_probability_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        Settings.from_strings({"chaos_stuck": "1.5"})
    with pytest.raises(ValueError, match="chaos_stuck: expected a probability between 0 and 1"):
        Settings(chaos_stuck=-0.1)


@pytest.mark.vidu_mock(chaos_latency=1.0, chaos_latency_seconds=2.0)
def test_a_latency_probability_of_one_delays_every_request(client):
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.submit(timeout=0.05)


@pytest.mark.vidu_mock(chaos_stuck=1.0)
def test_a_stuck_probability_of_one_keeps_every_job_unfinished(client, mock):
    task_ids = [client.task_id() for _ in range(4)]
    finish(mock)
    assert {client.status(task_id) for task_id in task_ids} <= {QUEUED, PROCESSING}


def test_chaos_is_worked_out_at_the_first_request_and_again_only_when_settings_change(
    monkeypatch,
):
    worked_out: list[Settings] = []
    real = Chaos.from_settings

    def counting(settings: Settings) -> Chaos:
        worked_out.append(settings)
        return real(settings)

    monkeypatch.setattr(faults_module.Chaos, "from_settings", staticmethod(counting))
    api = make_api(Settings(seed=1, chaos_task_failed=0.5))
    assert worked_out == []
    api.submit()
    api.submit()
    assert len(worked_out) == 1
    assert worked_out[0].chaos_task_failed == 0.5
    api.client.post("/_mock/settings", json={"chaos_task_failed": 0.25})
    api.submit()
    assert [settings.chaos_task_failed for settings in worked_out] == [0.5, 0.25]

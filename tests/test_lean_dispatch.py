"""The lean dispatch in front of Flask answers the two API routes exactly as the Flask routes do:
the same status line, headers and body bytes, and the same journal entries, over generated
requests (any method and path mix, keys, content types, bodies and queries) and every settings
profile that changes how a request is answered."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client, EnvironBuilder, run_wsgi_app

from mock_server import ClockKind, Settings, VirtualClock, create_app
from mock_server.web import lean_dispatch
from mock_server.web.state import fake_of
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH
from tests.helpers import VALID_BODY

START = 1_800_000_000.0
PROFILES = {
    "default": {},
    "strict": {
        "content_type": "strict",
        "api_keys": "k1,k2",
        "wrong_key_status": "401",
        "missing_key_status": "403",
        "unknown_fields": "reject",
        "upstream_limits": "true",
    },
    "chaos": {"chaos_poll_failed": "0.3", "chaos_create_failed": "0.2", "chaos_stuck": "0.2"},
    "quotas": {"rate_limit_rpm": "3", "rate_limit_polls": "true", "max_running_jobs": "2"},
    "polls": {"progression": "polls:1", "accept_bare_key": "true", "max_body_bytes": "300"},
    "public": {"public_base_url": "https://videos.example.com/base", "journal_size": "5"},
}
KEYS = st.sampled_from([None, "Bearer k1", "Bearer k2", "k1", "Bearer ", "Basic k1", "bearer k1"])
TYPES = st.sampled_from([None, "application/json", "application/json; charset=utf-8", "text/plain"])
BODIES = st.one_of(
    st.just(json.dumps(VALID_BODY).encode()),
    st.builds(
        lambda fields: json.dumps({**VALID_BODY, **fields}).encode(),
        st.dictionaries(
            st.sampled_from(["duration", "resolution", "images", "prompt", "seed", "extra"]),
            st.one_of(st.integers(-3, 12), st.text(max_size=8), st.lists(st.text(max_size=8))),
            max_size=3,
        ),
    ),
    st.binary(max_size=64),
    st.just(b""),
    st.just(b'{"images": ["https://e.com/a.png"], "prompt": "[mock:fail-poll=1]"}'),
)
TASK_IDS = st.one_of(st.just("KNOWN"), st.text(max_size=12), st.just(""), st.just(" KNOWN "))
QUERIES = st.one_of(
    st.just(""),
    TASK_IDS.map(lambda task_id: f"task_id={task_id}"),
    TASK_IDS.map(lambda task_id: f"task_id={task_id}&task_id=other&x=%ff"),
    st.just("task_id=%E2%9C%93"),
)
REQUESTS = st.lists(
    st.tuples(
        st.sampled_from([("POST", SUBMIT_PATH), ("GET", RESULT_PATH), ("GET", RESULT_PATH)]),
        KEYS,
        TYPES,
        BODIES,
        QUERIES,
    ),
    min_size=1,
    max_size=8,
)


def fakes(profile: str) -> tuple[Any, Any]:
    """Two identical fakes, one answering through the lean dispatch and one through Flask."""
    base = Settings(seed=3, clock=ClockKind.VIRTUAL)
    chosen = Settings.from_strings(PROFILES[profile], base=base)
    lean = create_app(chosen, clock=VirtualClock(start=START))
    flask = create_app(chosen, clock=VirtualClock(start=START), lean_dispatch=False)
    return lean, flask


def send(
    app: Any, request: tuple[Any, ...], known: str
) -> tuple[str, list[tuple[str, str]], bytes]:
    (method, path), key, content_type, body, query = request
    headers = [("Authorization", key)] if key is not None else []
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    query = query.replace("KNOWN", known)
    response = Client(app).open(
        path, method=method, headers=headers, data=body, query_string=query or None
    )
    return response.status, list(response.headers.items()), response.get_data()


def journal(app: Any) -> list[dict[str, Any]]:
    entries = [entry.to_json() for entry in fake_of(app).journal_entries()]
    for entry in entries:
        del entry["wall_time"]
    return entries


@pytest.mark.parametrize("profile", PROFILES)
def test_both_ways_in_give_byte_identical_answers_and_journals(profile: str) -> None:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(requests=REQUESTS)
    def check(requests: list[tuple[Any, ...]]) -> None:
        lean, flask = fakes(profile)
        first = send(lean, (("POST", SUBMIT_PATH), "Bearer k1", None, b"{}", ""), "")
        assert first == send(flask, (("POST", SUBMIT_PATH), "Bearer k1", None, b"{}", ""), "")
        seeded = json.dumps(VALID_BODY).encode()
        known = send(lean, (("POST", SUBMIT_PATH), "Bearer k1", None, seeded, ""), "")
        assert known == send(flask, (("POST", SUBMIT_PATH), "Bearer k1", None, seeded, ""), "")
        task_id = json.loads(known[2]).get("task_id", "none")
        for request in requests:
            assert send(lean, request, task_id) == send(flask, request, task_id), request
        assert journal(lean) == journal(flask)

    check()


def test_an_unexpected_error_is_the_same_logged_500_both_ways(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lean, flask = fakes("default")
    for app in (lean, flask):
        backend = fake_of(app).backend

        def explode(*_args: object, **_kw: object) -> None:
            raise RuntimeError("secret internal detail")

        backend.submit = explode  # type: ignore[method-assign]
    request = (("POST", SUBMIT_PATH), "Bearer k1", None, json.dumps(VALID_BODY).encode(), "")
    with caplog.at_level(logging.ERROR, logger="mock_server"):
        through_lean, through_flask = send(lean, request, ""), send(flask, request, "")
    assert through_lean == through_flask
    assert through_lean[0] == "500 INTERNAL SERVER ERROR"
    assert caplog.text.count("RuntimeError: secret internal detail") == 2


def test_other_routes_and_methods_still_go_through_flask() -> None:
    lean, flask = fakes("default")
    for method, path in [("PUT", SUBMIT_PATH), ("HEAD", RESULT_PATH), ("GET", "/healthz")]:
        assert send(lean, ((method, path), None, None, b"", ""), "") == send(
            flask, ((method, path), None, None, b"", ""), ""
        )


def test_the_two_api_routes_are_answered_before_flask_and_everything_else_by_flask() -> None:
    lean, _ = fakes("default")
    dispatch = lean.wsgi_app
    assert isinstance(dispatch, lean_dispatch.LeanDispatch)
    reached_flask: list[str] = []
    flask_app = dispatch.flask

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        reached_flask.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        return flask_app(environ, start_response)

    dispatch.flask = counting
    submitted = send(
        lean, (("POST", SUBMIT_PATH), "Bearer k1", None, json.dumps(VALID_BODY).encode(), ""), ""
    )
    task_id = json.loads(submitted[2])["task_id"]
    send(lean, (("GET", RESULT_PATH), "Bearer k1", None, b"", "task_id=KNOWN"), task_id)
    send(lean, (("POST", SUBMIT_PATH), None, None, b"{", ""), "")
    assert reached_flask == []
    for method, path in [("PUT", SUBMIT_PATH), ("HEAD", RESULT_PATH), ("GET", "/healthz")]:
        send(lean, ((method, path), None, None, b"", ""), "")
    assert reached_flask == [f"PUT {SUBMIT_PATH}", f"HEAD {RESULT_PATH}", "GET /healthz"]


def send_raw(
    app: Any, method: str, path: str, body: bytes, **environ: Any
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Send a request whose environ a test client would not build: `environ` overrides it (a
    None value removes the key)."""
    built = EnvironBuilder(
        path=path, method=method, headers={"Authorization": "Bearer k1"}, data=body
    ).get_environ()
    for name, value in environ.items():
        if value is None:
            built.pop(name, None)
        else:
            built[name] = value
    answer, status, headers = run_wsgi_app(app, built, buffered=True)
    return status, list(headers.items()), b"".join(answer)


@pytest.mark.parametrize(
    "length",
    [
        pytest.param("9" * 5000, id="5000 digits"),
        pytest.param("9" * 30, id="beyond any store"),
        pytest.param("0" * 70 + "5", id="padded with zeros"),
        pytest.param(" 5", id="spaced"),
        pytest.param("-1", id="negative"),
        pytest.param("\u0665", id="a non-ASCII digit"),
    ],
)
def test_a_content_length_that_is_not_a_plain_bounded_number_is_answered_as_flask_answers_it(
    length: str,
) -> None:
    lean, flask = fakes("default")
    body = json.dumps(VALID_BODY).encode()
    through_lean = send_raw(lean, "POST", SUBMIT_PATH, body, CONTENT_LENGTH=length)
    assert through_lean == send_raw(flask, "POST", SUBMIT_PATH, body, CONTENT_LENGTH=length)
    assert not through_lean[0].startswith("500")
    assert journal(lean) == journal(flask)


def test_a_submit_without_a_length_whose_body_the_server_streams_is_read_as_flask_reads_it() -> (
    None
):
    lean, flask = fakes("default")
    body = json.dumps(VALID_BODY).encode()
    streamed = {"CONTENT_LENGTH": None, "wsgi.input_terminated": True}
    through_lean = send_raw(lean, "POST", SUBMIT_PATH, body, **streamed)
    assert through_lean == send_raw(flask, "POST", SUBMIT_PATH, body, **streamed)
    assert through_lean[0] == "200 OK"
    assert journal(lean) == journal(flask)


def test_a_request_without_a_length_and_no_streamed_body_is_read_as_empty_both_ways() -> None:
    lean, flask = fakes("default")
    body = json.dumps(VALID_BODY).encode()
    through_lean = send_raw(lean, "POST", SUBMIT_PATH, body, CONTENT_LENGTH=None)
    assert through_lean == send_raw(flask, "POST", SUBMIT_PATH, body, CONTENT_LENGTH=None)
    assert b"body: is empty" in through_lean[2]


def test_a_query_with_bytes_that_are_not_utf8_is_read_the_same_both_ways_never_a_500() -> None:
    lean, flask = fakes("default")
    query = "task_id=\xff\xe2\x9c\x93&x=%ff"  # raw 0xff, a raw check mark, an escaped 0xff
    through_lean = send_raw(lean, "GET", RESULT_PATH, b"", QUERY_STRING=query)
    assert through_lean == send_raw(flask, "GET", RESULT_PATH, b"", QUERY_STRING=query)
    assert through_lean[0] == "404 NOT FOUND"
    assert json.loads(through_lean[2])["message"] == 'task not found: "%FF\\u2713"'
    assert journal(lean) == journal(flask)


def test_a_failure_reading_the_request_is_the_logged_500_envelope_not_an_html_page(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(_query_string: str) -> Any:
        raise RuntimeError("cannot read the query")

    monkeypatch.setattr(lean_dispatch, "_query", explode)
    lean, _ = fakes("default")
    with caplog.at_level(logging.ERROR, logger="mock_server"):
        status, headers, body = send_raw(lean, "GET", RESULT_PATH, b"", QUERY_STRING="task_id=x")
    assert status == "500 INTERNAL SERVER ERROR"
    assert ("Content-Type", "application/json") in headers
    assert json.loads(body)["reason"] == "INTERNAL_ERROR"
    assert f"unexpected error on GET {RESULT_PATH}" in caplog.text

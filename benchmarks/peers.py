"""Peer mock servers measured side by side: WireMock standalone and Prism, each given the same
API as the fake (JSON-schema request matching, the same response shapes).

Install them with npm into `benchmarks/.tools/` (git-ignored):
`npm install --prefix benchmarks/.tools wiremock @stoplight/prism-cli`; WireMock needs Java 17.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from load import RESULT_PATH, SUBMIT_PATH
from targets import Target

from mock_server.wire import openapi, schemas
from mock_server.wire.paths import VIDEO_PREFIX

TOOLS = Path(__file__).resolve().parent / ".tools"
INSTALL_HINT = "npm install --prefix benchmarks/.tools wiremock @stoplight/prism-cli"


def wiremock_jar(tools: Path = TOOLS) -> Path | None:
    return next(iter(sorted((tools / "node_modules/wiremock/build").glob("*.jar"))), None)


def prism_bin(tools: Path = TOOLS) -> Path | None:
    path = tools / "node_modules/.bin/prism"
    return path if path.exists() else None


def missing(tools: Path = TOOLS) -> dict[str, str]:
    """Say, per peer, what is missing to measure it."""
    gaps = {}
    if shutil.which("java") is None:
        gaps["WireMock"] = "java (Java 17) is not installed"
    elif wiremock_jar(tools) is None:
        gaps["WireMock"] = f"the wiremock npm package is not installed: {INSTALL_HINT}"
    if shutil.which("node") is None:
        gaps["Prism"] = "node is not installed"
    elif prism_bin(tools) is None:
        gaps["Prism"] = f"the @stoplight/prism-cli npm package is not installed: {INSTALL_HINT}"
    return gaps


def wiremock(scratch: Path, tools: Path = TOOLS) -> Target:
    """WireMock serving stubs equivalent to the fake, its request journal off as WireMock
    advises for load tests (a bounded one costs it more than 90 % of its throughput here)."""
    root = scratch / "wiremock"
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    for name, stub in wiremock_stubs().items():
        (root / "mappings" / f"{name}.json").write_text(json.dumps(stub), encoding="utf-8")
    jar = wiremock_jar(tools)
    command = ("java", "-jar", str(jar), "--port", "{port}", "--bind-address", "127.0.0.1")
    options = ("--root-dir", str(root), "--disable-banner", "--no-request-journal")
    return Target(
        f"WireMock {jar.stem.rsplit('-', 1)[-1] if jar else ''}".strip(),
        (*command, *options),
        health_path="/__admin/health",
        warm_up_submits=True,
    )


def prism(scratch: Path, tools: Path = TOOLS) -> Target:
    """Prism mocking the fake's own OpenAPI document, validating every request against it."""
    document = scratch / "openapi.json"
    document.write_text(json.dumps(openapi.document()), encoding="utf-8")
    command = (str(prism_bin(tools)), "mock", str(document), "-h", "127.0.0.1", "-p", "{port}")
    return Target("Prism", (*command, "-v", "error"), health_path="/", warm_up_submits=True)


def submit_schema() -> dict[str, Any]:
    """The fake's default submit rules as one self-contained schema WireMock can load."""
    parts = [_inline(schemas.SUBMIT_REQUEST), _inline(schemas.IMAGE_REFS)]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "allOf": parts}


def _inline(name: str) -> dict[str, Any]:
    return {k: v for k, v in schemas.load(name).items() if k not in ("$id", "$schema")}


def wiremock_stubs() -> dict[str, dict[str, Any]]:
    bearer = {"Authorization": {"matches": "Bearer .+"}}
    json_headers = {"Content-Type": "application/json"}
    accepted = {
        "request": {
            "method": "POST",
            "url": SUBMIT_PATH,
            "headers": bearer,
            "bodyPatterns": [{"matchesJsonSchema": submit_schema(), "schemaVersion": "V202012"}],
        },
        "response": {
            "status": 200,
            "headers": json_headers,
            "jsonBody": {
                "task_id": "{{randomValue type='UUID'}}",
                "provider_request_id": "{{randomValue type='UUID'}}",
            },
            "transformers": ["response-template"],
        },
        "priority": 1,
    }
    refused = {
        "request": {"method": "POST", "url": SUBMIT_PATH},
        "response": {"status": 400, "headers": json_headers, "jsonBody": _envelope()},
        "priority": 5,
    }
    polled = {
        "request": {
            "method": "GET",
            "urlPath": RESULT_PATH,
            "headers": bearer,
            "queryParameters": {"task_id": {"matches": ".+"}},
        },
        "response": {
            "status": 200,
            "headers": json_headers,
            "jsonBody": _task_result(),
            "transformers": ["response-template"],
        },
        "priority": 1,
    }
    return {"submit": accepted, "submit-refused": refused, "task-result": polled}


def _envelope() -> dict[str, Any]:
    return {
        "code": 400,
        "reason": "INVALID_REQUEST_BODY",
        "message": "the body does not match the schema",
        "metadata": {},
    }


def _task_result() -> dict[str, Any]:
    video = (
        f"http://127.0.0.1{VIDEO_PREFIX}{{{{request.query.task_id}}}}.mp4?token=0123456789abcdef"
    )
    times = {"submit_time_ms": "1795000000000", "execute_time_ms": "1795000002000"}
    return {
        "extra": {
            "seed": "12345",
            "debug_info": {"request_info": "", **times, "complete_time_ms": "1795000040000"},
        },
        "task": {
            "task_id": "{{request.query.task_id}}",
            "task_type": "VIDU_Q2_PRO_FAST_IMG2VIDEO",
            "status": "TASK_STATUS_SUCCEED",
            "reason": "",
            "eta": 0,
            "progress_percent": 100,
        },
        "images": [],
        "videos": [{"video_url": video, "video_url_ttl": "3600", "video_type": "mp4"}],
        "audios": [],
    }

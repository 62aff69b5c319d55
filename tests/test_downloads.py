"""Finished videos download like presigned object-storage URLs: ranges, HEAD, expiry, tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

import av
import pytest

from mock_server import Progression, Settings
from tests.helpers import VALID_BODY, Api, make_api


@pytest.fixture
def done() -> tuple[Api, str]:
    """A fake whose jobs finish at the first poll, and the path of one finished video."""
    api = make_api(Settings(seed=7, progression=Progression.parse("instant"), video_url_ttl=60))
    url = api.result(api.task({**VALID_BODY, "duration": 1})).get_json()["videos"][0]["video_url"]
    parts = urlsplit(url)
    return api, f"{parts.path}?{parts.query}"


def test_a_video_downloads_with_object_storage_headers(done: tuple[Api, str]) -> None:
    api, path = done
    response = api.client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "video/mp4"
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"]
    assert response.data[4:8] == b"ftyp"


def test_head_answers_the_headers_without_a_body(done: tuple[Api, str]) -> None:
    api, path = done
    full = api.client.get(path)
    head = api.client.head(path)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == full.headers["Content-Length"]


def test_a_range_request_answers_206_with_exactly_that_slice(done: tuple[Api, str]) -> None:
    api, path = done
    full = api.client.get(path).data
    part = api.client.get(path, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.data == full[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(full)}"


def test_a_suffix_range_answers_the_last_bytes(done: tuple[Api, str]) -> None:
    api, path = done
    full = api.client.get(path).data
    assert api.client.get(path, headers={"Range": "bytes=-10"}).data == full[-10:]


def test_an_unsatisfiable_range_answers_416_in_the_envelope(done: tuple[Api, str]) -> None:
    api, path = done
    response = api.client.get(path, headers={"Range": "bytes=999999999-"})
    assert response.status_code == 416
    assert response.get_json()["reason"] == "RANGE_NOT_SATISFIABLE"


def test_a_416_names_the_length_in_content_range(done: tuple[Api, str]) -> None:
    api, path = done
    length = len(api.client.get(path).data)
    response = api.client.get(path, headers={"Range": "bytes=999999999-"})
    assert response.headers["Content-Range"] == f"bytes */{length}"


def test_a_matching_etag_answers_304(done: tuple[Api, str]) -> None:
    api, path = done
    etag = api.client.get(path).headers["ETag"]
    assert api.client.get(path, headers={"If-None-Match": etag}).status_code == 304


def test_the_url_expires_ttl_seconds_after_the_job_finished(done: tuple[Api, str]) -> None:
    api, path = done
    api.clock.advance(59)
    assert api.client.get(path).status_code == 200
    api.clock.advance(2)
    response = api.client.get(path)
    assert response.status_code == 403
    assert "expired" in response.get_json()["message"].lower()


def test_a_wrong_or_missing_token_is_refused(done: tuple[Api, str]) -> None:
    api, path = done
    base = path.split("?")[0]
    assert api.client.get(base).status_code == 404
    assert api.client.get(base + "?token=" + "0" * 32).status_code == 404


@pytest.mark.parametrize(
    "attempt",
    [
        "/media/videos/../../etc/passwd",
        "/media/videos/..%2f..%2fetc%2fpasswd",
        "/media/videos/%2e%2e/%2e%2e/pyproject.toml",
        "/media/videos/../app.py",
        "/media/videos//etc/passwd.mp4",
        "/media/videos/x/../../README.md",
    ],
)
def test_paths_under_the_video_route_cannot_escape_it(done: tuple[Api, str], attempt: str) -> None:
    api, path = done
    token = path.split("?")[1]
    response = api.client.get(f"{attempt}?{token}")
    assert response.status_code == 404
    assert response.get_json()["reason"] in {"VIDEO_NOT_FOUND", "API_NOT_FOUND"}


def test_a_video_is_not_served_before_the_job_succeeded() -> None:
    api = make_api()
    task_id = api.task()
    job = api.app.extensions["vidu_mock"].store.get(task_id)
    response = api.client.get(f"/media/videos/{task_id}.mp4?token={job.video_token}")
    assert response.status_code == 404
    assert "has not produced" in response.get_json()["message"]


def decoded(api: Api, **request: object) -> av.container.InputContainer:
    import io

    url = api.result(api.task({**VALID_BODY, **request})).get_json()["videos"][0]["video_url"]
    parts = urlsplit(url)
    return av.open(io.BytesIO(api.client.get(f"{parts.path}?{parts.query}").data))


@pytest.mark.parametrize(("resolution", "size"), [("720p", (1280, 720)), ("1080p", (1920, 1080))])
@pytest.mark.parametrize("duration", [1, 4])
def test_the_downloaded_video_has_the_requested_size_and_duration(
    resolution: str, size: tuple[int, int], duration: int
) -> None:
    api = make_api(Settings(seed=7, progression=Progression.parse("instant")))
    with decoded(api, resolution=resolution, duration=duration) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == size
        assert container.duration / 1_000_000 == pytest.approx(duration, abs=0.1)


@pytest.mark.parametrize(
    ("audio", "bgm"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_the_video_has_an_aac_track_exactly_when_audio_or_bgm(audio: bool, bgm: bool) -> None:
    api = make_api(Settings(seed=7, progression=Progression.parse("instant")))
    with decoded(api, duration=1, audio=audio, bgm=bgm) as container:
        codecs = [stream.codec_context.name for stream in container.streams.audio]
        assert codecs == (["aac"] if audio or bgm else [])

"""With `fetch_images`, each input-image problem reaches the client as upstream's FAILED reason."""

from __future__ import annotations

import base64

import pytest

from mock_server import Progression, Settings
from tests.conftest import IMAGES
from tests.helpers import VALID_BODY, make_api


def final_task(image: str, **settings: object) -> dict[str, object]:
    api = make_api(
        Settings(seed=7, progression=Progression.parse("polls:1"), fetch_images=True, **settings)
    )
    task_id = api.task({**VALID_BODY, "images": [image]})
    statuses = [api.status(task_id) for _ in range(3)]
    return {"statuses": [s["status"] for s in statuses], **statuses[-1]}


@pytest.mark.parametrize(
    "name", ["landscape.png", "landscape.jpg", "landscape.webp", "tall.png", "wide.png"]
)
def test_a_fetchable_image_in_range_lets_the_job_succeed(image_host: str, name: str) -> None:
    assert final_task(f"{image_host}/{name}")["status"] == "TASK_STATUS_SUCCEED"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing.png", "image download failed"),
        ("corrupt.png", "invalid image format"),
        ("truncated.jpg", "invalid image format"),
        ("too-wide.png", "image aspect ratio must be between 1:4 and 4:1"),
    ],
)
def test_an_unusable_image_fails_the_job_with_upstreams_reason(
    image_host: str, name: str, reason: str
) -> None:
    task = final_task(f"{image_host}/{name}")
    assert task["statuses"] == ["TASK_STATUS_QUEUED", "TASK_STATUS_FAILED", "TASK_STATUS_FAILED"]
    assert str(task["reason"]).startswith(reason)


def test_an_image_over_the_size_cap_fails_the_job(image_host: str) -> None:
    task = final_task(f"{image_host}/landscape.png", image_max_bytes=10)
    assert str(task["reason"]).startswith("image exceeds")


def test_an_unreachable_host_fails_the_job_as_a_download_failure() -> None:
    task = final_task("http://127.0.0.1:9/cat.png", image_fetch_timeout=1.0)
    assert str(task["reason"]).startswith("image download failed")


@pytest.mark.parametrize("url", ["http://[::1", "http://[not-an-address]/a.png"])
def test_an_image_url_that_cannot_be_parsed_fails_the_job_as_a_download_failure(url: str) -> None:
    task = final_task(url)
    assert task["statuses"] == ["TASK_STATUS_QUEUED", "TASK_STATUS_FAILED", "TASK_STATUS_FAILED"]
    assert str(task["reason"]).startswith("image download failed")


def test_a_data_uri_image_is_inspected_without_fetching() -> None:
    data = base64.b64encode((IMAGES / "landscape.png").read_bytes()).decode()
    assert final_task(f"data:image/png;base64,{data}")["status"] == "TASK_STATUS_SUCCEED"
    broken = base64.b64encode(b"not an image").decode()
    assert str(final_task(f"data:image/png;base64,{broken}")["reason"]).startswith(
        "invalid image format"
    )


def test_without_fetch_images_an_unreachable_image_does_not_matter() -> None:
    api = make_api(Settings(seed=7, progression=Progression.parse("instant")))
    task_id = api.task({**VALID_BODY, "images": ["http://127.0.0.1:9/cat.png"]})
    assert api.status(task_id)["status"] == "TASK_STATUS_SUCCEED"

"""Upstream fetches every input image before it generates; with `fetch_images` the fake does too.

A problem does not fail the submit: like upstream, the job is accepted and then ends FAILED with a
reason naming the problem (it fails while queued, before any processing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.images import ImageError, validate_image_ref
from mock_server.lifecycle import Outcome, TaskStatus
from mock_server.settings import Settings


def image_outcome(params: Mapping[str, Any], settings: Settings) -> Outcome | None:
    """Return a FAILED outcome for the first unusable input image, or None when all are fine."""
    if not settings.fetch_images:
        return None
    for ref in params["images"]:
        try:
            validate_image_ref(
                ref, timeout_s=settings.image_fetch_timeout, max_bytes=settings.image_max_bytes
            )
        except ImageError as problem:
            return Outcome.failed(str(problem), TaskStatus.QUEUED)
    return None

"""Finished videos, served the way presigned object-storage URLs behave."""

from __future__ import annotations

import functools
import hmac
import io

from flask import Blueprint, Response, request, send_file

from mock_server.domain.jobs import Job
from mock_server.media import VideoSpec, render_mp4
from mock_server.web import documents
from mock_server.web.api_calls import host_url
from mock_server.web.state import current_fake
from mock_server.wire.errors import VideoExpired, VideoNotFound
from mock_server.wire.paths import VIDEO_PREFIX
from mock_server.wire.statuses import TaskStatus

__all__ = ["blueprint", "download", "request_video_url", "spec_for", "video_bytes"]

VIDEO_ROUTE = VIDEO_PREFIX + "<path:name>"
FRAME_SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
CACHED_VIDEOS = 16

blueprint = Blueprint("downloads", __name__)


def request_video_url(job: Job) -> str:
    """The job's download URL, for the request being answered."""
    host = host_url(request.scheme, request.host)
    return documents.video_url(job, current_fake().settings, host)


def spec_for(job: Job) -> VideoSpec:
    """The video a job asked for: frame size, duration, audio, watermark and seed."""
    width, height = FRAME_SIZES[job.params["resolution"]]
    return VideoSpec(
        width=width,
        height=height,
        duration_s=int(job.params["duration"]),
        with_audio=bool(job.params["audio"] or job.params["bgm"]),
        watermark=bool(job.params["watermark"]),
        seed=job.seed,
    )


@functools.lru_cache(maxsize=CACHED_VIDEOS)
def video_bytes(spec: VideoSpec) -> bytes:
    """Render each distinct video once; later downloads are served from memory."""
    return render_mp4(spec)


@blueprint.route(VIDEO_ROUTE, methods=["GET", "HEAD"])
def download(name: str) -> Response:
    """Serve a finished job's mp4 with Range, ETag and HEAD support, until its URL expires."""
    job = _authorised_job(name, request.args.get("token", ""))
    data = video_bytes(spec_for(job))
    etag = f"{job.task_id}-{len(data)}"
    response = send_file(
        io.BytesIO(data), mimetype="video/mp4", conditional=True, etag=etag, max_age=0
    )
    response.headers["Accept-Ranges"] = "bytes"
    return response


def _authorised_job(name: str, token: str) -> Job:
    fake = current_fake()
    task_id = name.removesuffix(".mp4")
    found = fake.peek(task_id) if name.endswith(".mp4") and "/" not in name else None
    if found is None or not hmac.compare_digest(found[0].video_token.encode(), token.encode()):
        raise VideoNotFound("no video at this URL (unknown task or wrong token)")
    job, snapshot = found
    if snapshot.status is not TaskStatus.SUCCEED or snapshot.completed_after is None:
        raise VideoNotFound("the task has not produced a video")
    expires_at = job.submitted_at + snapshot.completed_after + fake.settings.video_url_ttl
    if fake.clock.now() > expires_at:
        raise VideoExpired("Request has expired: the video URL is past its video_url_ttl")
    return job

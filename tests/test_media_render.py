"""The rendered mp4 files play in FFmpeg and show what the spec asked for."""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import av
import pytest

from mock_server.media import VideoSpec, render_mp4
from mock_server.media.picture import draw_picture, watermark_box
from mock_server.media.render import FPS


def spec(**changes: object) -> VideoSpec:
    """A 720p, 1-second, silent, unmarked spec with the given fields changed."""
    fields: dict[str, object] = {
        "width": 1280,
        "height": 720,
        "duration_s": 1,
        "with_audio": False,
        "watermark": False,
        "seed": 7,
    }
    fields.update(changes)
    return VideoSpec(**fields)  # type: ignore[arg-type]


@functools.cache
def rendered(video: VideoSpec) -> bytes:
    """Render each spec once per test session."""
    return render_mp4(video)


@dataclass(frozen=True)
class Decoded:
    """What FFmpeg made of a file."""

    container_duration_s: float
    video_codec: str
    video_profile: str | None
    audio_codecs: tuple[str, ...]
    width: int
    height: int
    frame_count: int
    last_frame_end_s: float
    audio_seconds: float
    luma: bytes  # first frame, rows without padding
    rgb: bytes  # first frame as packed rgb24, rows without padding


def _rows(plane: av.video.plane.VideoPlane, row_bytes: int, height: int) -> bytes:
    """Copy a decoded plane without its line padding."""
    data, stride = bytes(plane), plane.line_size
    return b"".join(data[r * stride : r * stride + row_bytes] for r in range(height))


def _video_frames(data: bytes) -> list[av.VideoFrame]:
    """Decode every video frame of the file."""
    with av.open(io.BytesIO(data), "r") as container:
        return list(container.decode(video=0))


def _audio_seconds(data: bytes) -> float:
    """Decode every audio frame of the file and return how long they last."""
    with av.open(io.BytesIO(data), "r") as container:
        frames = list(container.decode(audio=0)) if container.streams.audio else []
    return float(sum(frame.samples / frame.sample_rate for frame in frames))


@functools.cache
def decode(data: bytes) -> Decoded:
    """Demux and decode every packet of the file."""
    frames = _video_frames(data)
    first, last = frames[0], frames[-1]
    with av.open(io.BytesIO(data), "r") as container:
        video = container.streams.video[0]
        return Decoded(
            container_duration_s=(container.duration or 0) / 1_000_000,
            video_codec=video.codec_context.name,
            video_profile=video.codec_context.profile,
            audio_codecs=tuple(s.codec_context.name for s in container.streams.audio),
            width=first.width,
            height=first.height,
            frame_count=len(frames),
            last_frame_end_s=float(last.time or 0) + 1 / FPS,
            audio_seconds=_audio_seconds(data),
            luma=_rows(first.planes[0], first.width, first.height),
            rgb=_rows(first.reformat(format="rgb24").planes[0], first.width * 3, first.height),
        )


@pytest.fixture
def libav_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Route FFmpeg's warnings and errors into caplog for the test's duration."""
    previous = av.logging.get_level()
    av.logging.set_level(av.logging.WARNING)
    caplog.set_level(logging.WARNING, logger="libav")
    yield caplog
    av.logging.set_level(previous)


def mean_rgb(rgb: bytes) -> tuple[float, float, float]:
    """Average each channel of packed rgb24 pixels."""
    pixels = len(rgb) // 3
    return tuple(sum(rgb[channel::3]) / pixels for channel in range(3))  # type: ignore[return-value]


def test_720p_video_decodes_at_1280x720_as_h264() -> None:
    decoded = decode(rendered(spec()))
    assert (decoded.video_codec, decoded.width, decoded.height) == ("h264", 1280, 720)
    assert decoded.video_profile == "Constrained Baseline"


def test_1080p_video_decodes_at_1920x1080() -> None:
    decoded = decode(rendered(spec(width=1920, height=1080)))
    assert (decoded.video_codec, decoded.width, decoded.height) == ("h264", 1920, 1080)


@pytest.mark.parametrize("seconds", [1, 5, 10])
def test_container_and_decoded_durations_match_the_spec(seconds: int) -> None:
    decoded = decode(rendered(spec(duration_s=seconds, with_audio=True)))
    assert decoded.container_duration_s == pytest.approx(seconds, abs=0.1)
    assert decoded.frame_count == seconds * FPS
    assert decoded.last_frame_end_s == pytest.approx(seconds, abs=0.1)
    assert decoded.audio_seconds == pytest.approx(seconds, abs=0.1)


def test_audio_track_is_aac_when_audio_is_requested() -> None:
    decoded = decode(rendered(spec(with_audio=True)))
    assert decoded.audio_codecs == ("aac",)
    assert decoded.audio_seconds > 0


def test_no_audio_track_without_audio() -> None:
    assert decode(rendered(spec(with_audio=False))).audio_codecs == ()


def test_every_frame_decodes_without_ffmpeg_warnings(
    libav_log: pytest.LogCaptureFixture,
) -> None:
    data = render_mp4(spec(width=1920, height=1080, duration_s=2, with_audio=True, seed=11))
    decode.__wrapped__(data)
    assert [record.getMessage() for record in libav_log.records] == []


def test_ffmpeg_warnings_are_caught_when_the_bitstream_is_damaged(
    libav_log: pytest.LogCaptureFixture,
) -> None:
    data = bytearray(rendered(spec()))
    first_sample = data.find(b"mdat") + 4 + 4  # past the mdat type and the NAL length
    data[first_sample + 5 : first_sample + 9] = b"\xff" * 4  # inside the first slice header
    decode.__wrapped__(bytes(data))
    assert any(record.levelno >= logging.WARNING for record in libav_log.records)


def test_decoded_picture_is_the_drawn_picture_exactly() -> None:
    decoded = decode(rendered(spec(width=1920, height=1080)))
    assert decoded.luma == draw_picture(1920, 1080, 7, watermark=False).y


def test_same_spec_renders_identical_bytes() -> None:
    assert render_mp4(spec(with_audio=True, seed=3)) == render_mp4(spec(with_audio=True, seed=3))


def test_different_seeds_show_clearly_different_colours() -> None:
    first = mean_rgb(decode(rendered(spec(seed=1))).rgb)
    second = mean_rgb(decode(rendered(spec(seed=2))).rgb)
    distance = sum((a - b) ** 2 for a, b in zip(first, second, strict=True)) ** 0.5
    assert distance > 40


def test_watermark_changes_only_the_bottom_right_corner() -> None:
    plain = decode(rendered(spec(seed=5))).luma
    marked = decode(rendered(spec(seed=5, watermark=True))).luma
    box = watermark_box(1280, 720)
    changed_rows = [
        row
        for row in range(720)
        if plain[row * 1280 : (row + 1) * 1280] != marked[row * 1280 : (row + 1) * 1280]
    ]
    assert changed_rows
    assert min(changed_rows) >= box.y
    assert max(changed_rows) < box.y + box.height


def test_watermark_is_visible_as_bright_text_on_a_dark_box() -> None:
    luma = decode(rendered(spec(seed=5, watermark=True))).luma
    box = watermark_box(1280, 720)
    region = b"".join(
        luma[row * 1280 + box.x : row * 1280 + box.x + box.width]
        for row in range(box.y, box.y + box.height)
    )
    assert min(region) <= 20
    assert max(region) >= 230
    assert sum(value >= 230 for value in region) > len(region) // 10


def test_moov_comes_before_mdat_for_progressive_download() -> None:
    data = rendered(spec(with_audio=True))
    assert data[4:8] == b"ftyp"
    assert 0 < data.find(b"moov") < data.find(b"mdat")


def test_one_second_720p_file_is_under_two_megabytes() -> None:
    assert len(rendered(spec(with_audio=True))) < 2_000_000

"""Render the mp4 a finished job serves: one still picture held for the whole duration."""

from __future__ import annotations

from dataclasses import dataclass

from mock_server.media import h264
from mock_server.media.audio import SAMPLES_PER_FRAME, tone
from mock_server.media.mp4 import Handler, Track, avc1_entry, mp4a_entry, mux
from mock_server.media.picture import draw_picture

__all__ = ["FPS", "VideoSpec", "render_mp4"]


FPS = 24
TICKS_PER_FRAME = 512  # a 12288 Hz media clock, the usual one for 24 fps
MAX_DURATION_S = 60


@dataclass(frozen=True)
class VideoSpec:
    """What the rendered file must look like."""

    width: int
    height: int
    duration_s: int
    with_audio: bool
    watermark: bool
    seed: int

    def __post_init__(self) -> None:
        """Refuse durations the container layout is not meant for."""
        if not 1 <= self.duration_s <= MAX_DURATION_S:
            raise ValueError(f"duration_s must be 1..{MAX_DURATION_S}, not {self.duration_s}")


def render_mp4(spec: VideoSpec) -> bytes:
    """Return a playable H.264 (+ AAC when asked) mp4; the same spec gives the same bytes."""
    tracks = [_video_track(spec)]
    if spec.with_audio:
        tracks.append(_audio_track(spec.duration_s))
    return mux(tracks)


def _video_track(spec: VideoSpec) -> Track:
    """Encode the picture as one IDR frame followed by frames that repeat it."""
    fmt = h264.StreamFormat(spec.width, spec.height, FPS)
    picture = draw_picture(spec.width, spec.height, spec.seed, watermark=spec.watermark)
    mb_count = fmt.mb_width * fmt.mb_height
    frames = [h264.idr_slice(fmt, picture)]
    frames += [h264.skip_slice(index, mb_count) for index in range(1, FPS * spec.duration_s)]
    sps, pps = h264.sequence_parameter_set(fmt), h264.picture_parameter_set()
    return Track(
        handler=Handler.VIDEO,
        timescale=FPS * TICKS_PER_FRAME,
        sample_delta=TICKS_PER_FRAME,
        samples=tuple(len(nal).to_bytes(4, "big") + nal for nal in frames),
        sample_entry=avc1_entry(spec.width, spec.height, sps, pps),
        width=spec.width,
        height=spec.height,
        sync_samples=(1,),
    )


def _audio_track(duration_s: int) -> Track:
    """Loop the packaged AAC tone to the frame count closest to the duration."""
    stream = tone()
    samples = tuple(stream.looped(stream.frame_count_for(duration_s)))
    config = stream.audio_specific_config
    return Track(
        handler=Handler.SOUND,
        timescale=stream.sample_rate,
        sample_delta=SAMPLES_PER_FRAME,
        samples=samples,
        sample_entry=mp4a_entry(stream.sample_rate, stream.channels, config, samples),
    )

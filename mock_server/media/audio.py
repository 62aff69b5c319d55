"""AAC-LC audio from a committed ADTS tone, looped to any length without re-encoding."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from mock_server.media.bitwriter import BitWriter

__all__ = ["SAMPLES_PER_FRAME", "TONE_RESOURCE", "AacStream", "parse_adts", "tone"]


TONE_RESOURCE = "tone-44100-mono.aac"
SAMPLES_PER_FRAME = 1024
_SAMPLE_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
_ADTS_SYNC = 0xFFF


@dataclass(frozen=True)
class AacStream:
    """Raw AAC access units plus what a container needs to describe them."""

    object_type: int
    sample_rate: int
    channels: int
    frames: tuple[bytes, ...]

    @property
    def audio_specific_config(self) -> bytes:
        """Return the AudioSpecificConfig that goes into the esds decoder-specific info."""
        w = BitWriter()
        w.u(5, self.object_type)
        w.u(4, _SAMPLE_RATES.index(self.sample_rate))
        w.u(4, self.channels)
        w.u(3, 0)  # 1024-sample frames, no core coder, no extension
        return w.to_bytes()

    def frame_count_for(self, duration_s: float) -> int:
        """Return how many frames come closest to lasting duration_s seconds."""
        return max(1, round(duration_s * self.sample_rate / SAMPLES_PER_FRAME))

    def looped(self, count: int) -> list[bytes]:
        """Return count access units, repeating the stream from its start as needed."""
        whole, part = divmod(count, len(self.frames))
        return list(self.frames) * whole + list(self.frames[:part])


def parse_adts(data: bytes) -> AacStream:
    """Split an ADTS byte stream into raw access units; all headers must agree."""
    frames: list[bytes] = []
    headers: set[tuple[int, int, int]] = set()
    pos = 0
    while pos < len(data):
        header = _AdtsHeader.parse(data[pos : pos + 9])
        headers.add((header.object_type, header.sample_rate, header.channels))
        frames.append(data[pos + header.header_size : pos + header.frame_length])
        pos += header.frame_length
    if len(headers) != 1 or pos != len(data):
        raise ValueError("ADTS stream is empty, truncated or mixes formats")
    ((object_type, sample_rate, channels),) = headers
    return AacStream(object_type, sample_rate, channels, tuple(frames))


@dataclass(frozen=True)
class _AdtsHeader:
    """The fields of one ADTS frame header that matter for demuxing."""

    object_type: int
    sample_rate: int
    channels: int
    header_size: int
    frame_length: int

    @classmethod
    def parse(cls, head: bytes) -> _AdtsHeader:
        """Decode a header from the first bytes of a frame."""
        if len(head) < 7:
            raise ValueError("truncated ADTS header")
        bits = int.from_bytes(head[:7], "big")
        if bits >> 44 != _ADTS_SYNC or (bits >> 41) & 0b11 != 0:
            raise ValueError("bad ADTS sync word or layer")
        header_size = 7 if (bits >> 40) & 1 else 9
        frame_length = (bits >> 13) & 0x1FFF
        if (bits & 0b11) != 0 or frame_length <= header_size:
            raise ValueError("unsupported ADTS frame layout")
        return cls(
            object_type=((bits >> 38) & 0b11) + 1,
            sample_rate=_SAMPLE_RATES[(bits >> 34) & 0xF],
            channels=(bits >> 30) & 0b111,
            header_size=header_size,
            frame_length=frame_length,
        )


@cache
def tone() -> AacStream:
    """Load the packaged tone: a steady sine whose period divides the frame length."""
    data = resources.files(__package__).joinpath(TONE_RESOURCE).read_bytes()
    return parse_adts(data)

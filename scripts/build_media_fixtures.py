"""Regenerate the AAC tone the media renderer loops (dev-only: needs PyAV).

Writes the same ADTS bytes to fixtures/audio/ (for people and tests) and into the
mock_server.media package (so installed wheels carry it).
"""

from __future__ import annotations

import io
import math
import struct
from pathlib import Path

import av

from mock_server.media.audio import SAMPLES_PER_FRAME, TONE_RESOURCE, AacStream, parse_adts

ROOT = Path(__file__).resolve().parent.parent
TARGETS = (
    ROOT / "fixtures" / "audio" / TONE_RESOURCE,
    ROOT / "mock_server" / "media" / TONE_RESOURCE,
)
SAMPLE_RATE = 44100
PERIOD = 128  # samples per cycle (about 344.5 Hz); divides the frame, so every frame is alike
AMPLITUDE = 0.25
ENCODED_FRAMES = 48
KEPT = slice(12, 36)  # steady-state frames, away from encoder start-up and flush


def sine_frame() -> bytes:
    """Return one frame of float samples of the tone."""
    samples = (AMPLITUDE * math.sin(2 * math.pi * i / PERIOD) for i in range(SAMPLES_PER_FRAME))
    return struct.pack(f"<{SAMPLES_PER_FRAME}f", *samples)


def encode_tone() -> bytes:
    """Encode the tone to an ADTS stream with FFmpeg's native AAC-LC encoder."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="adts") as container:
        stream = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        stream.bit_rate = 64000
        for index in range(ENCODED_FRAMES):
            frame = av.AudioFrame(format="flt", layout="mono", samples=SAMPLES_PER_FRAME)
            frame.planes[0].update(sine_frame())
            frame.sample_rate = SAMPLE_RATE
            frame.pts = index * SAMPLES_PER_FRAME
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def to_adts(stream: AacStream) -> bytes:
    """Serialise access units back to ADTS with 7-byte headers."""
    rate_index = (96000, 88200, 64000, 48000, 44100).index(stream.sample_rate)
    out = bytearray()
    for frame in stream.frames:
        length = len(frame) + 7
        bits = (0xFFF << 44) | (1 << 40) | ((stream.object_type - 1) << 38)
        bits |= (rate_index << 34) | (stream.channels << 30) | (length << 13) | (0x7FF << 2)
        out += bits.to_bytes(7, "big") + frame
    return bytes(out)


def main() -> None:
    """Encode, keep the steady-state frames, and write both copies."""
    encoded = parse_adts(encode_tone())
    kept = AacStream(
        encoded.object_type, encoded.sample_rate, encoded.channels, encoded.frames[KEPT]
    )
    data = to_adts(kept)
    for target in TARGETS:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"wrote {target.relative_to(ROOT)} ({len(data)} bytes, {len(kept.frames)} frames)")


if __name__ == "__main__":
    main()

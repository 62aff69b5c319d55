"""ISO BMFF (mp4) muxer: one chunk per track, moov ahead of mdat for progressive playback."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

__all__ = ["Handler", "Track", "avc1_entry", "box", "full_box", "mp4a_entry", "mux"]


MOVIE_TIMESCALE = 1000
_UNITY_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_LANGUAGE_UND = 0x55C4  # ISO 639-2 "und" packed as three 5-bit letters
_U32 = struct.Struct(">I")


class Handler(Enum):
    """Track kinds, valued by their hdlr handler type."""

    VIDEO = b"vide"
    SOUND = b"soun"


@dataclass(frozen=True)
class Track:
    """A track's samples, all of equal duration, and its sample description box."""

    handler: Handler
    timescale: int
    sample_delta: int
    samples: tuple[bytes, ...]
    sample_entry: bytes
    width: int = 0
    height: int = 0
    sync_samples: tuple[int, ...] | None = None  # 1-based; None means every sample is sync

    @property
    def duration(self) -> int:
        """Return the track duration in its own timescale."""
        return len(self.samples) * self.sample_delta

    @property
    def size(self) -> int:
        """Return the number of payload bytes the track puts in mdat."""
        return sum(len(sample) for sample in self.samples)


def box(kind: bytes, *parts: bytes) -> bytes:
    """Return a box: 32-bit size, four-character type, payload."""
    payload = b"".join(parts)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    """Return a box whose payload starts with a version byte and 24 bits of flags."""
    return box(kind, _U32.pack((version << 24) | flags), *parts)


def mux(tracks: Sequence[Track]) -> bytes:
    """Return a complete faststart mp4 holding the tracks, numbered from 1 in order."""
    ftyp = box(b"ftyp", b"isom", _U32.pack(0x200), b"isom", b"iso2", b"avc1", b"mp41")
    placeholder = _moov(tracks, [0] * len(tracks))
    offset = len(ftyp) + len(placeholder) + 8
    offsets = []
    for track in tracks:
        offsets.append(offset)
        offset += track.size
    mdat_header = struct.pack(">I4s", offset - offsets[0] + 8, b"mdat")
    payload = [sample for track in tracks for sample in track.samples]
    return b"".join([ftyp, _moov(tracks, offsets), mdat_header, *payload])


def _movie_duration(track: Track) -> int:
    """Return a track's duration in the movie timescale."""
    return round(track.duration * MOVIE_TIMESCALE / track.timescale)


def _moov(tracks: Sequence[Track], offsets: Sequence[int]) -> bytes:
    """Return the movie box; its size does not depend on the offsets."""
    duration = max(_movie_duration(track) for track in tracks)
    mvhd = full_box(
        b"mvhd", 0, 0,
        struct.pack(">4I", 0, 0, MOVIE_TIMESCALE, duration),
        struct.pack(">IH10x", 0x10000, 0x100),  # rate 1.0, volume 1.0
        _UNITY_MATRIX, bytes(24), _U32.pack(len(tracks) + 1),
    )  # fmt: skip
    traks = [_trak(track, index + 1, offsets[index]) for index, track in enumerate(tracks)]
    return box(b"moov", mvhd, *traks)


def _trak(track: Track, track_id: int, chunk_offset: int) -> bytes:
    """Return the trak box for one track stored as a single chunk."""
    volume = 0x100 if track.handler is Handler.SOUND else 0
    tkhd = full_box(
        b"tkhd", 0, 0b11,  # enabled, in movie
        struct.pack(">5I8x", 0, 0, track_id, 0, _movie_duration(track)),
        struct.pack(">hhhH", 0, 0, volume, 0), _UNITY_MATRIX,
        struct.pack(">II", track.width << 16, track.height << 16),
    )  # fmt: skip
    return box(b"trak", tkhd, _mdia(track, chunk_offset))


def _mdia(track: Track, chunk_offset: int) -> bytes:
    """Return the media box: header, handler and media information."""
    mdhd = full_box(
        b"mdhd", 0, 0, struct.pack(">4IHH", 0, 0, track.timescale, track.duration, _LANGUAGE_UND, 0)
    )
    name = b"VideoHandler" if track.handler is Handler.VIDEO else b"SoundHandler"
    hdlr = full_box(b"hdlr", 0, 0, _U32.pack(0), track.handler.value, bytes(12), name + b"\0")
    if track.handler is Handler.VIDEO:
        media_header = full_box(b"vmhd", 0, 1, bytes(8))
    else:
        media_header = full_box(b"smhd", 0, 0, bytes(4))
    dinf = box(b"dinf", full_box(b"dref", 0, 0, _U32.pack(1), full_box(b"url ", 0, 1)))
    minf = box(b"minf", media_header, dinf, _stbl(track, chunk_offset))
    return box(b"mdia", mdhd, hdlr, minf)


def _stbl(track: Track, chunk_offset: int) -> bytes:
    """Return the sample table: description, timing, sync points, chunking, sizes, offsets."""
    count = len(track.samples)
    boxes = [
        full_box(b"stsd", 0, 0, _U32.pack(1), track.sample_entry),
        full_box(b"stts", 0, 0, struct.pack(">3I", 1, count, track.sample_delta)),
    ]
    if track.sync_samples is not None:
        sync = track.sync_samples
        boxes.append(full_box(b"stss", 0, 0, struct.pack(f">{len(sync) + 1}I", len(sync), *sync)))
    sizes = [len(sample) for sample in track.samples]
    boxes += [
        full_box(b"stsc", 0, 0, struct.pack(">4I", 1, 1, count, 1)),
        full_box(b"stsz", 0, 0, struct.pack(f">{count + 2}I", 0, count, *sizes)),
        full_box(b"stco", 0, 0, struct.pack(">2I", 1, chunk_offset)),
    ]
    return box(b"stbl", *boxes)


def avc1_entry(width: int, height: int, sps: bytes, pps: bytes) -> bytes:
    """Return the avc1 sample entry with an avcC built from the SPS and PPS NAL units."""
    avcc = box(
        b"avcC",
        bytes((1, sps[1], sps[2], sps[3], 0xFF, 0xE1)),  # 4-byte lengths, one SPS
        struct.pack(">H", len(sps)), sps,
        bytes((1,)), struct.pack(">H", len(pps)), pps,
    )  # fmt: skip
    compressor = b"mock_server"
    return box(
        b"avc1",
        bytes(6), struct.pack(">H", 1), bytes(16),  # data_reference_index 1
        struct.pack(">HHIIIH", width, height, 0x480000, 0x480000, 0, 1),  # 72 dpi, 1 frame
        bytes((len(compressor),)) + compressor.ljust(31, b"\0"),
        struct.pack(">Hh", 0x18, -1), avcc,
    )  # fmt: skip


def mp4a_entry(sample_rate: int, channels: int, config: bytes, samples: Sequence[bytes]) -> bytes:
    """Return the mp4a sample entry whose esds carries the AAC AudioSpecificConfig."""
    seconds = len(samples) * 1024 / sample_rate
    average = round(sum(len(s) for s in samples) * 8 / seconds)
    largest = max(len(s) for s in samples)
    decoder_config = _descriptor(
        4,
        bytes((0x40, 0x15)),  # MPEG-4 Audio, audio stream
        largest.to_bytes(3, "big"), struct.pack(">II", largest * 8 * sample_rate // 1024, average),
        _descriptor(5, config),
    )  # fmt: skip
    es = _descriptor(3, struct.pack(">HB", 0, 0), decoder_config, _descriptor(6, b"\x02"))
    return box(
        b"mp4a",
        bytes(6), struct.pack(">H", 1), bytes(8),
        struct.pack(">HHHHI", channels, 16, 0, 0, sample_rate << 16),
        full_box(b"esds", 0, 0, es),
    )  # fmt: skip


def _descriptor(tag: int, *parts: bytes) -> bytes:
    """Return an MPEG-4 descriptor with its size in the 7-bits-per-byte form."""
    payload = b"".join(parts)
    size = len(payload)
    length = bytearray([size & 0x7F])
    while size > 0x7F:
        size >>= 7
        length.insert(0, 0x80 | (size & 0x7F))
    return bytes((tag,)) + bytes(length) + payload

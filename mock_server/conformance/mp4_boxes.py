"""Reading an mp4's own headers: its top-level boxes, the movie header and each track's header.

A small ISO BMFF box reader, with no codec library, enough to tell whether a downloaded video is
whole and what it holds: how long it lasts, its frame size, and which kinds of track it carries.
It reads any server's file, so it knows nothing of how the fake writes its own.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["AUDIO", "VIDEO", "Box", "BoxError", "Movie", "TrackHeader", "boxes", "read_movie"]

VIDEO, AUDIO = "vide", "soun"
HEADER = struct.Struct(">I4s")
FIXED_16_16 = float(1 << 16)


class BoxError(ValueError):
    """The bytes are not a whole mp4: a box runs past the end, or a header is missing."""


@dataclass(frozen=True)
class Box:
    """One box: its four-character type, where it starts, its header's length and its size."""

    kind: str
    start: int
    header: int
    size: int

    @property
    def payload(self) -> int:
        """Where the box's contents start."""
        return self.start + self.header

    @property
    def end(self) -> int:
        return self.start + self.size


@dataclass(frozen=True)
class TrackHeader:
    """What a track's headers say: its handler (`vide`, `soun`, …), frame size and duration."""

    handler: str
    width: float
    height: float
    duration_s: float


@dataclass(frozen=True)
class Movie:
    """What the movie header and the track headers of an mp4 say."""

    duration_s: float
    tracks: tuple[TrackHeader, ...]

    def first(self, handler: str) -> TrackHeader | None:
        """The first track of one kind (`VIDEO`, `AUDIO`), if the movie has one."""
        return next((track for track in self.tracks if track.handler == handler), None)


def boxes(data: bytes, start: int = 0, end: int | None = None) -> list[Box]:
    """Walk the boxes from `start` to exactly `end` (the end of the data by default)."""
    end = len(data) if end is None else end
    found: list[Box] = []
    offset = start
    while offset < end:
        found.append(_box_at(data, offset, end))
        offset = found[-1].end
    return found


def _box_at(data: bytes, offset: int, end: int) -> Box:
    left = end - offset
    if left < HEADER.size:
        raise BoxError(f"{left} stray byte(s) at byte {offset}, too few for a box header")
    size, raw_kind = HEADER.unpack_from(data, offset)
    kind, header = raw_kind.decode("latin-1"), HEADER.size
    if size == 1:  # a 64-bit size follows the type
        if left < 16:
            raise BoxError(f"box {kind!r} at byte {offset} is cut inside its header")
        (size,), header = struct.unpack_from(">Q", data, offset + 8), 16
    elif size == 0:  # the box runs to the end
        size = left
    if size < header:
        raise BoxError(f"box {kind!r} at byte {offset} claims {size} bytes, less than its header")
    if size > left:
        raise BoxError(f"box {kind!r} at byte {offset} claims {size} bytes; only {left} remain")
    return Box(kind, offset, header, size)


def read_movie(data: bytes) -> Movie:
    """Read a whole mp4's movie and track headers; BoxError if the file is cut or has none."""
    moov = _only(boxes(data), "moov", "the file")
    inside = boxes(data, moov.payload, moov.end)
    timescale, duration = _times(data, _only(inside, "mvhd", "moov"))
    tracks = tuple(_track(data, trak, timescale) for trak in inside if trak.kind == "trak")
    return Movie(duration / timescale, tracks)


def _track(data: bytes, trak: Box, movie_timescale: int) -> TrackHeader:
    inside = boxes(data, trak.payload, trak.end)
    tkhd = _only(inside, "tkhd", "trak")
    mdia = _only(inside, "mdia", "trak")
    hdlr = _only(boxes(data, mdia.payload, mdia.end), "hdlr", "mdia")
    _need(hdlr, 12)
    handler = data[hdlr.payload + 8 : hdlr.payload + 12].decode("latin-1")
    duration = _tkhd_duration(data, tkhd)
    width, height = struct.unpack_from(">II", data, tkhd.end - 8)  # 16.16 fixed point, last
    return TrackHeader(
        handler, width / FIXED_16_16, height / FIXED_16_16, duration / movie_timescale
    )


def _times(data: bytes, mvhd: Box) -> tuple[int, int]:
    """The movie header's timescale and duration (version 0: 32-bit times, 1: 64-bit)."""
    if _version(data, mvhd) == 1:
        _need(mvhd, 32)
        timescale, duration = struct.unpack_from(">IQ", data, mvhd.payload + 20)
    else:
        _need(mvhd, 20)
        timescale, duration = struct.unpack_from(">II", data, mvhd.payload + 12)
    if timescale == 0:
        raise BoxError("the movie header gives a timescale of 0")
    return timescale, duration


def _tkhd_duration(data: bytes, tkhd: Box) -> int:
    """The track header's duration, in the movie's timescale."""
    if _version(data, tkhd) == 1:
        _need(tkhd, 96)
        (duration,) = struct.unpack_from(">Q", data, tkhd.payload + 28)
    else:
        _need(tkhd, 84)
        (duration,) = struct.unpack_from(">I", data, tkhd.payload + 20)
    return int(duration)


def _version(data: bytes, box: Box) -> int:
    """A full box's version byte (0 or 1 for the headers read here)."""
    _need(box, 4)
    return data[box.payload]


def _need(box: Box, length: int) -> None:
    if box.size - box.header < length:
        raise BoxError(f"the {box.kind} box at byte {box.start} is too short to read")


def _only(found: Sequence[Box], kind: str, where: str) -> Box:
    match = next((box for box in found if box.kind == kind), None)
    if match is None:
        raise BoxError(f"no {kind} box in {where}")
    return match

"""The contract suite's mp4 reader walks a file's boxes and reads its movie and track headers."""

from __future__ import annotations

import functools
import struct

import pytest

from mock_server.conformance.mp4_boxes import AUDIO, VIDEO, BoxError, boxes, read_movie
from mock_server.media import VideoSpec, render_mp4


@functools.cache
def video(width: int = 1280, height: int = 720, seconds: int = 2, audio: bool = True) -> bytes:
    return render_mp4(VideoSpec(width, height, seconds, audio, watermark=False, seed=3))


def test_the_top_level_boxes_of_a_whole_file_run_to_its_last_byte() -> None:
    data = video()
    found = boxes(data)
    assert [box.kind for box in found] == ["ftyp", "moov", "mdat"]
    assert found[-1].end == len(data)


def test_the_movie_header_gives_the_duration_and_the_tracks_their_kind_and_size() -> None:
    movie = read_movie(video(1920, 1080, 3, audio=True))
    assert movie.duration_s == pytest.approx(3.0, abs=0.05)
    assert [track.handler for track in movie.tracks] == [VIDEO, AUDIO]
    picture = movie.first(VIDEO)
    assert picture is not None
    assert (picture.width, picture.height) == (1920, 1080)
    assert picture.duration_s == pytest.approx(3.0, abs=0.05)


def test_a_video_without_sound_has_no_audio_track() -> None:
    assert read_movie(video(audio=False)).first(AUDIO) is None


def test_a_cut_file_is_not_whole_and_says_which_box_runs_past_the_end() -> None:
    with pytest.raises(BoxError, match=r"box 'mdat' at byte \d+ claims \d+ bytes; only \d+ remain"):
        boxes(video()[:-100])


def test_stray_bytes_after_the_last_box_are_not_a_whole_file() -> None:
    with pytest.raises(BoxError, match="3 stray byte"):
        boxes(video() + b"abc")


def test_a_file_without_a_movie_box_has_no_headers_to_read() -> None:
    ftyp = struct.pack(">I4s", 16, b"ftyp") + b"isom\x00\x00\x02\x00"
    with pytest.raises(BoxError, match="no moov box"):
        read_movie(ftyp)


def test_64_bit_sizes_and_version_1_headers_are_read() -> None:
    def full(kind: bytes, version: int, payload: bytes) -> bytes:
        body = bytes([version, 0, 0, 0]) + payload
        return struct.pack(">I4sQ", 1, kind, 16 + len(body)) + body

    def plain(kind: bytes, *parts: bytes) -> bytes:
        payload = b"".join(parts)
        return struct.pack(">I4s", 8 + len(payload), kind) + payload

    mvhd = full(b"mvhd", 1, struct.pack(">QQIQ", 0, 0, 600, 1500) + bytes(80))
    tkhd_fields = struct.pack(">QQIIQ", 0, 0, 1, 0, 1500) + bytes(52)
    tkhd = full(b"tkhd", 1, tkhd_fields + struct.pack(">II", 720 << 16, 1280 << 16))
    hdlr = plain(b"hdlr", bytes(8), b"vide", bytes(13))
    trak = plain(b"trak", tkhd, plain(b"mdia", hdlr))
    movie = read_movie(plain(b"moov", mvhd, trak))
    assert movie.duration_s == 2.5
    assert movie.tracks[0].handler == VIDEO
    assert (movie.tracks[0].width, movie.tracks[0].height, movie.tracks[0].duration_s) == (
        720,
        1280,
        2.5,
    )

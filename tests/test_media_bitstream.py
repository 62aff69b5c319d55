"""The building blocks of the renderer write the bits the specs call for."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.media.audio import TONE_RESOURCE, parse_adts, tone
from mock_server.media.bitwriter import BitWriter
from mock_server.media.h264 import NalType, StreamFormat, nal_unit
from mock_server.media.picture import draw_picture
from mock_server.media.yuv import YuvPicture

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "audio" / TONE_RESOURCE


def bits_of(write: str, value: int) -> str:
    """Return the bit string one BitWriter call produces, padded with ones to a byte."""
    writer = BitWriter()
    getattr(writer, write)(value)
    length = writer.bit_length
    writer.u(-length % 8, (1 << (-length % 8)) - 1)
    return format(int.from_bytes(writer.to_bytes(), "big"), f"0{writer.bit_length}b")[:length]


@pytest.mark.parametrize(
    ("value", "code"), [(0, "1"), (1, "010"), (2, "011"), (3, "00100"), (25, "000011010")]
)
def test_ue_writes_exp_golomb_codes(value: int, code: str) -> None:
    assert bits_of("ue", value) == code


@pytest.mark.parametrize(("value", "code"), [(0, "1"), (1, "010"), (-1, "011"), (2, "00100")])
def test_se_maps_signed_values_onto_exp_golomb_codes(value: int, code: str) -> None:
    assert bits_of("se", value) == code


def test_bit_writer_refuses_values_wider_than_the_field() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        BitWriter().u(3, 8)


def test_nal_unit_inserts_emulation_prevention_bytes() -> None:
    wrapped = nal_unit(3, NalType.SPS, b"\x00\x00\x00\x00\x00\x01\x00\x00\x04")
    assert wrapped == b"\x67\x00\x00\x03\x00\x00\x03\x00\x01\x00\x00\x04"


def test_1080p_is_coded_as_68_macroblock_rows_at_level_4() -> None:
    fmt = StreamFormat(1920, 1080, 24)
    assert (fmt.mb_width, fmt.mb_height, fmt.level_idc) == (120, 68, 40)


def test_padding_repeats_the_last_row() -> None:
    picture = YuvPicture(2, 2, b"\x01\x02\x03\x04", b"\x05", b"\x06")
    padded = picture.padded(4, 4)
    assert padded.y == b"\x01\x02\x02\x02\x03\x04\x04\x04" + b"\x03\x04\x04\x04" * 2


def test_picture_rejects_planes_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="luma"):
        YuvPicture(2, 2, b"\x00", b"\x00", b"\x00")


def test_pictures_stay_inside_the_limited_video_range() -> None:
    picture = draw_picture(640, 360, 123, watermark=True)
    chroma = picture.cb + picture.cr
    assert 16 <= min(picture.y) <= max(picture.y) <= 235
    assert 16 <= min(chroma) <= max(chroma) <= 240


def test_packaged_tone_matches_the_committed_fixture() -> None:
    assert tone() == parse_adts(FIXTURE.read_bytes())


def test_tone_is_aac_lc_mono_at_44100_hz() -> None:
    stream = tone()
    assert (stream.object_type, stream.sample_rate, stream.channels) == (2, 44100, 1)
    assert stream.audio_specific_config == b"\x12\x08"


def test_tone_loops_to_any_frame_count() -> None:
    stream = tone()
    looped = stream.looped(len(stream.frames) * 2 + 3)
    assert looped == [*stream.frames, *stream.frames, *stream.frames[:3]]


def test_parse_adts_rejects_bytes_without_a_sync_word() -> None:
    with pytest.raises(ValueError, match="sync"):
        parse_adts(b"\x00" * 16)


def test_parse_adts_rejects_a_truncated_last_frame() -> None:
    with pytest.raises(ValueError, match="truncated"):
        parse_adts(FIXTURE.read_bytes()[:-10])

"""H.264 Constrained Baseline bitstream: parameter sets, an I_PCM IDR slice, P-skip slices."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from enum import IntEnum

from mock_server.media.bitwriter import BitWriter
from mock_server.media.yuv import YuvPicture

__all__ = [
    "NalType",
    "SliceType",
    "StreamFormat",
    "idr_slice",
    "nal_unit",
    "picture_parameter_set",
    "sequence_parameter_set",
    "skip_slice",
]


PROFILE_CONSTRAINED_BASELINE = 66
CONSTRAINT_FLAGS = 0b1100_0000  # constraint_set0 and set1: decodable by any Baseline decoder
LOG2_MAX_FRAME_NUM = 8
BT709_COLOUR = (1, 1, 1)
I_PCM_MB_TYPE = 25
# mb_type ue(25) is 000011010; padded with pcm_alignment_zero_bits it is exactly these two bytes.
_I_PCM_PREFIX = b"\x0d\x00"
_EMULATION = re.compile(b"\x00\x00(?=[\x00-\x03])", re.DOTALL)
_LEVELS = ((396, 20), (792, 21), (1620, 30), (3600, 31), (5120, 32), (8192, 40), (22080, 51))


class NalType(IntEnum):
    """NAL unit types this writer emits."""

    NON_IDR_SLICE = 1
    IDR_SLICE = 5
    SPS = 7
    PPS = 8


class SliceType(IntEnum):
    """slice_type values meaning 'every slice of the picture has this type'."""

    P = 5
    I = 7  # noqa: E741


@dataclass(frozen=True)
class StreamFormat:
    """Display size and frame rate shared by every picture of the stream."""

    width: int
    height: int
    fps: int

    @property
    def mb_width(self) -> int:
        """Return the picture width in 16x16 macroblocks."""
        return -(-self.width // 16)

    @property
    def mb_height(self) -> int:
        """Return the picture height in 16x16 macroblocks."""
        return -(-self.height // 16)

    @property
    def level_idc(self) -> int:
        """Return the lowest level whose frame size limit admits the picture."""
        mbs = self.mb_width * self.mb_height
        for max_mbs, level in _LEVELS:
            if mbs <= max_mbs:
                return level
        raise ValueError(f"{self.width}x{self.height} is too large for this writer")


def nal_unit(ref_idc: int, nal_type: NalType, rbsp: bytes) -> bytes:
    """Wrap an RBSP in a NAL unit header, inserting emulation-prevention bytes."""
    if b"\x00\x00" in rbsp:
        rbsp = _EMULATION.sub(b"\x00\x00\x03", rbsp)
    return bytes([(ref_idc << 5) | nal_type]) + rbsp


def sequence_parameter_set(fmt: StreamFormat) -> bytes:
    """Return the SPS NAL unit, with cropping for sizes that are not macroblock multiples."""
    w = BitWriter()
    w.u(8, PROFILE_CONSTRAINED_BASELINE)
    w.u(8, CONSTRAINT_FLAGS)
    w.u(8, fmt.level_idc)
    w.ue(0)  # seq_parameter_set_id
    w.ue(LOG2_MAX_FRAME_NUM - 4)
    w.ue(2)  # pic_order_cnt_type 2: output order is decoding order
    w.ue(1)  # max_num_ref_frames
    w.flag(False)  # gaps_in_frame_num_value_allowed_flag
    w.ue(fmt.mb_width - 1)
    w.ue(fmt.mb_height - 1)
    w.flag(True)  # frame_mbs_only_flag
    w.flag(True)  # direct_8x8_inference_flag
    _write_cropping(w, fmt)
    w.flag(True)  # vui_parameters_present_flag
    _write_vui(w, fmt)
    w.trailing_bits()
    return nal_unit(3, NalType.SPS, w.to_bytes())


def _write_cropping(w: BitWriter, fmt: StreamFormat) -> None:
    """Write frame_cropping_flag and, when needed, the right and bottom offsets."""
    right = (fmt.mb_width * 16 - fmt.width) // 2
    bottom = (fmt.mb_height * 16 - fmt.height) // 2
    w.flag(bool(right or bottom))
    if right or bottom:
        for offset in (0, right, 0, bottom):  # left, right, top, bottom in 2-sample units
            w.ue(offset)


def _write_vui(w: BitWriter, fmt: StreamFormat) -> None:
    """Write VUI with the frame rate and a no-reordering promise, so decoders never wait."""
    w.flag(False)  # aspect_ratio_info_present_flag
    w.flag(False)  # overscan_info_present_flag
    w.flag(True)  # video_signal_type_present_flag
    w.u(3, 5)  # video_format: unspecified
    w.flag(False)  # video_full_range_flag: limited range
    w.flag(True)  # colour_description_present_flag
    for code in BT709_COLOUR:  # colour_primaries, transfer_characteristics, matrix_coefficients
        w.u(8, code)
    w.flag(False)  # chroma_loc_info_present_flag
    w.flag(True)  # timing_info_present_flag
    w.u(32, 1)  # num_units_in_tick
    w.u(32, 2 * fmt.fps)  # time_scale: two ticks per frame
    w.flag(True)  # fixed_frame_rate_flag
    w.flag(False)  # nal_hrd_parameters_present_flag
    w.flag(False)  # vcl_hrd_parameters_present_flag
    w.flag(False)  # pic_struct_present_flag
    w.flag(True)  # bitstream_restriction_flag
    w.flag(True)  # motion_vectors_over_pic_boundaries_flag
    for value in (0, 0, 15, 15, 0, 1):  # byte/bit limits, mv lengths, reorder 0, dpb 1
        w.ue(value)


def picture_parameter_set() -> bytes:
    """Return the PPS NAL unit: CAVLC, one slice group, deblocking control in slice headers."""
    w = BitWriter()
    w.ue(0)  # pic_parameter_set_id
    w.ue(0)  # seq_parameter_set_id
    w.flag(False)  # entropy_coding_mode_flag: CAVLC
    w.flag(False)  # bottom_field_pic_order_in_frame_present_flag
    w.ue(0)  # num_slice_groups_minus1
    w.ue(0)  # num_ref_idx_l0_default_active_minus1
    w.ue(0)  # num_ref_idx_l1_default_active_minus1
    w.flag(False)  # weighted_pred_flag
    w.u(2, 0)  # weighted_bipred_idc
    for _ in range(3):  # pic_init_qp_minus26, pic_init_qs_minus26, chroma_qp_index_offset
        w.se(0)
    w.flag(True)  # deblocking_filter_control_present_flag
    w.flag(False)  # constrained_intra_pred_flag
    w.flag(False)  # redundant_pic_cnt_present_flag
    w.trailing_bits()
    return nal_unit(3, NalType.PPS, w.to_bytes())


def _slice_header(slice_type: SliceType, frame_num: int) -> BitWriter:
    """Start a slice header for a whole-picture slice of the given type."""
    w = BitWriter()
    w.ue(0)  # first_mb_in_slice
    w.ue(slice_type)
    w.ue(0)  # pic_parameter_set_id
    w.u(LOG2_MAX_FRAME_NUM, frame_num % (1 << LOG2_MAX_FRAME_NUM))
    if slice_type is SliceType.I:
        w.ue(0)  # idr_pic_id
        w.flag(False)  # no_output_of_prior_pics_flag
        w.flag(False)  # long_term_reference_flag
    else:
        w.flag(False)  # num_ref_idx_active_override_flag
        w.flag(False)  # ref_pic_list_modification_flag_l0
        w.flag(False)  # adaptive_ref_pic_marking_mode_flag
    w.se(0)  # slice_qp_delta
    w.ue(1)  # disable_deblocking_filter_idc: off, the picture is lossless
    return w


def idr_slice(fmt: StreamFormat, picture: YuvPicture) -> bytes:
    """Return an IDR picture whose every macroblock carries raw samples (I_PCM)."""
    coded = picture.padded(fmt.mb_width * 16, fmt.mb_height * 16)
    w = _slice_header(SliceType.I, 0)
    w.ue(I_PCM_MB_TYPE)
    w.align_zero()
    blocks = _pcm_blocks(coded, fmt.mb_width)
    rbsp = b"".join((w.to_bytes(), _I_PCM_PREFIX.join(blocks), b"\x80"))
    return nal_unit(3, NalType.IDR_SLICE, rbsp)


def _pcm_blocks(picture: YuvPicture, mb_width: int) -> list[bytes]:
    """Cut a macroblock-aligned picture into 384-byte blocks in macroblock order."""
    luma = struct.Struct("16s" * (picture.height * mb_width)).unpack(picture.y)
    chroma_split = struct.Struct("8s" * (picture.height // 2 * mb_width)).unpack
    cb, cr = chroma_split(picture.cb), chroma_split(picture.cr)
    blocks = []
    for mb_y in range(picture.height // 16):
        for mb_x in range(mb_width):
            ly = (mb_y * 16 * mb_width) + mb_x
            cy = (mb_y * 8 * mb_width) + mb_x
            luma_rows = luma[ly : ly + 16 * mb_width : mb_width]
            cb_rows = cb[cy : cy + 8 * mb_width : mb_width]
            cr_rows = cr[cy : cy + 8 * mb_width : mb_width]
            blocks.append(b"".join(luma_rows + cb_rows + cr_rows))
    return blocks


def skip_slice(frame_num: int, mb_count: int) -> bytes:
    """Return a P picture that repeats its reference: every macroblock skipped."""
    w = _slice_header(SliceType.P, frame_num)
    w.ue(mb_count)  # mb_skip_run covering the whole picture
    w.trailing_bits()
    return nal_unit(2, NalType.NON_IDR_SLICE, w.to_bytes())

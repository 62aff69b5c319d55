"""MSB-first bit writer with the Exp-Golomb codes H.264 headers are made of."""

from __future__ import annotations

__all__ = ["BitWriter"]


class BitWriter:
    """Accumulate bits most-significant first and hand them out as bytes."""

    def __init__(self) -> None:
        self._value = 0
        self._length = 0

    @property
    def bit_length(self) -> int:
        """Return how many bits have been written so far."""
        return self._length

    def u(self, width: int, value: int) -> None:
        """Write `value` as an unsigned integer of `width` bits."""
        if value < 0 or value >= 1 << width:
            raise ValueError(f"{value} does not fit in {width} bits")
        self._value = (self._value << width) | value
        self._length += width

    def flag(self, value: bool) -> None:
        """Write one bit."""
        self.u(1, int(value))

    def ue(self, value: int) -> None:
        """Write an unsigned Exp-Golomb code, ue(v)."""
        if value < 0:
            raise ValueError("ue(v) needs a non-negative value")
        code = value + 1
        self.u(2 * code.bit_length() - 1, code)

    def se(self, value: int) -> None:
        """Write a signed Exp-Golomb code, se(v)."""
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align_zero(self) -> None:
        """Pad with zero bits up to the next byte boundary."""
        self.u(-self._length % 8, 0)

    def trailing_bits(self) -> None:
        """Write rbsp_trailing_bits: a stop bit, then zeros to the byte boundary."""
        self.u(1, 1)
        self.align_zero()

    def to_bytes(self) -> bytes:
        """Return the bits written so far; the writer must be byte-aligned."""
        if self._length % 8:
            raise ValueError("bit writer is not byte-aligned")
        return self._value.to_bytes(self._length // 8, "big")

"""Reading a whole number a client wrote (a header, a query parameter, a cursor), however long."""

from __future__ import annotations

__all__ = ["INT64_MAX", "MAX_DIGITS", "whole_number"]

INT64_MAX = 2**63 - 1  # the largest number a store keeps or a 64-bit server reads as a length
MAX_DIGITS = 64  # more than any bound asked here needs; far fewer than `int()` refuses (4300)


def whole_number(text: str, maximum: int) -> int | None:
    """`text` as a number when it is 1 to `MAX_DIGITS` ASCII digits (no sign, space or
    underscore) and at most `maximum`; None for anything else, so no text makes it raise."""
    if len(text) > MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None

"""Where the recipient block is printed: the window of a French DL envelope.

The DL window envelope (110 x 220 mm) has a window of 100 x 45 mm, 20 mm from
its right edge and 15 mm from its bottom: 100 to 200 mm from the envelope's left,
50 to 95 mm from its top. An A4 sheet folded in three (panels of 99 mm) can slide
in it by up to 10 mm sideways and 11 mm down, so the block is kept in the part of
the window that shows in every position: 110 to 190 mm from the sheet's left edge
(left 10 mm further in, as French letters have it) and 50 to 84 mm from its top.

The norm allows 6 lines of 38 characters (``domain.address``); 38 wide capitals
in Helvetica 10 pt are 112 mm long. The block is printed at 10 pt when its widest
line fits, else in a smaller size (not below 8 pt), and below that condensed, so
every line the norm allows shows whole through the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

LEFT_MM, RIGHT_MM = 110, 190
TOP_MM, BOTTOM_MM = 50, 84
BODY_TOP_MM = 100  # the letter's text starts below the window
FIRST_BASELINE_MM = TOP_MM + 4
FONT = "Helvetica"
LARGEST, SMALLEST = 10.0, 8.0  # points
LEADING = 1.2  # line height, times the font size
WIDTH = (RIGHT_MM - LEFT_MM) * mm  # in points


@dataclass(frozen=True)
class BlockFont:
    size: float  # points
    scale: float  # horizontal scale in percent: 100 is the font as drawn

    @property
    def leading(self) -> float:
        return self.size * LEADING


def block_font(lines: Sequence[str]) -> BlockFont:
    """The largest size (then the least condensing) at which every line fits the window."""
    widest = max((stringWidth(line, FONT, 1) for line in lines), default=0.0)  # at 1 pt
    if widest * LARGEST <= WIDTH:
        return BlockFont(LARGEST, 100)
    size = max(SMALLEST, int(WIDTH / widest * 10) / 10)  # tenths of a point, rounded down
    scale = min(100.0, int(WIDTH / (widest * size) * 1000) / 10)  # tenths of a percent, down
    return BlockFont(size, scale)

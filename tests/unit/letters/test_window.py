"""The recipient block's font: every line the norm allows fits the envelope's window."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from encaisse.letters import window
from encaisse.letters.domain.address import MAX_CHARS, MAX_LINES

LINE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=MAX_CHARS)


@given(st.lists(LINE, min_size=1, max_size=MAX_LINES))
def test_any_block_the_norm_allows_fits_the_window(lines):
    fit = window.block_font(lines)
    assert window.SMALLEST <= fit.size <= window.LARGEST and 0 < fit.scale <= 100
    for line in lines:
        assert stringWidth(line, window.FONT, fit.size) * fit.scale / 100 <= window.WIDTH
    assert window.FIRST_BASELINE_MM * mm - fit.size >= window.TOP_MM * mm  # first line's top
    last_descent = window.FIRST_BASELINE_MM * mm + (len(lines) - 1) * fit.leading + fit.size / 4
    assert last_descent <= window.BOTTOM_MM * mm


def test_the_size_shrinks_before_the_letters_are_condensed():
    assert window.block_font(["69002 LYON"]) == window.BlockFont(10, 100)
    caps = window.block_font(["SOCIETE GENERALE DES MATERIAUX MODERNE"])  # 38, 84 mm at 10 pt
    assert 9 < caps.size < 10 and caps.scale == 100
    widest = window.block_font(["W" * MAX_CHARS])
    assert widest.size == window.SMALLEST and widest.scale < 80

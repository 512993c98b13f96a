"""The recipient block shows through the window of a French DL envelope, whatever its lines.

The first page is rasterised with pdftoppm and every dark pixel of the band around the
window must lie in the part of the window that shows however the folded sheet sits in
the envelope (``encaisse.letters.window``).
"""

from __future__ import annotations

import subprocess
from datetime import date

from PIL import Image

from encaisse.letters import window
from encaisse.letters.domain.address import MAX_CHARS, address_block
from encaisse.letters.domain.compose import compose
from encaisse.letters.domain.rates import bundled_rates
from encaisse.letters.pdf import render_pdf
from encaisse.letters.sample import SENDER, sample_notice

DPI = 150
MM = DPI / 25.4  # pixels a millimetre


def _first_page(pdf: bytes, tmp_path) -> Image.Image:
    (tmp_path / "letter.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-gray",
            "-r",
            str(DPI),
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            str(tmp_path / "letter.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    [png] = tmp_path.glob("page*.png")
    return Image.open(png)


def _ink_in_band(page: Image.Image, top_mm: float, bottom_mm: float):
    """Bounding box in mm (left, top, right, bottom) of the dark pixels between two heights."""
    band = page.crop((0, round(top_mm * MM), page.width, round(bottom_mm * MM)))
    box = band.point(lambda v: 255 if v < 128 else 0).getbbox()
    assert box is not None, "nothing printed where the window is"
    left, upper, right, lower = box
    return left / MM, top_mm + upper / MM, right / MM, top_mm + lower / MM


def _render(block: tuple[str, ...]) -> bytes:
    content = compose(
        sample_notice(),
        block,
        SENDER,
        today=date(2024, 5, 31),
        reference="R-1",
        portal_url=None,
        rates=bundled_rates(),
    )
    return render_pdf(content, title="window")


def test_six_lines_of_38_wide_capitals_stay_inside_the_window(tmp_path):
    wide = "M" * MAX_CHARS
    block = address_block(
        wide, (wide, "W" * MAX_CHARS, wide, wide), "75001", "M" * (MAX_CHARS - 6), "FR"
    )
    assert len(block.lines) == 6 and all(len(line) == MAX_CHARS for line in block.lines)
    page = _first_page(_render(block.lines), tmp_path)
    # from just below the "registered letter" line above the window to the body's top
    left, top, right, bottom = _ink_in_band(page, window.TOP_MM - 4, window.BODY_TOP_MM - 1)
    assert left >= window.LEFT_MM - 0.5 and right <= window.RIGHT_MM + 0.5, (left, right)
    assert top >= window.TOP_MM and bottom <= window.BOTTOM_MM, (top, bottom)
    assert right > window.RIGHT_MM - 5  # the widest line uses the window's width


def test_an_ordinary_address_is_printed_at_full_size(tmp_path):
    block = address_block(
        "Boulangerie Lefèvre SARL", ("12 rue de l'Église",), "69002", "Lyon", "FR"
    )
    assert window.block_font(block.lines) == window.BlockFont(size=10, scale=100)
    left, top, right, bottom = _ink_in_band(
        _first_page(_render(block.lines), tmp_path), window.TOP_MM - 4, window.BODY_TOP_MM - 1
    )
    assert left >= window.LEFT_MM - 0.5 and right < window.RIGHT_MM - 20

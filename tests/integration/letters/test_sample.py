"""The sample formal notice under docs/letters is rendered to PNG pages with pdftoppm."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from encaisse.letters.sample import main, render_sample

DOCS = Path(__file__).resolve().parents[3] / "docs" / "letters"


def test_the_sample_renders_to_a4_png_pages(tmp_path):
    main(str(tmp_path))
    pages = sorted(tmp_path.glob("sample-formal-notice-*.png"))
    assert pages, subprocess.run(["pdftoppm", "-v"], capture_output=True).stderr
    with Image.open(pages[0]) as image:
        width, height = image.size
    assert abs(height / width - 297 / 210) < 0.01  # A4 portrait


def test_the_sample_under_docs_is_the_current_rendering():
    """Regenerate with ``python -m encaisse.letters.sample docs/letters`` when this fails."""
    committed = (DOCS / "sample-formal-notice.pdf").read_bytes()
    assert committed == render_sample()
    pages = len(PdfReader(io.BytesIO(committed)).pages)
    assert sorted(p.name for p in DOCS.glob("sample-formal-notice-*.png")) == [
        f"sample-formal-notice-{n}.png" for n in range(1, pages + 1)
    ]

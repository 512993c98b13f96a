"""The sample formal notice under docs/letters is rendered to PNG pages with pdftoppm."""

from __future__ import annotations

import subprocess

from PIL import Image

from encaisse.letters.sample import main


def test_the_sample_renders_to_a4_png_pages(tmp_path):
    main(str(tmp_path))
    pages = sorted(tmp_path.glob("sample-formal-notice-*.png"))
    assert pages, subprocess.run(["pdftoppm", "-v"], capture_output=True).stderr
    with Image.open(pages[0]) as image:
        width, height = image.size
    assert abs(height / width - 297 / 210) < 0.01  # A4 portrait

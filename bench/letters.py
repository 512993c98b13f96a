"""Letters: how fast formal notices are computed and rendered to PDF (one core, no I/O).

    .venv/bin/python bench/letters.py [count]

Renders ``count`` copies of the sample formal notice (3 invoices, penalties, QR code)
and a 60-invoice notice, and prints letters per second and the median time per letter.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date

from encaisse.letters.domain.compose import compose
from encaisse.letters.domain.rates import bundled_rates
from encaisse.letters.pdf import render_pdf
from encaisse.letters.sample import SENDER, sample_notice

BLOCK = ("Boulangerie Lefèvre SARL", "Service comptabilité", "12 rue de l'Église", "69002 LYON")


def run(command, count: int) -> tuple[float, float, int]:
    times = []
    size = 0
    for _ in range(count):
        start = time.perf_counter()
        content = compose(
            command,
            BLOCK,
            SENDER,
            today=date(2024, 5, 31),
            reference="R",
            portal_url="http://127.0.0.1:8100/access/" + "x" * 140,
            rates=bundled_rates(),
        )
        size = len(render_pdf(content, title="bench"))
        times.append(time.perf_counter() - start)
    return count / sum(times), statistics.median(times) * 1000, size


def main(count: int) -> None:
    short = sample_notice()
    many = tuple(
        short.invoices[0].model_copy(update={"invoice_number": f"FA-{n:04d}"}) for n in range(60)
    )
    long = short.model_copy(update={"invoices": many})
    for name, command, n in (("3 invoices", short, count), ("60 invoices", long, count // 4)):
        rate, median, size = run(command, n)
        print(
            f"{name:<12} {n:>5} letters  {rate:7.1f} letters/s  median {median:6.1f} ms"
            f"  {size / 1024:5.1f} KiB each"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)

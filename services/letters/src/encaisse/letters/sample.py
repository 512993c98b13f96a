"""A sample formal notice for people to look at: ``python -m encaisse.letters.sample DIR``.

Writes ``DIR/sample-formal-notice.pdf`` and one PNG per page (``pdftoppm``, from
Debian's poppler-utils). The same letter is used by the tests.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from encaisse.contracts.base import Money
from encaisse.contracts.common import Debtor, InvoiceLine
from encaisse.contracts.ledger import PostalAddress
from encaisse.contracts.letters import FormalNotice, LetterKind, NoticePayment, SendLetter
from encaisse.letters.domain.address import address_block
from encaisse.letters.domain.compose import Sender, compose
from encaisse.letters.domain.rates import bundled_rates
from encaisse.letters.pdf import render_pdf

SENDER = Sender(
    "Encaisse Démo SAS",
    ("Service recouvrement", "10 rue de la Paix"),
    "75002",
    "Paris",
    "FR",
    "SAS au capital de 100 000 EUR · RCS Paris 123 456 789",
)


def _eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def sample_notice(tenant: str = "DEMO", key: str = "sample-notice-1") -> SendLetter:
    invoices = (
        InvoiceLine(
            invoice_number="FA-2024-0117",
            issue_date=date(2024, 1, 2),
            due_date=date(2024, 1, 31),
            amount=_eur("10000.00"),
            open_balance=_eur("10000.00"),
        ),
        InvoiceLine(
            invoice_number="FA-2024-0342",
            issue_date=date(2024, 2, 14),
            due_date=date(2024, 3, 31),
            amount=_eur("8000.00"),
            open_balance=_eur("5000.00"),
        ),
        InvoiceLine(
            invoice_number="FA-2024-0515",
            issue_date=date(2024, 4, 15),
            due_date=date(2024, 5, 15),
            amount=_eur("12345.67"),
            open_balance=_eur("12345.67"),
        ),
    )
    return SendLetter(
        tenant=tenant,
        idempotency_key=key,
        case_id="case-42",
        step="formal-notice",
        kind=LetterKind.REGISTERED,
        template="formal_notice",
        debtor=Debtor(customer_ref="C-0042", name="Boulangerie Lefèvre SARL", language="fr"),
        address=PostalAddress(
            lines=("Service comptabilité", "12 rue de l'Église"),
            postal_code="69002",
            city="Lyon",
            country="FR",
        ),
        invoices=invoices,
        formal_notice=FormalNotice(
            penalties_computed_on=date(2024, 5, 31),
            payment_deadline=date(2024, 6, 10),
            business_customer=True,
            payments=(
                NoticePayment(
                    invoice_number="FA-2024-0342", paid_on=date(2024, 4, 30), amount=_eur("3000.00")
                ),
            ),
        ),
    )


def render_sample(portal_url: str = "http://127.0.0.1:8100/access/sample-token") -> bytes:
    command = sample_notice()
    block = address_block(
        command.debtor.name,
        command.address.lines,
        command.address.postal_code,
        command.address.city,
        command.address.country,
    )
    content = compose(
        command,
        block.lines,
        SENDER,
        today=date(2024, 5, 31),
        reference="C-0042 / LR-SAMPLE",
        portal_url=portal_url,
        rates=bundled_rates(),
    )
    return render_pdf(content, title="Mise en demeure")


def main(directory: str) -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    pdf = out / "sample-formal-notice.pdf"
    pdf.write_bytes(render_sample())
    for old in out.glob("sample-formal-notice-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", str(pdf), str(out / "sample-formal-notice")], check=True
    )
    print(f"written {pdf} and its pages")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/letters")

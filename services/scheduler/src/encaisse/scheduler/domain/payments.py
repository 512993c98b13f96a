"""What a payment means for the dunning: which invoices its thank-you lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from encaisse.scheduler.domain.planning import Track


@dataclass(frozen=True)
class Paid:
    invoice_number: str
    amount: Decimal
    balance_after: Decimal


def thank_you_invoices(paid: Iterable[Paid], tracks: Mapping[str, Track]) -> tuple[str, ...]:
    """Every invoice the payment paid, when it settled one we follow; else none.

    "A payment stops it and sends a thank-you": a payment that settles at least
    one followed invoice (known here and not excluded) gets exactly one thank-you,
    whether the customer had been reminded or not, listing every invoice it paid
    (one it paid in part with its open balance). A payment that only pays in part
    settles nothing: no thank-you, the dunning goes on with the balance.
    """
    paid = list(paid)
    settles_one = any(
        p.balance_after <= 0
        and p.invoice_number in tracks
        and not tracks[p.invoice_number].excluded
        for p in paid
    )
    if not settles_one:
        return ()
    return tuple(sorted({p.invoice_number for p in paid if p.amount > 0}))

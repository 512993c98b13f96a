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
    """Every invoice the payment paid, when it settled one whose dunning had started; else none.

    A customer who pays before hearing from us gets no thank-you: it would be
    noise. One who was reminded and pays in full gets exactly one per payment.
    """
    paid = list(paid)
    settled_after_reminder = any(
        p.balance_after <= 0 and p.invoice_number in tracks
        and tracks[p.invoice_number].started for p in paid)
    if not settled_after_reminder:
        return ()
    return tuple(sorted({p.invoice_number for p in paid if p.amount > 0}))

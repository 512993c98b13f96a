"""Balances and payments: an invoice's status from its balance, oldest-first allocation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from encaisse.contracts.ledger import InvoiceStatus

ZERO = Decimal("0.00")
SETTLEABLE = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)
FINAL = (InvoiceStatus.CANCELLED, InvoiceStatus.WRITTEN_OFF)


def status_for(amount: Decimal, open_balance: Decimal) -> InvoiceStatus:
    """Open, partially paid or paid, from what is left to pay."""
    if open_balance <= 0:
        return InvoiceStatus.PAID
    if open_balance < amount:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.OPEN


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    due_date: date
    issue_date: date
    open_balance: Decimal


@dataclass(frozen=True)
class Share:
    """Part of a payment given to one invoice."""

    invoice_number: str
    amount: Decimal


def allocate_oldest_first(amount: Decimal, invoices: Iterable[OpenInvoice]) -> list[Share]:
    """Pay the invoices due first (then issued first, then by number) until the money runs out."""
    shares = []
    left = amount
    for inv in sorted(invoices, key=lambda i: (i.due_date, i.issue_date, i.number)):
        if left <= 0:
            break
        if inv.open_balance <= 0:
            continue
        paid = min(left, inv.open_balance)
        shares.append(Share(inv.number, paid))
        left -= paid
    return shares


def unallocated(amount: Decimal, shares: Sequence[Share]) -> Decimal:
    return amount - sum((s.amount for s in shares), ZERO)

"""The ledger's rules, as pure functions: no I/O, tested without a database."""

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


AGING_BUCKETS = ("not_due", "days_1_30", "days_31_60", "days_61_90", "over_90")


def aging_bucket(due_date: date, as_of: date) -> str:
    """Days past due on ``as_of``: not due (0 or less), 1-30, 31-60, 61-90, over 90."""
    late = (as_of - due_date).days
    if late <= 0:
        return "not_due"
    if late <= 30:
        return "days_1_30"
    if late <= 60:
        return "days_31_60"
    if late <= 90:
        return "days_61_90"
    return "over_90"


DSO_METHOD = (
    "Standard (period-based) DSO, per currency: DSO = receivables outstanding at the end "
    "of `as_of` / sales invoiced during the `days` days ending on `as_of` (inclusive) x `days`. "
    "Receivables outstanding are what was invoiced up to `as_of` less what payments dated up "
    "to `as_of` allocated to it (rejected payments do not count); cancelled and written-off "
    "invoices are left out of both terms. When nothing was invoiced in the period, dso is null."
)


def dso(receivables: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """Days sales outstanding, to one decimal place; None without sales in the period."""
    if sales <= 0:
        return None
    return (receivables / sales * days).quantize(Decimal("0.1"))

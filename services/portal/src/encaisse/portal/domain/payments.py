"""What a payment in the portal pays: the open balance of each invoice, in one currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from encaisse.portal.domain.refusals import Refused
from encaisse.portal.domain.statement import Invoice


@dataclass(frozen=True)
class Allocation:
    invoice_number: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentRequest:
    amount: Decimal
    currency: str
    allocations: tuple[Allocation, ...]


def payment_for(invoices: list[Invoice]) -> PaymentRequest:
    """Pay the open balance of each invoice; one payment is in one currency."""
    currencies = {i.currency for i in invoices}
    if len(currencies) != 1:
        raise Refused(
            "invoices", "currencies", "invoices in different currencies are paid separately"
        )
    allocations = tuple(Allocation(i.number, i.open_balance) for i in invoices)
    return PaymentRequest(
        sum((a.amount for a in allocations), Decimal("0")), currencies.pop(), allocations
    )

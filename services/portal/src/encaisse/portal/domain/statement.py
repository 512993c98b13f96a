"""What a debtor owes: open invoices, totals per currency, the invoices a form chose."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from encaisse.contracts.common import Position
from encaisse.portal.domain.refusals import Refused

PAYABLE = ("open", "partially_paid")
# A captured payment shows as "in progress" until the ledger's event lands.
PENDING_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class StatementCustomer:
    """The customer whose statement a debtor reads: the name shown, and how to show it."""

    name: str
    email: str | None
    language: str
    timezone: str


@dataclass(frozen=True)
class Invoice:
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    open_balance: Decimal
    currency: str
    status: str
    has_pdf: bool = False

    @property
    def payable(self) -> bool:
        return self.status in PAYABLE and self.open_balance > 0

    def days_overdue(self, today: date) -> int:
        return max(0, (today - self.due_date).days)


@dataclass(frozen=True)
class Notice:
    """A notice the scheduler posted, with the account statement it was sent with (the
    customer's position on its day, as the email or letter of the same step showed it)."""

    template: str
    invoice_numbers: tuple[str, ...]
    created_at: datetime
    position: Position | None = None


def totals_per_currency(invoices: list[Invoice]) -> dict[str, Decimal]:
    """What is still owed, per currency (amounts in different currencies are never added)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        if invoice.payable:
            totals[invoice.currency] += invoice.open_balance
    return dict(sorted(totals.items()))


def chosen(invoices: list[Invoice], numbers: list[str], field: str = "invoices") -> list[Invoice]:
    """The debtor's own payable invoices among ``numbers``; anything else is refused.

    An unknown number and another customer's number get the same answer.
    """
    if not numbers:
        raise Refused(field, "choose_one", "choose at least one invoice")
    by_number = {i.number: i for i in invoices if i.payable}
    missing = [n for n in numbers if n not in by_number]
    if missing:
        raise Refused(field, "not_open", "an invoice chosen is not open on this account")
    return [by_number[n] for n in dict.fromkeys(numbers)]

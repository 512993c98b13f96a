"""The portal's business rules, pure: no I/O, tested without a database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import filetype

from encaisse.kit.errors import DomainError

PAYABLE = ("open", "partially_paid")
ATTACHMENT_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp")
MIN_INSTALMENTS, MAX_INSTALMENTS = 2, 24


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
        raise DomainError(field, "choose at least one invoice")
    by_number = {i.number: i for i in invoices if i.payable}
    missing = [n for n in numbers if n not in by_number]
    if missing:
        raise DomainError(field, "an invoice chosen is not open on this account")
    return [by_number[n] for n in dict.fromkeys(numbers)]


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
        raise DomainError("invoices", "invoices in different currencies are paid separately")
    allocations = tuple(Allocation(i.number, i.open_balance) for i in invoices)
    return PaymentRequest(sum((a.amount for a in allocations), Decimal("0")),
                          currencies.pop(), allocations)


def check_promise_date(promised: date, today: date, max_days: int) -> date:
    if promised < today:
        raise DomainError("promised_date", "the date must be today or later")
    if promised > today + timedelta(days=max_days):
        raise DomainError("promised_date", f"the date must be within {max_days} days")
    return promised


def check_instalments(count: int) -> int:
    if not MIN_INSTALMENTS <= count <= MAX_INSTALMENTS:
        raise DomainError("instalments",
                          f"between {MIN_INSTALMENTS} and {MAX_INSTALMENTS} instalments")
    return count


def attachment_type(content: bytes, max_bytes: int) -> str:
    """The attachment's type from its content (not its name or declared type)."""
    if len(content) > max_bytes:
        raise DomainError("attachment", f"the file is larger than {max_bytes // (1024 * 1024)} MB")
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ATTACHMENT_TYPES:
        raise DomainError("attachment", "the file must be a PDF or an image")
    return kind.mime

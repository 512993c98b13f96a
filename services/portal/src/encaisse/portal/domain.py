"""The portal's business rules, pure: no I/O, tested without a database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import filetype

from encaisse.kit.failures import DomainError

PAYABLE = ("open", "partially_paid")
ATTACHMENT_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp")
MIN_INSTALMENTS, MAX_INSTALMENTS = 2, 24


class Refused(DomainError):
    """A rule refused the debtor's input: ``kind`` names the words shown (see ``i18n``)."""

    def __init__(self, field: str, kind: str, message: str, **params: object) -> None:
        super().__init__(field, message, kind)
        self.params = params


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
        raise Refused(field, "choose_one", "choose at least one invoice")
    by_number = {i.number: i for i in invoices if i.payable}
    missing = [n for n in numbers if n not in by_number]
    if missing:
        raise Refused(field, "not_open", "an invoice chosen is not open on this account")
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
        raise Refused(
            "invoices", "currencies", "invoices in different currencies are paid separately"
        )
    allocations = tuple(Allocation(i.number, i.open_balance) for i in invoices)
    return PaymentRequest(
        sum((a.amount for a in allocations), Decimal("0")), currencies.pop(), allocations
    )


def check_promise_date(promised: date, today: date, max_days: int) -> date:
    if promised < today:
        raise Refused("promised_date", "past_date", "the date must be today or later")
    if promised > today + timedelta(days=max_days):
        raise Refused(
            "promised_date", "too_late", f"the date must be within {max_days} days", days=max_days
        )
    return promised


def check_instalments(text: str) -> int:
    """The number of instalments the debtor typed, within the limits."""
    count = int(text) if text.strip().isdigit() else 0
    if not MIN_INSTALMENTS <= count <= MAX_INSTALMENTS:
        raise Refused(
            "instalments",
            "instalments",
            f"between {MIN_INSTALMENTS} and {MAX_INSTALMENTS} instalments",
            low=MIN_INSTALMENTS,
            high=MAX_INSTALMENTS,
        )
    return count


def dispute_message(text: str) -> str:
    """What is wrong, in the debtor's words: a dispute without one cannot be handled."""
    if not text.strip():
        raise Refused("message", "message_missing", "tell us what is wrong")
    return text.strip()


def attachment_type(content: bytes, max_bytes: int) -> str:
    """The attachment's type from its content (not its name or declared type)."""
    if len(content) > max_bytes:
        mb = max_bytes // (1024 * 1024)
        raise Refused("attachment", "too_big", f"the file is larger than {mb} MB", mb=mb)
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ATTACHMENT_TYPES:
        raise Refused("attachment", "file_type", "the file must be a PDF or an image")
    return str(kind.mime)

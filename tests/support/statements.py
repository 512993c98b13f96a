"""Lines of a customer's position (the account statement) for the tests of its rendering."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from encaisse.contracts import Money
from encaisse.contracts.common import PositionLine


def position_line(
    number: str, due: date, days_overdue: int, balance: str, currency: str = "EUR"
) -> PositionLine:
    """An invoice of 5 January whose amount is still all open."""
    money = Money(amount=Decimal(balance), currency=currency)
    return PositionLine(
        invoice_number=number,
        issue_date=date(2026, 1, 5),
        due_date=due,
        amount=money,
        open_balance=money,
        days_overdue=days_overdue,
    )

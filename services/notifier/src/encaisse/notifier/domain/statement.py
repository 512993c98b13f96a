"""The account statement ("relevé de compte") a message shows: the customer's whole position
on a day, formatted for the debtor. Pure, no I/O.

The scheduler sends the position (``encaisse.contracts.common.Position``): every overdue
invoice with its days overdue, the invoices soon due, and totals per currency. The
notifier does not recompute the totals: they are the scheduler's (which will count credit
notes and payments on account once the ledger sends them), printed as they come, one per
currency, never summed across currencies. The lines keep the scheduler's order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from babel import Locale
from babel.dates import format_date

from encaisse.contracts.base import Money
from encaisse.contracts.common import Position, PositionLine
from encaisse.kit.money import format_money


def _row(line: PositionLine, locale: Locale) -> dict[str, Any]:
    return {
        "number": line.invoice_number,
        "issue_date": format_date(line.issue_date, "short", locale=locale),
        "due_date": format_date(line.due_date, "short", locale=locale),
        "amount": format_money(line.amount.amount, line.amount.currency, locale),
        "open_balance": format_money(line.open_balance.amount, line.open_balance.currency, locale),
        "currency": line.open_balance.currency,
        # overdue: how late; soon due: minus the days until the due date (0: due today).
        # The words ("16 jours de retard") are the layouts', in the template's language.
        "days_overdue": line.days_overdue,
    }


def _totals(totals: Iterable[Money], locale: Locale) -> list[dict[str, str]]:
    return [
        {"currency": m.currency, "amount": format_money(m.amount, m.currency, locale)}
        for m in totals
    ]


def statement_context(position: Position | None, locale: Locale) -> dict[str, Any] | None:
    """What the layouts print of a position, or None without one, or with no invoice in it
    (the layouts then print the command's invoices, as before positions existed)."""
    if position is None or not (position.overdue or position.soon_due):
        return None
    return {
        "as_of": format_date(position.as_of, "long", locale=locale),
        "overdue": [_row(line, locale) for line in position.overdue],
        "soon_due": [_row(line, locale) for line in position.soon_due],
        "overdue_totals": _totals(position.overdue_totals, locale),
        "outstanding_totals": _totals(position.outstanding_totals, locale),
    }

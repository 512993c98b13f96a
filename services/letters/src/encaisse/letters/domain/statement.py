"""The account statement a letter prints: the customer's whole position on a day (the
scheduler's ``Position``), formatted for the letter's reader. Pure.

- A simple letter prints the position in place of its list of invoices: the overdue
  invoices with their days overdue and the overdue totals per currency, then the invoices
  soon due, then the total outstanding per currency. The totals are the scheduler's,
  printed as they come (one per currency, never summed across currencies).
- A formal notice keeps its table of the invoices it demands, with penalties and indemnity
  on each; the position's other invoices, overdue or not yet due, follow "for
  information" under their own title: not demanded, no penalties, their open balance
  summed per currency.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import Any

from encaisse.contracts.base import Money
from encaisse.contracts.common import Position, PositionLine
from encaisse.letters.domain.formats import money, short_date
from encaisse.letters.domain.tables import InvoiceTable, Section
from encaisse.letters.domain.templates import Labels


def _when(line: PositionLine, labels: Labels) -> str:
    """Days overdue as a number, or, for an invoice not yet due, the days left."""
    if line.days_overdue > 0:
        return str(line.days_overdue)
    return labels.due_in.format(days=-line.days_overdue) if line.days_overdue else labels.today


def _rows(
    lines: Iterable[PositionLine], labels: Labels, locale: str
) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            line.invoice_number,
            short_date(line.issue_date, locale),
            short_date(line.due_date, locale),
            money(line.amount.amount, line.amount.currency, locale),
            money(line.open_balance.amount, line.open_balance.currency, locale),
            _when(line, labels),
        )
        for line in lines
    )


def _header(labels: Labels) -> tuple[str, ...]:
    return (labels.invoice, labels.issued, labels.due, labels.amount, labels.open_balance)


def _totals(label: str, totals: Iterable[Money], locale: str) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (f"{label} ({m.currency})", "", "", "", money(m.amount, m.currency, locale), "")
        for m in totals
    )


def joined(totals: Iterable[Money], locale: str) -> str:
    """Totals in several currencies, side by side: ``1 099,99 € + 250,00 $US``."""
    return " + ".join(money(m.amount, m.currency, locale) for m in totals)


def overdue_table(position: Position, labels: Labels, locale: str) -> InvoiceTable:
    """A simple letter's main table: the overdue invoices and the overdue totals."""
    return InvoiceTable(
        (*_header(labels), labels.days_late),
        _rows(position.overdue, labels, locale),
        _totals(labels.overdue_total, position.overdue_totals, locale),
        numeric_from=3,
    )


def soon_due_section(position: Position, labels: Labels, locale: str) -> Section | None:
    if not position.soon_due:
        return None
    table = InvoiceTable(
        (*_header(labels), labels.due_in_header),
        _rows(position.soon_due, labels, locale),
        (),
        numeric_from=3,
    )
    return Section(labels.soon_due, table)


def _per_currency(lines: Iterable[PositionLine]) -> list[Money]:
    sums: dict[str, Decimal] = {}
    for line in lines:
        balance = line.open_balance
        sums[balance.currency] = sums.get(balance.currency, Decimal(0)) + balance.amount
    return [Money(amount=v, currency=c) for c, v in sorted(sums.items())]


def not_demanded(position: Position, demanded: Collection[str]) -> list[PositionLine]:
    """The position's invoices, overdue then soon due, that a formal notice does not name."""
    return [
        line
        for line in (*position.overdue, *position.soon_due)
        if line.invoice_number not in demanded
    ]


def also_outstanding_section(
    position: Position, demanded: Collection[str], labels: Labels, locale: str
) -> Section | None:
    others = not_demanded(position, demanded)
    if not others:
        return None
    table = InvoiceTable(
        (*_header(labels), labels.days_late),
        _rows(others, labels, locale),
        _totals(labels.total, _per_currency(others), locale),
        numeric_from=3,
    )
    return Section(labels.also_outstanding, table)


def _line_summary(line: PositionLine, locale: str) -> dict[str, Any]:
    return {
        "number": line.invoice_number,
        "open_balance": str(line.open_balance.amount),
        "currency": line.open_balance.currency,
        "days_overdue": line.days_overdue,
        "printed": {
            "amount": money(line.amount.amount, line.amount.currency, locale),
            "open_balance": money(line.open_balance.amount, line.open_balance.currency, locale),
        },
    }


def _totals_summary(totals: Iterable[Money], locale: str) -> dict[str, Any]:
    totals = list(totals)
    return {
        "amounts": {m.currency: str(m.amount) for m in totals},
        "printed": [money(m.amount, m.currency, locale) for m in totals],
    }


def statement_summary(position: Position, locale: str) -> dict[str, Any]:
    """The statement a simple letter printed, kept with it as evidence."""
    return {
        "as_of": position.as_of.isoformat(),
        "invoices": [_line_summary(line, locale) for line in position.overdue],
        "soon_due": [_line_summary(line, locale) for line in position.soon_due],
        "overdue_totals": _totals_summary(position.overdue_totals, locale),
        "outstanding_totals": _totals_summary(position.outstanding_totals, locale),
    }


def also_outstanding_summary(
    position: Position, demanded: Collection[str], locale: str
) -> list[dict[str, Any]]:
    """A formal notice's other outstanding invoices, as printed for information only."""
    return [_line_summary(line, locale) for line in not_demanded(position, demanded)]

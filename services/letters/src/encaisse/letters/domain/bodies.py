"""The tables of a letter and what they claim: a formal notice's invoices with penalties and
indemnity (and the position's others, for information), or a simple letter's account
statement (or, without a position, the command's invoices). Pure; ``compose`` puts them in
the letter."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from encaisse.contracts.letters import FormalNotice, SendLetter
from encaisse.letters.domain.formats import long_date, money, percent, short_date
from encaisse.letters.domain.penalties import (
    INDEMNITY_CURRENCY,
    NoticeAmounts,
    OverdueInvoice,
    Payment,
    notice_amounts,
)
from encaisse.letters.domain.rates import RateTable
from encaisse.letters.domain.statement import (
    also_outstanding_section,
    also_outstanding_summary,
    joined,
    overdue_table,
    soon_due_section,
    statement_summary,
)
from encaisse.letters.domain.tables import InvoiceTable, Section
from encaisse.letters.domain.templates import Labels


def _overdue(command: SendLetter) -> list[OverdueInvoice]:
    notice = command.formal_notice
    payments = notice.payments if notice else ()
    return [
        OverdueInvoice(
            line.invoice_number,
            line.due_date,
            line.open_balance.amount,
            line.open_balance.currency,
            tuple(
                Payment(p.paid_on, p.amount.amount)
                for p in payments
                if p.invoice_number == line.invoice_number
                and p.amount.currency == line.open_balance.currency
            ),
        )
        for line in command.invoices
    ]


def _claimed(amounts: NoticeAmounts, locale: str) -> str:
    indemnity = {INDEMNITY_CURRENCY} if amounts.indemnity else set()
    currencies = sorted(set(amounts.totals) | indemnity)
    return " + ".join(money(amounts.grand_total(c), c, locale) for c in currencies)


def _notice_table(amounts: NoticeAmounts, labels: Labels, locale: str) -> InvoiceTable:
    rows = tuple(
        (
            line.invoice.number,
            short_date(line.invoice.due_date, locale),
            money(line.invoice.open_balance, line.invoice.currency, locale),
            str(line.days_late),
            " / ".join(percent(r, locale) for r in line.rates) or "-",
            money(line.penalty, line.invoice.currency, locale),
            money(line.indemnity, INDEMNITY_CURRENCY, locale),
        )
        for line in amounts.lines
    )
    totals = tuple(
        (
            labels.total,
            "",
            money(t.principal, c, locale),
            "",
            "",
            money(t.penalties, c, locale),
            money(amounts.indemnity, INDEMNITY_CURRENCY, locale) if c == INDEMNITY_CURRENCY else "",
        )
        for c, t in sorted(amounts.totals.items())
    )
    header = (
        labels.invoice,
        labels.due,
        labels.principal,
        labels.days_late,
        labels.rate,
        labels.penalties,
        labels.indemnity,
    )
    return InvoiceTable(header, rows, totals, numeric_from=2)


def _statement_table(command: SendLetter, labels: Labels, locale: str) -> InvoiceTable:
    rows = tuple(
        (
            i.invoice_number,
            short_date(i.issue_date, locale),
            short_date(i.due_date, locale),
            money(i.amount.amount, i.amount.currency, locale),
            money(i.open_balance.amount, i.open_balance.currency, locale),
        )
        for i in command.invoices
    )
    by_currency: dict[str, Decimal] = {}
    for i in command.invoices:
        by_currency[i.open_balance.currency] = (
            by_currency.get(i.open_balance.currency, Decimal(0)) + i.open_balance.amount
        )
    totals = tuple(
        (labels.total, "", "", "", money(v, c, locale)) for c, v in sorted(by_currency.items())
    )
    header = (labels.invoice, labels.issued, labels.due, labels.amount, labels.open_balance)
    return InvoiceTable(header, rows, totals, numeric_from=3)


def _summary(
    command: SendLetter, amounts: NoticeAmounts | None, total: str, locale: str
) -> dict[str, Any]:
    """The invoices and totals, as numbers and, under ``printed``, as the letter prints them
    (the evidence of what was claimed)."""
    if amounts is None:
        return {
            "invoices": [
                {
                    "number": i.invoice_number,
                    "open_balance": str(i.open_balance.amount),
                    "currency": i.open_balance.currency,
                    "printed": {
                        "amount": money(i.amount.amount, i.amount.currency, locale),
                        "open_balance": money(
                            i.open_balance.amount, i.open_balance.currency, locale
                        ),
                    },
                }
                for i in command.invoices
            ],
            "printed_total": total,
        }
    return {
        "invoices": [
            {
                "number": x.invoice.number,
                "open_balance": str(x.invoice.open_balance),
                "currency": x.invoice.currency,
                "days_late": x.days_late,
                "penalty": str(x.penalty),
                "indemnity": str(x.indemnity),
                "printed": {
                    "open_balance": money(x.invoice.open_balance, x.invoice.currency, locale),
                    "penalty": money(x.penalty, x.invoice.currency, locale),
                    "indemnity": money(x.indemnity, INDEMNITY_CURRENCY, locale),
                },
            }
            for x in amounts.lines
        ],
        "indemnity": str(amounts.indemnity),
        "totals": {
            c: str(amounts.grand_total(c))
            for c in sorted(set(amounts.totals) | {INDEMNITY_CURRENCY})
            if amounts.grand_total(c)
        },
        "printed_total": total,
    }


@dataclass(frozen=True)
class Body:
    """The tables of a letter and what they total."""

    table: InvoiceTable
    total: str  # what the letter claims, as printed
    sections: tuple[Section, ...]
    after_sections: tuple[str, ...]
    summary: dict[str, Any]


def notice_body(
    command: SendLetter, notice: FormalNotice, rates: RateTable, labels: Labels, locale: str
) -> Body:
    """The invoices demanded, with penalties and indemnity; the position's others after them,
    for information only."""
    amounts = notice_amounts(
        _overdue(command),
        notice.penalties_computed_on,
        rates,
        business=notice.business_customer,
        contract_rate=notice.contract_rate,
    )
    total = _claimed(amounts, locale)
    summary = _summary(command, amounts, total, locale)
    sections: tuple[Section, ...] = ()
    position = command.position
    if position is not None:
        demanded = {i.invoice_number for i in command.invoices}
        others = also_outstanding_section(position, demanded, labels, locale)
        sections = (others,) if others else ()
        summary["also_outstanding"] = also_outstanding_summary(position, demanded, locale)
    return Body(_notice_table(amounts, labels, locale), total, sections, (), summary)


def letter_body(command: SendLetter, labels: Labels, locale: str) -> Body:
    """The account statement when the command carries a position with overdue invoices,
    else the command's invoices."""
    position = command.position
    if position is None or not position.overdue:
        table = _statement_table(command, labels, locale)
        total = " + ".join(row[-1] for row in table.totals)
        return Body(table, total, (), (), _summary(command, None, total, locale))
    total = joined(position.overdue_totals, locale)
    soon = soon_due_section(position, labels, locale)
    outstanding = labels.outstanding.format(
        date=long_date(position.as_of, labels), total=joined(position.outstanding_totals, locale)
    )
    return Body(
        overdue_table(position, labels, locale),
        total,
        (soon,) if soon else (),
        (outstanding,),
        statement_summary(position, locale) | {"printed_total": total},
    )

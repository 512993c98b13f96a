"""What a letter says: from a ``SendLetter`` command to the texts and tables to print. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from encaisse.contracts.letters import LetterKind, SendLetter
from encaisse.letters.domain.penalties import (
    INDEMNITY_CURRENCY,
    NoticeAmounts,
    OverdueInvoice,
    Payment,
    notice_amounts,
)
from encaisse.letters.domain.rates import RateTable
from encaisse.letters.templates import Labels, template


@dataclass(frozen=True)
class Sender:
    name: str
    lines: tuple[str, ...]
    postal_code: str
    city: str
    country: str
    legal: str


@dataclass(frozen=True)
class InvoiceTable:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[tuple[str, ...], ...]
    numeric_from: int  # columns from this index on are right-aligned


@dataclass(frozen=True)
class LetterContent:
    language: str
    labels: Labels
    registered: bool
    sender: Sender
    recipient: tuple[str, ...]
    place_date: str
    reference: str
    subject: str
    salutation: str
    before_table: tuple[str, ...]
    table: InvoiceTable
    after_table: tuple[str, ...]
    portal_url: str | None
    portal_line: str | None
    closing: str
    summary: dict[str, Any]  # amounts as printed, kept with the letter


def money(amount: Decimal, currency: str, language: str) -> str:
    text = f"{amount:,.2f}"
    if language == "fr":
        return text.replace(",", " ").replace(".", ",") + f" {currency}"
    return f"{currency} {text}"


def percent(rate: Decimal, language: str) -> str:
    text = f"{rate:.2f}"
    return (text.replace(".", ",") + " %") if language == "fr" else text + "%"


def long_date(day: date, labels: Labels) -> str:
    return f"{day.day} {labels.months[day.month - 1]} {day.year}"


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


def _claimed(amounts: NoticeAmounts, language: str) -> str:
    indemnity = {INDEMNITY_CURRENCY} if amounts.indemnity else set()
    currencies = sorted(set(amounts.totals) | indemnity)
    return " + ".join(money(amounts.grand_total(c), c, language) for c in currencies)


def _notice_table(amounts: NoticeAmounts, labels: Labels, lang: str) -> InvoiceTable:
    rows = tuple(
        (
            line.invoice.number,
            line.invoice.due_date.strftime("%d/%m/%Y"),
            money(line.invoice.open_balance, line.invoice.currency, lang),
            str(line.days_late),
            " / ".join(percent(r, lang) for r in line.rates) or "-",
            money(line.penalty, line.invoice.currency, lang),
            money(line.indemnity, INDEMNITY_CURRENCY, lang),
        )
        for line in amounts.lines
    )
    totals = tuple(
        (
            labels.total,
            "",
            money(t.principal, c, lang),
            "",
            "",
            money(t.penalties, c, lang),
            money(amounts.indemnity, INDEMNITY_CURRENCY, lang) if c == INDEMNITY_CURRENCY else "",
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


def _statement_table(command: SendLetter, labels: Labels, lang: str) -> InvoiceTable:
    rows = tuple(
        (
            i.invoice_number,
            i.issue_date.strftime("%d/%m/%Y"),
            i.due_date.strftime("%d/%m/%Y"),
            money(i.amount.amount, i.amount.currency, lang),
            money(i.open_balance.amount, i.open_balance.currency, lang),
        )
        for i in command.invoices
    )
    by_currency: dict[str, Decimal] = {}
    for i in command.invoices:
        by_currency[i.open_balance.currency] = (
            by_currency.get(i.open_balance.currency, Decimal(0)) + i.open_balance.amount
        )
    totals = tuple(
        (labels.total, "", "", "", money(v, c, lang)) for c, v in sorted(by_currency.items())
    )
    header = (labels.invoice, labels.issued, labels.due, labels.amount, labels.open_balance)
    return InvoiceTable(header, rows, totals, numeric_from=3)


def _summary(command: SendLetter, amounts: NoticeAmounts | None) -> dict[str, Any]:
    if amounts is None:
        return {
            "invoices": [
                {
                    "number": i.invoice_number,
                    "open_balance": str(i.open_balance.amount),
                    "currency": i.open_balance.currency,
                }
                for i in command.invoices
            ]
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
            }
            for x in amounts.lines
        ],
        "indemnity": str(amounts.indemnity),
        "totals": {
            c: str(amounts.grand_total(c))
            for c in sorted(set(amounts.totals) | {INDEMNITY_CURRENCY})
            if amounts.grand_total(c)
        },
    }


def compose(
    command: SendLetter,
    recipient: tuple[str, ...],
    sender: Sender,
    *,
    today: date,
    reference: str,
    portal_url: str | None,
    rates: RateTable,
) -> LetterContent:
    """The letter's content; ``UnknownTemplate`` or ``MissingRate`` when it cannot be said."""
    text, labels, lang = template(command.template, command.debtor.language)
    notice = command.formal_notice
    amounts = None
    if notice is not None:
        amounts = notice_amounts(
            _overdue(command),
            notice.penalties_computed_on,
            rates,
            business=notice.business_customer,
            contract_rate=notice.contract_rate,
        )
        table = _notice_table(amounts, labels, lang)
        total = _claimed(amounts, lang)
    else:
        table = _statement_table(command, labels, lang)
        total = " + ".join(row[-1] for row in table.totals)
    fields = {
        "total": total,
        "portal_url": portal_url or "",
        "deadline": long_date(notice.payment_deadline, labels) if notice else "",
        "computed_on": long_date(notice.penalties_computed_on, labels) if notice else "",
    }
    after = []
    if notice is not None:
        after.append(text.penalties if notice.business_customer else text.interest)
    after.append(text.consequence)
    return LetterContent(
        language=lang,
        labels=labels,
        registered=command.kind is LetterKind.REGISTERED,
        sender=sender,
        recipient=recipient,
        place_date=labels.place_date.format(city=sender.city, date=long_date(today, labels)),
        reference=reference,
        subject=text.subject,
        salutation=text.salutation,
        before_table=(text.opening.format(**fields),),
        table=table,
        after_table=tuple(p.format(**fields) for p in after if p),
        portal_url=portal_url,
        portal_line=text.portal.format(**fields) if portal_url else None,
        closing=text.closing,
        summary=_summary(command, amounts),
    )

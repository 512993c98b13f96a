"""What a template reads, formatted for the debtor: pure, no I/O, the day as a parameter.

``message_context`` gives the variables of a message (the invoice table, the totals per
currency, the account statement of ``statement.py`` when the command carries a position,
the day, the signed portal link already made); amounts go through
``encaisse.kit.money.format_money`` (the one formatter: each currency's own decimals) and
dates through babel, in the debtor's language and country. ``encaisse.notifier.rendering``
renders the templates with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from encaisse.contracts.common import Debtor, InvoiceLine, PaymentLine, Position
from encaisse.kit.money import format_money
from encaisse.notifier.domain.statement import statement_context

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "lang": "fr",
        "invoices_concerned": "Factures concernées :",
        "invoice": "Facture",
        "date": "Date",
        "due_date": "Échéance",
        "amount": "Montant",
        "open_balance": "Reste dû",
        "total": "Total",
        "colon": " :",
        "portal": "Consultez votre relevé, payez ou signalez un litige depuis votre espace :",
        "portal_button": "Accéder à mon espace",
        "regards": "Cordialement,",
        "statement": "Relevé de compte au",
        "overdue_invoices": "Factures échues",
        "soon_due_invoices": "Factures à échoir",
        "delay": "Retard",
        "due_in_header": "Échéance dans",
        "overdue_total": "Total échu",
        "outstanding_total": "Total restant dû",
        "day": "%d jour",
        "days": "%d jours",
        "late": "%s de retard",
        "due_in": "échéance dans %s",
        "due_today": "échéance aujourd'hui",
        "today": "aujourd'hui",
    },
    "en": {
        "lang": "en",
        "invoices_concerned": "Invoices concerned:",
        "invoice": "Invoice",
        "date": "Date",
        "due_date": "Due date",
        "amount": "Amount",
        "open_balance": "Open balance",
        "total": "Total",
        "colon": ":",
        "portal": "See your statement, pay or raise a dispute from your portal:",
        "portal_button": "Go to my portal",
        "regards": "Kind regards,",
        "statement": "Account statement as of",
        "overdue_invoices": "Overdue invoices",
        "soon_due_invoices": "Invoices coming due",
        "delay": "Overdue",
        "due_in_header": "Due in",
        "overdue_total": "Total overdue",
        "outstanding_total": "Total outstanding",
        "day": "%d day",
        "days": "%d days",
        "late": "%s overdue",
        "due_in": "due in %s",
        "due_today": "due today",
        "today": "today",
    },
}


def base_language(tag: str) -> str:
    return tag.replace("-", "_").split("_")[0].lower() or "fr"


def locale_for(language: str, country: str) -> Locale:
    """The recipient's locale: language and country (en_FR exists), else the language alone."""
    lang = base_language(language)
    for candidate in (f"{lang}_{country}", lang):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def invoice_rows(invoices: Iterable[InvoiceLine], locale: Locale) -> list[dict[str, Any]]:
    return [
        {
            "number": inv.invoice_number,
            "issue_date": format_date(inv.issue_date, "short", locale=locale),
            "due_date": format_date(inv.due_date, "short", locale=locale),
            "amount": format_money(inv.amount.amount, inv.amount.currency, locale),
            "open_balance": format_money(
                inv.open_balance.amount, inv.open_balance.currency, locale
            ),
            "currency": inv.amount.currency,
            "pdf_url": inv.pdf_url,
        }
        for inv in invoices
    ]


def totals_by_currency(invoices: Iterable[InvoiceLine]) -> dict[str, tuple[Decimal, Decimal]]:
    """Sum of amounts and of open balances, per currency (never mixed)."""
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for inv in invoices:
        for money, index in ((inv.amount, 0), (inv.open_balance, 1)):
            pair = list(totals.get(money.currency, (Decimal(0), Decimal(0))))
            pair[index] += money.amount
            totals[money.currency] = (pair[0], pair[1])
    return dict(sorted(totals.items()))


def message_context(
    *,
    tenant: str,
    debtor: Debtor,
    invoices: Iterable[InvoiceLine],
    language: str,
    portal_link: str | None,
    context: Mapping[str, str],
    sender_name: str,
    today: date,
    step: str | None = None,
    payments: Iterable[PaymentLine] = (),
    position: Position | None = None,
) -> dict[str, Any]:
    """The variables of a message. ``payments``: those a thank-you lists (reference, date,
    amount, in the locale). With a ``position`` the layouts print the account statement
    (``statement``) in place of the table of ``invoices``."""
    invoices = list(invoices)
    locale = locale_for(language, debtor.country)
    return {
        "labels": LABELS.get(language, LABELS["en"]),
        "debtor": {"name": debtor.name, "customer_ref": debtor.customer_ref},
        "tenant": tenant,
        "invoices": invoice_rows(invoices, locale),
        "totals": [
            {
                "currency": cur,
                "amount": format_money(amount, cur, locale),
                "open_balance": format_money(balance, cur, locale),
            }
            for cur, (amount, balance) in totals_by_currency(invoices).items()
        ],
        "statement": statement_context(position, locale),
        "portal_link": portal_link,
        "context": dict(context),
        "sender_name": sender_name,
        "today": format_date(today, "long", locale=locale),
        "step": step or "",
        "locale": str(locale),
        "payments": [
            {
                "reference": p.payment_ref,
                "paid_on": format_date(p.paid_on, "long", locale=locale),
                "amount": format_money(p.amount.amount, p.amount.currency, locale),
            }
            for p in payments
        ],
    }

"""Amounts as they leave an API, at their currency's precision (ISO 4217 minor units), and
as people read them (``format_money``: the one formatter of emails, the portal and letters).

A service may keep more decimals than the currency has (the scheduler's columns are
``numeric(18, 4)``); an API answers ``"3000.00"`` for EUR, ``"500"`` for JPY and
``"1234.567"`` for KWD, as the ledger does, never ``"3000.0000"``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from babel import Locale
from babel.numbers import format_currency, get_currency_precision


def at_precision(amount: Decimal, currency: str) -> Decimal:
    """``amount`` with exactly its currency's number of decimals (an unknown code: two)."""
    return amount.quantize(
        Decimal(1).scaleb(-get_currency_precision(currency)), rounding=ROUND_HALF_EVEN
    )


def format_money(amount: Decimal, currency: str, locale: str | Locale) -> str:
    """``amount`` as a reader of ``locale`` writes it, with its currency's decimals:
    ``1 234,567 KWD``, ``1 234 JPY`` (no decimals) and ``1 234,50 €`` in French,
    ``KWD1,234.567``, ``¥1,234`` and ``€1,234.50`` in English. Babel's French group
    separator is a narrow no-break space (U+202F): a renderer whose fonts lack that
    glyph replaces it; the formatter does not."""
    return format_currency(amount, currency, locale=locale, currency_digits=True)

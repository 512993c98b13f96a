"""Amounts as they leave an API: at their currency's precision (ISO 4217 minor units).

A service may keep more decimals than the currency has (the scheduler's columns are
``numeric(18, 4)``); an API answers ``"3000.00"`` for EUR, ``"500"`` for JPY and
``"1234.567"`` for KWD, as the ledger does, never ``"3000.0000"``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import get_currency_precision


def at_precision(amount: Decimal, currency: str) -> Decimal:
    """``amount`` with exactly its currency's number of decimals (an unknown code: two)."""
    return amount.quantize(
        Decimal(1).scaleb(-get_currency_precision(currency)), rounding=ROUND_HALF_EVEN
    )

"""The one money formatter: each currency with its own decimals, in the reader's language."""

from decimal import Decimal

import pytest

from encaisse.kit.money import format_money

NNBSP, NBSP = "\u202f", "\xa0"


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "text"),
    [
        ("1234.567", "KWD", "fr", f"1{NNBSP}234,567{NBSP}KWD"),
        ("1234.567", "KWD", "en", "KWD1,234.567"),
        ("1234", "JPY", "fr", f"1{NNBSP}234{NBSP}JPY"),
        ("1234", "JPY", "en", "¥1,234"),
        ("1234.5", "EUR", "fr", f"1{NNBSP}234,50{NBSP}€"),
        ("1234.5", "EUR", "en_GB", "€1,234.50"),
        ("1234.5", "EUR", "de_DE", f"1.234,50{NBSP}€"),
    ],
)
def test_an_amount_prints_with_its_currency_s_decimals(amount, currency, locale, text):
    assert format_money(Decimal(amount), currency, locale) == text

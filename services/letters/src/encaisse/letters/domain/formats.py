"""How a letter writes amounts, rates and dates: as a reader of its locale writes them
(babel; amounts through ``encaisse.kit.money.format_money``, the one formatter):
``1 234,567 KWD``, ``1 234 JPY``, ``1 234,50 €`` in French, ``KWD1,234.567``, ``¥1,234``,
``€1,234.50`` in English. Pure."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from encaisse.kit.money import format_money
from encaisse.letters.domain.templates import Labels


def letter_locale(language: str, template_language: str) -> str:
    """The reader's locale (BCP 47 ``en-GB`` -> ``en_GB``) when the letter is written in its
    language, else the template's: an English letter to a German reader writes English."""
    try:
        locale = Locale.parse(language, sep="-" if "-" in language else "_")
    except (ValueError, UnknownLocaleError):
        return template_language
    return str(locale) if locale.language == template_language else template_language


def money(amount: Decimal, currency: str, locale: str) -> str:
    """An amount with its currency's decimals, as ``locale`` writes it (the one formatter)."""
    return format_money(amount, currency, locale)


def percent(rate: Decimal, locale: str) -> str:
    """A rate in percent a year (``14.5``), with two decimals: ``14,50 %``, ``14.50%``."""
    where = Locale.parse(locale)
    pattern = copy.copy(where.percent_formats[None])
    pattern.frac_prec = (2, 2)
    text: str = pattern.apply(rate / 100, where)
    return text


def short_date(day: date, locale: str) -> str:
    """A date in a table: ``31/03/2024`` in French or British English, ``3/31/24`` in US."""
    return format_date(day, "short", locale=locale)


def long_date(day: date, labels: Labels) -> str:
    """A date in the text: ``10 juin 2024``, ``10 June 2024``."""
    return f"{day.day} {labels.months[day.month - 1]} {day.year}"

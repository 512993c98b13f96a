"""Checks of identifiers and codes, as pydantic-friendly functions (raise ValueError).

SIREN/SIRET through python-stdnum, phones through phonenumbers (stored E.164),
currencies against ISO 4217 and countries against ISO 3166-1 (pycountry).
"""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from functools import cache
from urllib.parse import urlsplit

import phonenumbers
import pycountry
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren, siret


@cache
def currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@cache
def countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def currency_code(value: str) -> str:
    if value not in currencies():
        raise ValueError(f"unknown currency {value!r} (ISO 4217 code expected, such as EUR)")
    return value


def country_code(value: str) -> str:
    code = value.upper()
    if code not in countries():
        raise ValueError(f"unknown country {value!r} (ISO 3166-1 alpha-2 code expected)")
    return code


def legal_id(value: str) -> str:
    """A SIREN (9 digits) or SIRET (14 digits) with a valid check digit, compacted."""
    compact = siren.compact(value)
    try:
        if len(compact) == 9:
            return siren.validate(compact)
        if len(compact) == 14:
            return siret.validate(compact)
    except StdnumError as exc:
        raise ValueError(f"invalid SIREN/SIRET: {exc}") from exc
    raise ValueError("a SIREN has 9 digits and a SIRET 14")


def e164_phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("phone must be in E.164 form, such as +33123456789") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def timezone_name(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (IANA name expected)") from exc
    return value


def document_url(value: str) -> str:
    """An invoice's document: an http(s) URL with a host and no credentials. Where the
    notifier and the portal may fetch from is theirs to decide (allowed origins)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "an http(s) URL with a host is expected, such as https://docs.example.com/F-1.pdf"
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError("a document URL carries no user name or password")
    return value


CENT = Decimal("0.01")


def positive_amount(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise ValueError("amount must be greater than zero")
    if value != value.quantize(CENT):
        raise ValueError("amount has more than 2 decimal places")
    if value >= Decimal("1e16"):
        raise ValueError("amount is too large")
    return value.quantize(CENT)

"""The recipient block for a window envelope, per the French standard NF Z10-011.

At most 6 lines of at most 38 characters: the recipient's name, the street
lines, then postal code and city on the last line before the country; the
country line only for a letter leaving the sender's country. La Poste asks for
the last lines in capitals without accents, so they are printed that way. An
address that cannot be printed so is refused with every reason, never cut.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_LINES = 6
MAX_CHARS = 38

COUNTRY_NAMES = {  # as La Poste prints them, in French capitals
    "AT": "AUTRICHE",
    "BE": "BELGIQUE",
    "BG": "BULGARIE",
    "CH": "SUISSE",
    "CY": "CHYPRE",
    "CZ": "TCHEQUIE",
    "DE": "ALLEMAGNE",
    "DK": "DANEMARK",
    "EE": "ESTONIE",
    "ES": "ESPAGNE",
    "FI": "FINLANDE",
    "FR": "FRANCE",
    "GB": "ROYAUME-UNI",
    "GR": "GRECE",
    "HR": "CROATIE",
    "HU": "HONGRIE",
    "IE": "IRLANDE",
    "IT": "ITALIE",
    "LT": "LITUANIE",
    "LU": "LUXEMBOURG",
    "LV": "LETTONIE",
    "MA": "MAROC",
    "MC": "MONACO",
    "MT": "MALTE",
    "NL": "PAYS-BAS",
    "NO": "NORVEGE",
    "PL": "POLOGNE",
    "PT": "PORTUGAL",
    "RO": "ROUMANIE",
    "SE": "SUEDE",
    "SI": "SLOVENIE",
    "SK": "SLOVAQUIE",
    "TN": "TUNISIE",
    "US": "ETATS-UNIS",
    "CA": "CANADA",
}
_FRENCH_POSTAL_CODE = re.compile(r"^[0-9]{5}$")


class AddressInvalid(ValueError):
    """The address cannot be printed in the window as the norm says."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class AddressBlock:
    lines: tuple[str, ...]


def plain_capitals(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _clean(text: str) -> str:
    return " ".join(text.split())


def address_block(
    name: str,
    street_lines: tuple[str, ...],
    postal_code: str,
    city: str,
    country: str,
    *,
    sender_country: str = "FR",
) -> AddressBlock:
    """The printed block, or ``AddressInvalid`` with every reason it cannot be printed."""
    reasons: list[str] = []
    street = [_clean(line) for line in street_lines if line.strip()]
    postal_code, city = _clean(postal_code), _clean(city)
    if not _clean(name):
        reasons.append("the recipient's name is empty")
    if not postal_code or not city:
        reasons.append("postal code and city are required")
    if country == "FR" and postal_code and not _FRENCH_POSTAL_CODE.match(postal_code):
        reasons.append(f"French postal code {postal_code!r} is not 5 digits")
    lines = [_clean(name), *street, plain_capitals(f"{postal_code} {city}")]
    if country != sender_country:
        if country not in COUNTRY_NAMES:
            reasons.append(f"country {country!r} has no known postal name")
        lines.append(COUNTRY_NAMES.get(country, country))
    if len(lines) > MAX_LINES:
        reasons.append(f"{len(lines)} lines, at most {MAX_LINES}")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_CHARS:
            reasons.append(f"line {number} has {len(line)} characters, at most {MAX_CHARS}")
    if reasons:
        raise AddressInvalid(reasons)
    return AddressBlock(tuple(lines))

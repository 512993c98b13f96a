"""Dated rates: the ECB main refinancing rate and the French legal interest rate.

The rates are data (CSV files under ``encaisse/letters/data``), not code. The
ECB rate is a step function of the date: a row applies from its date until the
next row. The legal interest rate is fixed per half-year; a half-year missing
from its file is unknown and computing with it is refused.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
LEGAL_POINTS = Decimal("10")  # points added to the ECB rate (Code de commerce L441-10)
FLOOR_FACTOR = Decimal("3")  # a contract rate may not be below 3 x the legal interest rate


class MissingRate(LookupError):
    """The data files do not cover a period: the amount cannot be computed, so nothing is sent."""


@dataclass(frozen=True, order=True)
class HalfYear:
    year: int
    half: int  # 1: January to June, 2: July to December

    @classmethod
    def of(cls, day: date) -> HalfYear:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        year, half = text.strip().split("-H")
        return cls(int(year), int(half))

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"


@dataclass(frozen=True)
class RateTable:
    ecb: tuple[tuple[date, Decimal], ...]  # (effective from, percent), sorted by date
    legal: Mapping[HalfYear, Decimal]

    def ecb_on(self, day: date) -> Decimal:
        index = bisect.bisect_right([d for d, _ in self.ecb], day)
        if index == 0:
            raise MissingRate(f"no ECB main refinancing rate known on {day.isoformat()}")
        return self.ecb[index - 1][1]

    def legal_for(self, half: HalfYear) -> Decimal:
        try:
            return self.legal[half]
        except KeyError:
            raise MissingRate(
                f"the legal interest rate for {half} is missing from legal_interest_rates.csv"
            ) from None

    def statutory_rate(self, half: HalfYear) -> Decimal:
        """ECB rate in force on the half-year's first day, plus 10 points."""
        return self.ecb_on(half.start) + LEGAL_POINTS

    def penalty_rate(self, half: HalfYear, contract_rate: Decimal | None) -> Decimal:
        """The annual rate in percent for a half-year: the contract's (floored) or the statutory."""
        if contract_rate is None:
            return self.statutory_rate(half)
        return max(contract_rate, FLOOR_FACTOR * self.legal_for(half))


def _rows(path: Path) -> Iterable[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        yield from csv.DictReader(line for line in handle if not line.startswith("#"))


def read_rates(directory: Path) -> RateTable:
    ecb = sorted(
        (date.fromisoformat(r["effective_from"]), Decimal(r["rate"]))
        for r in _rows(directory / "ecb_main_refinancing_rates.csv")
    )
    legal = {
        HalfYear.parse(r["half_year"]): Decimal(r["rate"])
        for r in _rows(directory / "legal_interest_rates.csv")
    }
    return RateTable(tuple(ecb), legal)


@cache
def bundled_rates() -> RateTable:
    """The rates shipped with the service."""
    return read_rates(DATA)

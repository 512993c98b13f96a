"""Late-payment penalties and the fixed recovery indemnity of a formal notice, exact to the cent.

Conventions (French B2B, Code de commerce L441-10):

- Penalties run without reminder from the day after the due date to the
  computation date, both included: ``computed_on - due_date`` days for an
  invoice still open. A payment stops penalties on the part it paid from the
  day after it: the payment day itself still bears penalties, as the
  computation date does.
- Day count: actual/365. Each day bears ``balance x annual rate / 365``, leap
  years included (366-day years are not used).
- Rate: the ECB main refinancing rate in force on 1 January (for January to
  June) or 1 July (for July to December), plus 10 points; the period is split
  at each half-year boundary. A rate in the customer's terms replaces it, but
  never below 3 times the legal interest rate of the half-year.
- Rounding: segments are computed exactly (``Decimal``, 28 digits) and summed
  per invoice; each invoice's penalty is rounded once, half up, to the cent.
  Totals are sums of the rounded per-invoice amounts, so the printed table adds up.
- Indemnity: 40 EUR per late invoice (L441-10 II, D441-5), business customers only.
  Consumers get neither penalties nor indemnity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from encaisse.letters.domain.rates import HalfYear, RateTable

CENT = Decimal("0.01")
DAYS_A_YEAR = Decimal(365)
INDEMNITY = Decimal("40.00")
INDEMNITY_CURRENCY = "EUR"


@dataclass(frozen=True)
class Payment:
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class OverdueInvoice:
    number: str
    due_date: date
    open_balance: Decimal
    currency: str
    payments: tuple[Payment, ...] = ()  # partial payments made since the due date


@dataclass(frozen=True)
class Segment:
    """Days of one balance at one rate: ``first`` to ``last`` included."""

    first: date
    last: date
    balance: Decimal
    rate: Decimal  # percent a year

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def amount(self) -> Decimal:
        return self.balance * self.rate / 100 * self.days / DAYS_A_YEAR


@dataclass(frozen=True)
class InvoicePenalty:
    invoice: OverdueInvoice
    days_late: int
    segments: tuple[Segment, ...]
    penalty: Decimal  # in the invoice's currency, rounded to the cent
    indemnity: Decimal  # in EUR

    @property
    def rates(self) -> tuple[Decimal, ...]:
        return tuple(dict.fromkeys(s.rate for s in self.segments))


@dataclass(frozen=True)
class Totals:
    principal: Decimal = Decimal("0.00")
    penalties: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class NoticeAmounts:
    lines: tuple[InvoicePenalty, ...]
    totals: dict[str, Totals] = field(default_factory=dict)  # by currency
    indemnity: Decimal = Decimal("0.00")  # in EUR

    def grand_total(self, currency: str) -> Decimal:
        totals = self.totals.get(currency, Totals())
        extra = self.indemnity if currency == INDEMNITY_CURRENCY else Decimal(0)
        return totals.principal + totals.penalties + extra


def _cut_points(invoice: OverdueInvoice, first: date, last: date) -> list[date]:
    """Days on which a new segment starts: half-year starts and the day after each payment."""
    points = {first}
    half = HalfYear.of(first)
    while True:
        half = HalfYear(half.year + half.half - 1, 2 if half.half == 1 else 1)
        if half.start > last:
            break
        points.add(half.start)
    for payment in invoice.payments:
        after = payment.paid_on + timedelta(days=1)
        if first < after <= last:
            points.add(after)
    return sorted(points)


def _balance_on(invoice: OverdueInvoice, day: date) -> Decimal:
    """What was still owed during ``day``: a payment counts from the day after it."""
    return invoice.open_balance + sum(
        (p.amount for p in invoice.payments if p.paid_on >= day), Decimal(0)
    )


def segments(
    invoice: OverdueInvoice,
    computed_on: date,
    rates: RateTable,
    contract_rate: Decimal | None = None,
) -> tuple[Segment, ...]:
    first, last = invoice.due_date + timedelta(days=1), computed_on
    if first > last:
        return ()
    starts = _cut_points(invoice, first, last)
    ends = [s - timedelta(days=1) for s in starts[1:]] + [last]
    result = []
    for start, end in zip(starts, ends, strict=True):
        balance = _balance_on(invoice, start)
        if balance > 0:
            rate = rates.penalty_rate(HalfYear.of(start), contract_rate)
            result.append(Segment(start, end, balance, rate))
    return tuple(result)


def invoice_penalty(
    invoice: OverdueInvoice,
    computed_on: date,
    rates: RateTable,
    *,
    business: bool,
    contract_rate: Decimal | None = None,
) -> InvoicePenalty:
    days_late = max(0, (computed_on - invoice.due_date).days)
    if not business or days_late == 0:
        return InvoicePenalty(invoice, days_late, (), Decimal("0.00"), Decimal("0.00"))
    parts = segments(invoice, computed_on, rates, contract_rate)
    exact = sum((s.amount for s in parts), Decimal(0))
    return InvoicePenalty(invoice, days_late, parts, exact.quantize(CENT, ROUND_HALF_UP), INDEMNITY)


def notice_amounts(
    invoices: Iterable[OverdueInvoice],
    computed_on: date,
    rates: RateTable,
    *,
    business: bool,
    contract_rate: Decimal | None = None,
) -> NoticeAmounts:
    lines = tuple(
        invoice_penalty(i, computed_on, rates, business=business, contract_rate=contract_rate)
        for i in invoices
    )
    return NoticeAmounts(lines, _totals(lines), sum((x.indemnity for x in lines), Decimal("0.00")))


def _totals(lines: Sequence[InvoicePenalty]) -> dict[str, Totals]:
    totals: dict[str, Totals] = {}
    for line in lines:
        current = totals.get(line.invoice.currency, Totals())
        totals[line.invoice.currency] = Totals(
            current.principal + line.invoice.open_balance, current.penalties + line.penalty
        )
    return totals

"""Receivables figures: aging buckets and days sales outstanding (the method stated)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

AGING_BUCKETS = ("not_due", "days_1_30", "days_31_60", "days_61_90", "over_90")


def aging_bucket(due_date: date, as_of: date) -> str:
    """Days past due on ``as_of``: not due (0 or less), 1-30, 31-60, 61-90, over 90."""
    late = (as_of - due_date).days
    if late <= 0:
        return "not_due"
    if late <= 30:
        return "days_1_30"
    if late <= 60:
        return "days_31_60"
    if late <= 90:
        return "days_61_90"
    return "over_90"


DSO_METHOD = (
    "Standard (period-based) DSO, per currency: DSO = receivables outstanding at the end "
    "of `as_of` / sales invoiced during the `days` days ending on `as_of` (inclusive) x `days`. "
    "Receivables outstanding are what was invoiced up to `as_of` less what payments dated up "
    "to `as_of` allocated to it (rejected payments do not count); cancelled and written-off "
    "invoices are left out of both terms. When nothing was invoiced in the period, dso is null."
)


def dso(receivables: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """Days sales outstanding, to one decimal place; None without sales in the period."""
    if sales <= 0:
        return None
    return (receivables / sales * days).quantize(Decimal("0.1"))

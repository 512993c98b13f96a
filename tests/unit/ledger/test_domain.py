"""The ledger's pure rules: statuses, oldest-first allocation, aging buckets, DSO."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from encaisse.ledger.domain import (
    OpenInvoice,
    aging_bucket,
    allocate_oldest_first,
    dso,
    status_for,
    unallocated,
)


def test_status_follows_the_open_balance():
    assert status_for(D("100"), D("100")) == "open"
    assert status_for(D("100"), D("0.01")) == "partially_paid"
    assert status_for(D("100"), D("0")) == "paid"


def test_oldest_due_first_then_issue_date_then_number():
    invoices = [
        OpenInvoice("B", date(2026, 3, 1), date(2026, 1, 1), D("50")),
        OpenInvoice("A", date(2026, 2, 1), date(2026, 1, 1), D("30")),
        OpenInvoice("C", date(2026, 3, 1), date(2025, 12, 1), D("40")),
    ]
    shares = allocate_oldest_first(D("100"), invoices)
    assert [(s.invoice_number, s.amount) for s in shares] == [
        ("A", D("30")),
        ("C", D("40")),
        ("B", D("30")),
    ]
    assert unallocated(D("100"), shares) == 0
    assert unallocated(D("500"), allocate_oldest_first(D("500"), invoices)) == D("380")


amounts = st.decimals(min_value=D("0.01"), max_value=D("10000"), places=2)


@given(st.lists(amounts, max_size=8), amounts)
def test_allocation_never_exceeds_the_payment_or_a_balance(balances, paid):
    invoices = [
        OpenInvoice(f"F{n}", date(2026, 1, 1 + n), date(2026, 1, 1), b)
        for n, b in enumerate(balances)
    ]
    shares = allocate_oldest_first(paid, invoices)
    assert sum(s.amount for s in shares) == min(paid, sum(balances, D(0)))
    by_number = {i.number: i.open_balance for i in invoices}
    assert all(0 < s.amount <= by_number[s.invoice_number] for s in shares)


def test_aging_buckets_by_days_past_due():
    as_of = date(2026, 6, 30)
    days = {
        0: "not_due",
        -5: "not_due",
        1: "days_1_30",
        30: "days_1_30",
        31: "days_31_60",
        60: "days_31_60",
        61: "days_61_90",
        90: "days_61_90",
        91: "over_90",
    }
    for late, bucket in days.items():
        assert aging_bucket(date.fromordinal(as_of.toordinal() - late), as_of) == bucket


def test_dso_is_receivables_over_sales_times_days():
    assert dso(D("1350"), D("600"), 90) == D("202.5")
    assert dso(D("10"), D("0"), 90) is None

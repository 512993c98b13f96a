"""Late-payment penalties, worked by hand, exact to the cent.

Statutory rates used (ECB main refinancing rate on 1 January / 1 July + 10 points):
2022-H2 10.00 % (0.00 on 1 July 2022), 2023-H1 12.50, 2023-H2 14.00, 2024-H1 14.50,
2024-H2 14.25, 2025-H1 13.15. Legal interest rate (floor of a contract rate: 3 times it):
2023-H1 2.06 % (6.18 %), 2023-H2 4.22 % (12.66 %), 2024-H1 5.07 % (15.21 %),
2024-H2 4.92 % (14.76 %).
Day count actual/365, from the day after the due date to the computation date included.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from encaisse.letters.domain.penalties import (
    OverdueInvoice,
    Payment,
    invoice_penalty,
    notice_amounts,
)
from encaisse.letters.domain.rates import HalfYear, MissingRate, bundled_rates

RATES = bundled_rates()


def inv(balance: str, due: str, *payments: tuple[str, str], currency: str = "EUR"):
    return OverdueInvoice(
        "F-1",
        date.fromisoformat(due),
        D(balance),
        currency,
        tuple(Payment(date.fromisoformat(d), D(a)) for d, a in payments),
    )


CASES = [
    # (what, invoice, computed on, business, contract rate, days, penalty, indemnity)
    # 10000 x 14.50 % x 30 / 365 = 43500 / 365 = 119.178 (1 Feb..1 Mar 2024, 29 February included)
    (
        "leap February, one rate",
        inv("10000.00", "2024-01-31"),
        "2024-03-01",
        True,
        None,
        30,
        "119.18",
        "40.00",
    ),
    # 16..30 June: 5000 x 12.50 % x 15/365 = 25.6849; 1..15 July: 5000 x 14 % x 15/365 = 28.7671
    (
        "across 1 July 2023",
        inv("5000.00", "2023-06-15"),
        "2023-07-15",
        True,
        None,
        30,
        "54.45",
        "40.00",
    ),
    # April on 8000: 8000 x 14.50 % x 30/365 = 95.3425; May on 5000: x 31/365 = 61.5753
    (
        "partial payment of 3000 on 30 April",
        inv("5000.00", "2024-03-31", ("2024-04-30", "3000.00")),
        "2024-05-31",
        True,
        None,
        61,
        "156.92",
        "40.00",
    ),
    # June on 6000 at 12.50 %: 61.6438; July on 5000 at 14.00 %: 59.4521
    (
        "payment on 30 June, then a new half-year",
        inv("5000.00", "2023-05-31", ("2023-06-30", "1000.00")),
        "2023-07-31",
        True,
        None,
        61,
        "121.10",
        "40.00",
    ),
    # 2000 x 15 % x 30/365 = 24.6575 (15 % is above 3 x 4.92 % = 14.76 %)
    (
        "contract rate above the floor",
        inv("2000.00", "2024-09-30"),
        "2024-10-30",
        True,
        D("15"),
        30,
        "24.66",
        "40.00",
    ),
    # 2000 x 14.76 % x 30/365 = 24.2630: a 5 % contract rate is raised to the floor
    (
        "contract rate below the floor",
        inv("2000.00", "2024-09-30"),
        "2024-10-30",
        True,
        D("5"),
        30,
        "24.26",
        "40.00",
    ),
    (
        "consumer: no penalties, no indemnity",
        inv("1000.00", "2024-01-01"),
        "2024-06-01",
        False,
        None,
        152,
        "0.00",
        "0.00",
    ),
    (
        "computed on the due date: not late",
        inv("1000.00", "2024-05-31"),
        "2024-05-31",
        True,
        None,
        0,
        "0.00",
        "0.00",
    ),
    # 1000 x 13.15 % / 365 = 0.3603
    ("one day late", inv("1000.00", "2025-01-14"), "2025-01-15", True, None, 1, "0.36", "40.00"),
    # 46 d at 14.50 %: 225.6044; 184 d at 14.25 %: 886.8588; 41 d at 13.15 %: 182.3608
    (
        "three half-years",
        inv("12345.67", "2024-05-15"),
        "2025-02-10",
        True,
        None,
        271,
        "1294.82",
        "40.00",
    ),
    # 73 days at 10 %: 1000.25 x 0.02 = 20.005, half up to 20.01 (not the banker's 20.00)
    (
        "half a cent rounds up",
        inv("1000.25", "2022-08-01"),
        "2022-10-13",
        True,
        None,
        73,
        "20.01",
        "40.00",
    ),
    # the payment on the computation date still bears that day: 2 days on 1500, at 14.50 %
    # 1500 x 14.50 % x 2/365 = 1.1918
    (
        "paid in full on the computation date",
        inv("0.00", "2024-02-01", ("2024-02-03", "1500.00")),
        "2024-02-03",
        True,
        None,
        2,
        "1.19",
        "40.00",
    ),
    # 16..31 Dec 2022 at 10 %: 7300 x 0.10 x 16/365 = 32.00; 1..15 Jan 2023 at 12.50 %:
    # 7300 x 0.125 x 15/365 = 37.50 (7300 = 20 x 365, so every day is a round amount)
    (
        "across 1 January",
        inv("7300.00", "2022-12-15"),
        "2023-01-15",
        True,
        None,
        31,
        "69.50",
        "40.00",
    ),
    # a 10 % contract rate is above the floor in 2023-H1 (3 x 2.06 = 6.18 %) but not in
    # 2023-H2 (3 x 4.22 = 12.66 %): 21..30 June 3000 x 0.10 x 10/365 = 8.2192;
    # 1..10 July 3000 x 0.1266 x 10/365 = 10.4055
    (
        "contract rate floored after 1 July only",
        inv("3000.00", "2023-06-20"),
        "2023-07-10",
        True,
        D("10"),
        20,
        "18.62",
        "40.00",
    ),
    # 1..10 Feb on 4000: 15.8904; 11..20 Feb on 2000: 7.9452; 21..29 Feb on 1000: 3.5753
    (
        "two partial payments",
        inv("1000.00", "2024-01-31", ("2024-02-10", "2000.00"), ("2024-02-20", "1000.00")),
        "2024-02-29",
        True,
        None,
        29,
        "27.41",
        "40.00",
    ),
    # 21..30 June on 2000 at 14.50 %: 7.9452; 1..5 July on 2000 at 14.25 %: 3.9041;
    # 6..15 July on 1500 at 14.25 %: 5.8562
    (
        "partial payment after 1 July",
        inv("1500.00", "2024-06-20", ("2024-07-05", "500.00")),
        "2024-07-15",
        True,
        None,
        25,
        "17.71",
        "40.00",
    ),
    (
        "consumer under a contract rate: still nothing",
        inv("1000.00", "2024-01-01"),
        "2024-06-01",
        False,
        D("12"),
        152,
        "0.00",
        "0.00",
    ),
]


@pytest.mark.parametrize(
    ("what", "invoice", "computed_on", "business", "contract", "days", "penalty", "indemnity"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_penalty_cases_worked_by_hand(
    what, invoice, computed_on, business, contract, days, penalty, indemnity
):
    result = invoice_penalty(
        invoice, date.fromisoformat(computed_on), RATES, business=business, contract_rate=contract
    )
    assert result.days_late == days
    assert result.penalty == D(penalty)
    assert result.indemnity == D(indemnity)
    assert str(result.penalty) == penalty  # two decimals, no float in sight


def test_a_notice_with_several_invoices_adds_up():
    # A: 119.18 as above; B: 2500 x 14.50 % x 15/365 = 14.8973 (16 Feb..1 Mar 2024)
    amounts = notice_amounts(
        [inv("10000.00", "2024-01-31"), inv("2500.00", "2024-02-15")],
        date(2024, 3, 1),
        RATES,
        business=True,
    )
    assert [line.penalty for line in amounts.lines] == [D("119.18"), D("14.90")]
    assert amounts.totals["EUR"].principal == D("12500.00")
    assert amounts.totals["EUR"].penalties == D("134.08")
    assert amounts.indemnity == D("80.00")
    assert amounts.grand_total("EUR") == D("12714.08")


def test_a_notice_in_two_currencies_with_a_payment_and_a_contract_rate():
    # contract rate 10 %, floored to 12.66 % from 1 July 2023 (3 x 4.22 %)
    # A: 18.62 as in the table; B: 1..5 July on 1500: 2.6014, 6..10 July on 1000: 1.7342;
    # C: one day on USD 2000: 2000 x 0.1266 / 365 = 0.6937
    amounts = notice_amounts(
        [
            inv("3000.00", "2023-06-20"),
            inv("1000.00", "2023-06-30", ("2023-07-05", "500.00")),
            inv("2000.00", "2023-07-09", currency="USD"),
        ],
        date(2023, 7, 10),
        RATES,
        business=True,
        contract_rate=D("10"),
    )
    assert [line.penalty for line in amounts.lines] == [D("18.62"), D("4.34"), D("0.69")]
    assert [line.rates for line in amounts.lines] == [
        (D("10"), D("12.66")),
        (D("12.66"),),
        (D("12.66"),),
    ]
    assert amounts.totals["EUR"].principal == D("4000.00")
    assert amounts.totals["EUR"].penalties == D("22.96")
    assert amounts.totals["USD"].penalties == D("0.69")
    assert amounts.indemnity == D("120.00")  # 40 EUR per late invoice, whatever its currency
    assert amounts.grand_total("EUR") == D("4142.96")
    assert amounts.grand_total("USD") == D("2000.69")


def test_segments_show_the_split_and_the_rate_of_each_half_year():
    result = invoice_penalty(inv("5000.00", "2023-06-15"), date(2023, 7, 15), RATES, business=True)
    assert [(s.first, s.last, s.days, s.rate) for s in result.segments] == [
        (date(2023, 6, 16), date(2023, 6, 30), 15, D("12.50")),
        (date(2023, 7, 1), date(2023, 7, 15), 15, D("14.00")),
    ]


def test_rates_come_from_dated_data():
    assert RATES.statutory_rate(HalfYear(2022, 2)) == D("10.00")  # hike of 27 July 2022 not yet
    assert RATES.statutory_rate(HalfYear(2023, 1)) == D("12.50")
    assert RATES.statutory_rate(HalfYear(2025, 2)) == D("12.15")
    assert RATES.penalty_rate(HalfYear(2024, 1), D("20")) == D("20")
    assert RATES.penalty_rate(HalfYear(2024, 1), D("3")) == D("15.21")  # 3 x 5.07


def test_an_unknown_legal_rate_is_refused_not_guessed():
    with pytest.raises(MissingRate, match="2099-H1"):
        invoice_penalty(
            inv("100.00", "2099-01-01"),
            date(2099, 2, 1),
            RATES,
            business=True,
            contract_rate=D("12"),
        )

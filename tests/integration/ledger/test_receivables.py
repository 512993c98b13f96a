"""GET /v1/receivables/aging and /dso: figures as they stood on a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from integration.ledger.helpers import customer_body

AS_OF = date(2026, 6, 30)


async def test_aging_and_dso_per_currency_as_of_a_day(ledger):
    cust = ledger.ref("C")
    await ledger.http.put(f"/v1/customers/{cust}", json=customer_body())
    # (days past due on AS_OF, amount, currency, days before AS_OF it was issued)
    invoices = [
        (-10, "100.00", "EUR", 20),
        (5, "200.00", "EUR", 35),
        (45, "300.00", "EUR", 75),
        (75, "400.00", "EUR", 105),
        (120, "500.00", "EUR", 150),
        (3, "70.00", "USD", 33),
    ]
    numbers = []
    for late, amount, currency, age in invoices:
        number = ledger.ref("F")
        numbers.append(number)
        assert (
            await ledger.http.put(
                f"/v1/invoices/{number}",
                json={
                    "customer_ref": cust,
                    "issue_date": (AS_OF - timedelta(days=age)).isoformat(),
                    "due_date": (AS_OF - timedelta(days=late)).isoformat(),
                    "amount": amount,
                    "currency": currency,
                },
            )
        ).status_code == 201
    later = ledger.ref("F")  # issued after AS_OF: not in the figures
    await ledger.http.put(
        f"/v1/invoices/{later}",
        json={
            "customer_ref": cust,
            "issue_date": "2026-07-05",
            "due_date": "2026-08-04",
            "amount": "999.00",
            "currency": "EUR",
        },
    )
    for ref, day, amount, number in (
        ("P1", "2026-06-01", "150.00", numbers[3]),
        ("P2", "2026-07-02", "200.00", numbers[1]),
    ):
        assert (
            await ledger.http.post(
                "/v1/payments",
                json={
                    "ref": ledger.ref(ref),
                    "customer_ref": cust,
                    "date": day,
                    "amount": amount,
                    "currency": "EUR",
                    "method": "transfer",
                    "allocations": [{"invoice_number": number, "amount": amount}],
                },
            )
        ).status_code == 201
    cancelled = ledger.ref("F")
    await ledger.http.put(
        f"/v1/invoices/{cancelled}",
        json={
            "customer_ref": cust,
            "issue_date": "2026-06-01",
            "due_date": "2026-06-10",
            "amount": "50.00",
            "currency": "EUR",
        },
    )
    await ledger.http.post(f"/v1/invoices/{cancelled}/cancel")

    aging = await ledger.http.get("/v1/receivables/aging", params={"as_of": "2026-06-30"})
    assert aging.status_code == 200, aging.text
    eur, usd = aging.json()["currencies"]
    # the payment of 2026-07-02 is after AS_OF: invoice 2 still counts in full
    assert {
        k: eur[k]
        for k in (
            "currency",
            "not_due",
            "days_1_30",
            "days_31_60",
            "days_61_90",
            "over_90",
            "total",
        )
    } == {
        "currency": "EUR",
        "not_due": "100.00",
        "days_1_30": "200.00",
        "days_31_60": "300.00",
        "days_61_90": "250.00",
        "over_90": "500.00",
        "total": "1350.00",
    }
    assert (usd["currency"], usd["days_1_30"], usd["total"]) == ("USD", "70.00", "70.00")

    dso = (
        await ledger.http.get("/v1/receivables/dso", params={"as_of": "2026-06-30", "days": 90})
    ).json()
    assert "receivables outstanding" in dso["method"]
    eur = dso["currencies"][0]
    # sales over the 90 days: invoices issued 20, 35 and 75 days before: 600.00
    assert (eur["receivables"], eur["sales"], eur["dso"]) == ("1350.00", "600.00", "202.5")
    assert (await ledger.other.get("/v1/receivables/aging")).json()["currencies"] == []
    bad = await ledger.http.get("/v1/receivables/dso", params={"days": 0})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "days"]
    openapi = (await ledger.http.get("/openapi.json")).json()
    assert (
        "receivables outstanding" in openapi["paths"]["/v1/receivables/dso"]["get"]["description"]
    )


async def test_figures_default_to_the_business_day_the_clock_reads_in_paris(ledger):
    ledger.clock.set(datetime(2026, 6, 30, 22, 30, tzinfo=UTC))  # 00:30 on 1 July in Paris
    aging = (await ledger.http.get("/v1/receivables/aging")).json()
    assert aging["as_of"] == "2026-07-01"
    dso = (await ledger.http.get("/v1/receivables/dso")).json()
    assert (dso["as_of"], dso["days"]) == ("2026-07-01", 90)


async def test_the_set_based_path_stamps_its_events_with_the_clock(ledger):
    at = datetime(2026, 3, 2, 9, 15, 30, 250000, tzinfo=UTC)
    ledger.clock.set(at)
    cust = ledger.ref("C")
    await ledger.http.put(f"/v1/customers/{cust}", json=customer_body())
    number = ledger.ref("F")
    body = {
        "customer_ref": cust,
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "amount": "10.00",
        "currency": "EUR",
    }
    assert (await ledger.http.put(f"/v1/invoices/{number}", json=body)).status_code == 201
    [issued] = [
        e for e in await ledger.events.wait_for(2) if e.routing_key == "ledger.invoice.issued.v1"
    ]
    assert issued.time == at

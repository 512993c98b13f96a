"""POST /v1/payments: allocation, idempotency, rejections, direct-debit rejection."""

from __future__ import annotations

from datetime import timedelta

from integration.ledger.helpers import TODAY, customer_body, invoice_body


async def _customer_with_invoices(ledger, *amounts: str, currency: str = "EUR"):
    cust = ledger.ref("C")
    await ledger.http.put(f"/v1/customers/{cust}", json=customer_body())
    numbers = []
    for n, amount in enumerate(amounts):
        number = ledger.ref("F")
        body = invoice_body(
            cust, amount, currency=currency, due_date=(TODAY - timedelta(days=30 - n)).isoformat()
        )
        assert (await ledger.http.put(f"/v1/invoices/{number}", json=body)).status_code == 201
        numbers.append(number)
    return cust, numbers


def _payment(ref: str, cust: str, amount: str, **extra) -> dict:
    return {
        "ref": ref,
        "customer_ref": cust,
        "date": TODAY.isoformat(),
        "amount": amount,
        "currency": "EUR",
        "method": "transfer",
        **extra,
    }


async def test_oldest_first_allocation_and_idempotency(ledger):
    cust, (old, new) = await _customer_with_invoices(ledger, "100.00", "50.00")
    ref = ledger.ref("P")
    paid = await ledger.http.post("/v1/payments", json=_payment(ref, cust, "120.00"))
    assert paid.status_code == 201, paid.text
    assert paid.json()["allocations"] == sorted(
        [{"invoice_number": old, "amount": "100.00"}, {"invoice_number": new, "amount": "20.00"}],
        key=lambda a: a["invoice_number"],
    )
    assert paid.json()["unallocated"] == "0.00"
    again = await ledger.http.post("/v1/payments", json=_payment(ref, cust, "120.00"))
    assert again.status_code == 200
    clash = await ledger.http.post("/v1/payments", json=_payment(ref, cust, "99.00"))
    assert clash.status_code == 409
    assert (await ledger.http.get(f"/v1/invoices/{old}")).json()["status"] == "paid"
    partly = (await ledger.http.get(f"/v1/invoices/{new}")).json()
    assert (partly["status"], partly["open_balance"]) == ("partially_paid", "30.00")
    await ledger.events.wait_for(6)
    events = await ledger.events.quiet(0.3)
    kinds = [e.routing_key for e in events]
    assert kinds.count("ledger.payment.received.v1") == 1
    settled = next(e.payload for e in events if e.routing_key == "ledger.invoice.settled.v1")
    assert settled.invoice_number == old and settled.payment_refs == (ref,)
    assert settled.version == 2
    update = next(
        e.payload
        for e in events
        if e.routing_key == "ledger.invoice.updated.v1" and e.subject == new
    )
    assert update.reason == "partially_paid" and str(update.open_balance.amount) == "30.00"


async def test_explicit_allocations_and_their_rejections(ledger):
    cust, (a, b) = await _customer_with_invoices(ledger, "100.00", "50.00")
    usd_cust, (usd,) = await _customer_with_invoices(ledger, "70.00", currency="USD")
    cases = [
        (_payment(ledger.ref("P"), cust, "0"), ["body", "amount"]),
        (_payment(ledger.ref("P"), cust, "10.00", currency="EUX"), ["body", "currency"]),
        (_payment(ledger.ref("P"), "nobody", "10.00"), ["body", "customer_ref"]),
        (
            _payment(
                ledger.ref("P"),
                cust,
                "80.00",
                allocations=[{"invoice_number": b, "amount": "60.00"}],
            ),
            ["body", "allocations", 0, "amount"],
        ),
        (
            _payment(
                ledger.ref("P"),
                usd_cust,
                "70.00",
                allocations=[{"invoice_number": usd, "amount": "70.00"}],
            ),
            ["body", "currency"],
        ),
        (
            _payment(
                ledger.ref("P"),
                cust,
                "10.00",
                allocations=[{"invoice_number": usd, "amount": "10.00"}],
            ),
            ["body", "allocations", 0, "invoice_number"],
        ),
        (
            _payment(
                ledger.ref("P"),
                cust,
                "40.00",
                allocations=[
                    {"invoice_number": a, "amount": "30.00"},
                    {"invoice_number": b, "amount": "30.00"},
                ],
            ),
            ["body", "allocations"],
        ),
    ]
    for body, loc in cases:
        answer = await ledger.http.post("/v1/payments", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["detail"][0]["loc"] == loc, answer.text
        assert (await ledger.http.get(f"/v1/payments/{body['ref']}")).status_code == 404
    for number, amount in ((a, "100.00"), (b, "50.00")):
        assert (await ledger.http.get(f"/v1/invoices/{number}")).json()["open_balance"] == amount
    ok = await ledger.http.post(
        "/v1/payments",
        json=_payment(
            ledger.ref("P"), cust, "40.00", allocations=[{"invoice_number": b, "amount": "25.00"}]
        ),
    )
    assert ok.status_code == 201 and ok.json()["unallocated"] == "15.00"
    assert (await ledger.http.get(f"/v1/invoices/{a}")).json()["open_balance"] == "100.00"


async def test_rejected_direct_debit_reopens_what_it_paid(ledger):
    cust, (a,) = await _customer_with_invoices(ledger, "100.00")
    ref = ledger.ref("P")
    debit = _payment(ref, cust, "100.00", method="direct_debit")
    assert (await ledger.http.post("/v1/payments", json=debit)).status_code == 201
    assert (await ledger.http.get(f"/v1/invoices/{a}")).json()["status"] == "paid"
    body = {"date": TODAY.isoformat(), "reason": "AM04 insufficient funds"}
    rejected = await ledger.http.post(f"/v1/payments/{ref}/rejection", json=body)
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["version"] == 2
    invoice = (await ledger.http.get(f"/v1/invoices/{a}")).json()
    assert (invoice["status"], invoice["open_balance"], invoice["version"]) == ("open", "100.00", 3)
    assert (await ledger.http.post(f"/v1/payments/{ref}/rejection", json=body)).status_code == 200
    transfer = ledger.ref("P")
    await ledger.http.post("/v1/payments", json=_payment(transfer, cust, "10.00"))
    refused = await ledger.http.post(f"/v1/payments/{transfer}/rejection", json=body)
    assert refused.status_code == 409
    assert (await ledger.http.post("/v1/payments/nope/rejection", json=body)).status_code == 404
    await ledger.events.wait_for(7)
    events = await ledger.events.quiet(0.3)
    rejection = [e.payload for e in events if e.routing_key == "ledger.payment.rejected.v1"]
    assert len(rejection) == 1 and rejection[0].version == 2
    assert [
        (r.invoice_number, str(r.open_balance_after.amount)) for r in rejection[0].reopened
    ] == [(a, "100.00")]
    reopened = [
        e.payload
        for e in events
        if e.routing_key == "ledger.invoice.updated.v1" and e.payload.reason == "reopened"
    ]
    assert len(reopened) == 1 and reopened[0].status == "open" and reopened[0].version == 3

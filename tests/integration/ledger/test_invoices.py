"""PUT /v1/invoices and its rejections, cancel, write-off, listing; the SQL-built events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integration.ledger.helpers import TODAY, customer_body, invoice_body


async def _customer(ledger) -> str:
    ref = ledger.ref("C")
    assert (await ledger.http.put(f"/v1/customers/{ref}", json=customer_body())).status_code == 201
    return ref


async def test_issue_amend_and_identical_put(ledger):
    cust = await _customer(ledger)
    number = ledger.ref("F")
    body = invoice_body(cust)
    created = await ledger.http.put(f"/v1/invoices/{number}", json=body)
    assert created.status_code == 201, created.text
    assert created.json() | {"version": 1} == created.json()
    assert created.json()["open_balance"] == "1200.00" and created.json()["status"] == "open"
    assert (await ledger.http.put(f"/v1/invoices/{number}", json=body)).status_code == 200
    later = (TODAY + timedelta(days=5)).isoformat()
    amended = await ledger.http.put(f"/v1/invoices/{number}", json=body | {"due_date": later})
    assert amended.status_code == 200 and amended.json()["version"] == 2
    events = await ledger.events.wait_for(3)
    invoice_events = [e for e in events if e.subject == number]
    assert [e.routing_key for e in invoice_events] == [
        "ledger.invoice.issued.v1",
        "ledger.invoice.updated.v1",
    ]
    issued, updated = (e.payload for e in invoice_events)
    assert (issued.version, updated.version) == (1, 2)
    assert str(issued.amount.amount) == "1200.00" and issued.amount.currency == "EUR"
    assert issued.tenant == ledger.tenant and issued.customer_ref == cust
    assert updated.reason == "amended" and updated.changed_fields == ("due_date",)
    assert updated.previous_due_date.isoformat() == body["due_date"]
    assert updated.due_date.isoformat() == later
    assert len(await ledger.events.quiet(0.3)) == 3  # customer + issued + amended, no more


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"currency": "EUX"}, "currency"),
        ({"due_date": (TODAY - timedelta(days=50)).isoformat()}, "due_date"),
        ({"customer_ref": "nobody"}, "customer_ref"),
        ({"pdf_url": "file:///etc/passwd"}, "pdf_url"),
    ],
)
async def test_rejections_name_the_field(ledger, change, field):
    cust = await _customer(ledger)
    number = ledger.ref("F")
    answer = await ledger.http.put(f"/v1/invoices/{number}", json=invoice_body(cust) | change)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][-1] == field
    assert (await ledger.http.get(f"/v1/invoices/{number}")).status_code == 404


async def test_cancel_write_off_and_final_states(ledger):
    cust = await _customer(ledger)
    a, b = ledger.ref("F"), ledger.ref("F")
    for n in (a, b):
        await ledger.http.put(f"/v1/invoices/{n}", json=invoice_body(cust))
    cancelled = await ledger.http.post(f"/v1/invoices/{a}/cancel")
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["version"] == 2
    assert (await ledger.http.post(f"/v1/invoices/{a}/cancel")).status_code == 200  # again
    refused = await ledger.http.put(f"/v1/invoices/{a}", json=invoice_body(cust, "10.00"))
    assert refused.status_code == 409
    written = await ledger.http.post(f"/v1/invoices/{b}/write-off")
    assert written.json()["status"] == "written_off"
    assert (await ledger.http.post(f"/v1/invoices/{b}/cancel")).status_code == 409
    await ledger.events.wait_for(5)
    kinds = [e.routing_key for e in await ledger.events.quiet(0.3)]
    assert kinds.count("ledger.invoice.cancelled.v1") == 1
    assert kinds.count("ledger.invoice.written_off.v1") == 1


async def test_listing_filters_and_pages(ledger):
    cust = await _customer(ledger)
    other = await _customer(ledger)
    for days, ref in ((-30, cust), (-5, cust), (20, cust), (-40, other)):
        body = invoice_body(
            ref,
            issue_date=(TODAY + timedelta(days=days - 30)).isoformat(),
            due_date=(TODAY + timedelta(days=days)).isoformat(),
        )
        assert (
            await ledger.http.put(f"/v1/invoices/{ledger.ref('F')}", json=body)
        ).status_code == 201
    page = (await ledger.http.get("/v1/invoices", params={"customer": cust, "limit": 2})).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert page["items"][0]["due_date"] < page["items"][1]["due_date"]
    overdue = (
        await ledger.http.get(
            "/v1/invoices", params={"customer": cust, "overdue_on": TODAY.isoformat()}
        )
    ).json()
    assert overdue["total"] == 2
    everyone = (await ledger.http.get("/v1/invoices", params={"status": "open"})).json()
    assert everyone["total"] == 4
    assert (await ledger.other.get("/v1/invoices")).json()["total"] == 0
    bad = await ledger.http.get("/v1/invoices", params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "status"]
    view = (await ledger.http.get(f"/v1/customers/{cust}")).json()
    assert len(view["open_invoices"]) == 3
    assert view["balances"] == [{"currency": "EUR", "amount": "3600.00"}]


async def test_an_invoice_never_moves_to_another_customer(ledger):
    """The scheduler follows each invoice under its customer: moving one would leave the old
    customer dunned for it. A PUT naming another customer is refused, paid or not."""
    first, second = await _customer(ledger), await _customer(ledger)
    number = ledger.ref("F")
    assert (
        await ledger.http.put(f"/v1/invoices/{number}", json=invoice_body(first))
    ).status_code == 201
    moved = await ledger.http.put(f"/v1/invoices/{number}", json=invoice_body(second))
    assert moved.status_code == 409, moved.text
    [error] = moved.json()["detail"]
    assert error["loc"] == ["body", "customer_ref"] and first in error["msg"]
    assert "cancel it" in error["msg"]
    stored = (await ledger.http.get(f"/v1/invoices/{number}")).json()
    assert (stored["customer_ref"], stored["version"]) == (first, 1)
    events = await ledger.events.quiet(0.3)
    assert [e.routing_key for e in events if e.subject == number] == ["ledger.invoice.issued.v1"]

"""End to end: a payment in the portal reaches the ledger as a payment.

The ledger and the portal run on one vhost, each with its own consumers and
outbox relay. The customer and invoice are created through the ledger's API;
the portal learns them from the ledger's events; the debtor pays in the
sandbox; the ledger records the capture as a payment, settles the invoice,
and its event takes the invoice off the debtor's statement.
(Dunning stopping with a thank-you is the scheduler's part, not tested here.)
"""

from __future__ import annotations

import asyncio
import uuid

import httpx

from integration.portal.portal_support import running_portal
from support.http import serve
from support.services import service_app

STAFF = {"Authorization": "Bearer collector-token"}


async def _until(probe, timeout: float = 20.0):
    async with asyncio.timeout(timeout):
        while not (found := await probe()):
            await asyncio.sleep(0.1)
        return found


async def test_a_portal_payment_reaches_the_ledger_as_a_payment(database_url, amqp_url):
    ledger_app = await service_app("ledger", database_url, amqp_url)
    async with serve(ledger_app) as ledger_url, running_portal(database_url, amqp_url) as portal, \
            httpx.AsyncClient(base_url=ledger_url, headers=STAFF, timeout=30) as ledger:
        ref, number = f"E2E-{uuid.uuid4().hex[:6]}", f"F-E2E-{uuid.uuid4().hex[:6]}"
        put = await ledger.put(f"/v1/customers/{ref}", json={
            "name": "Boulangerie Martin", "segment": "sme", "country": "FR", "language": "fr",
            "timezone": "Europe/Paris", "payment_method": "transfer",
            "email": "compta@martin.example"})
        assert put.status_code == 201, put.text
        put = await ledger.put(f"/v1/invoices/{number}", json={
            "customer_ref": ref, "issue_date": "2026-01-05", "due_date": "2026-02-04",
            "amount": "300.00", "currency": "EUR"})
        assert put.status_code == 201, put.text

        headers = await portal.signed_in(ref)

        async def listed() -> bool:
            return number in (await portal.http.get("/", headers=headers)).text

        await _until(listed)
        csrf = await portal.csrf(headers)
        started = await portal.http.post("/pay", headers=headers,
                                         data={"csrf": csrf, "invoices": number})
        assert started.status_code == 303, started.text
        back = await portal.http.post(started.headers["location"], headers=headers,
                                      data={"csrf": csrf, "outcome": "succeed"})
        done = await portal.http.get(back.headers["location"], headers=headers)
        assert done.status_code == 200
        [captured] = await portal.events("portal.payment.captured.v1")

        async def settled() -> dict | None:
            invoice = (await ledger.get(f"/v1/invoices/{number}")).json()
            return invoice if invoice["open_balance"] in ("0.00", "0") else None

        invoice = await _until(settled)
        assert invoice["status"] == "paid"

        async def off_the_statement() -> bool:
            page = (await portal.http.get("/", headers=headers)).text
            return number not in page and "Aucune facture ouverte" in page

        await _until(off_the_statement)
        history = (await portal.http.get("/history", headers=headers)).text
        assert "300,00" in history  # the ledger's payment event, in the portal's read model
        assert captured.payload.payment_ref.startswith("PORTAL-")

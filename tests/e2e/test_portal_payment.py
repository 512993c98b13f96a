"""End to end: a payment in the portal reaches the ledger and stops the dunning with a thank-you.

The ledger, the scheduler (simulated clock) and the portal run on one vhost,
each with its own consumers and outbox relay. The customer and invoice are
created through the ledger's API; the scheduler opens a case from the ledger's
events and sends the courtesy reminder; the portal learns the invoice from the
same events; the debtor pays in the sandbox; the ledger records the capture as
a payment and settles the invoice; the scheduler thanks the customer for it and
sends no reminder after, however far its clock moves; the invoice leaves the
debtor's statement and the payment shows in their history.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

from sqlalchemy import text

from encaisse.contracts.notifier import SendEmail
from integration.portal.portal_support import running_portal
from integration.scheduler.harness import Probe, paris, running
from support.http import client
from support.services import service_app

# The scheduler's clock starts three weeks ago: its courtesy reminder (D-7) falls a
# week later, the first reminder (D+7) after the payment, which must cancel it.
START = date.today() - timedelta(days=21)
DUE = START + timedelta(days=14)
OUTBOXES = ("ledger.outbox", "scheduler.outbox", "portal.outbox")


async def _until(probe, timeout: float = 30.0):
    async with asyncio.timeout(timeout):
        while not (found := await probe()):
            await asyncio.sleep(0.1)
        return found


async def _quiet(engine, probe: Probe) -> None:
    """Every outbox relayed and nothing new handled or received for a moment."""
    last = None
    async with asyncio.timeout(60):
        while True:
            async with engine.connect() as conn:
                state = tuple(
                    [
                        await conn.scalar(text(f"SELECT count(*) FROM {t}"))
                        for t in (*OUTBOXES, "scheduler.inbox", "portal.inbox")
                    ]
                )
            state += (len(probe.received),)
            if state == last and not any(state[: len(OUTBOXES)]):
                return
            last = state
            await asyncio.sleep(0.3)


def _emails(probe: Probe, ref: str) -> list[SendEmail]:
    return [
        c for c in probe.commands() if isinstance(c, SendEmail) and c.debtor.customer_ref == ref
    ]


async def test_a_portal_payment_reaches_the_ledger_and_stops_dunning_with_a_thank_you(
    database_url, amqp_url
):
    ledger_app = await service_app("ledger", database_url, amqp_url)
    async with (
        running(database_url, amqp_url) as harness,
        client(ledger_app, "collector-token") as ledger,
        running_portal(database_url, amqp_url) as portal,
    ):
        probe = harness.probe
        engine = harness.app.state.runtime.engine

        async def advance(days: int) -> None:
            for _ in range(days):
                await harness.advance(days=1)
                await _quiet(engine, probe)

        await harness.set_clock(paris(START))
        ref, number = f"E2E-{uuid.uuid4().hex[:6]}", f"F-E2E-{uuid.uuid4().hex[:6]}"
        put = await ledger.put(
            f"/v1/customers/{ref}",
            json={
                "name": "Boulangerie Martin",
                "segment": "sme",
                "country": "FR",
                "language": "fr",
                "timezone": "Europe/Paris",
                "payment_method": "transfer",
                "email": "compta@martin.example",
            },
        )
        assert put.status_code == 201, put.text
        put = await ledger.put(
            f"/v1/invoices/{number}",
            json={
                "customer_ref": ref,
                "issue_date": (DUE - timedelta(days=30)).isoformat(),
                "due_date": DUE.isoformat(),
                "amount": "300.00",
                "currency": "EUR",
            },
        )
        assert put.status_code == 201, put.text
        await _quiet(engine, probe)

        await advance(7)  # D-7: the dunning starts
        assert [e.template for e in _emails(probe, ref)] == ["courtesy_reminder"]

        headers = await portal.signed_in(ref)

        async def listed() -> bool:
            return number in (await portal.http.get("/", headers=headers)).text

        await _until(listed)
        csrf = await portal.csrf(headers)
        started = await portal.http.post(
            "/pay", headers=headers, data={"csrf": csrf, "invoices": number}
        )
        assert started.status_code == 303, started.text
        back = await portal.http.post(
            started.headers["location"], headers=headers, data={"csrf": csrf, "outcome": "succeed"}
        )
        done = await portal.http.get(back.headers["location"], headers=headers)
        assert done.status_code == 200 and "votre paiement est accepté" in done.text
        [captured] = await portal.events("portal.payment.captured.v1")
        payment_ref = captured.payload.payment_ref
        assert payment_ref.startswith("PORTAL-")

        # the ledger: a card payment for the invoice, which it settles
        async def settled() -> dict | None:
            invoice = (await ledger.get(f"/v1/invoices/{number}")).json()
            return invoice if invoice["status"] == "paid" else None

        invoice = await _until(settled)
        assert invoice["open_balance"] in ("0.00", "0")
        payment = (await ledger.get(f"/v1/payments/{payment_ref}")).json()
        assert payment["method"] == "card" and payment["amount"] == "300.00"
        assert payment["allocations"] == [{"invoice_number": number, "amount": "300.00"}]

        # the scheduler: a thank-you naming the payment, then nothing, even past D+30
        async def thanked() -> list[SendEmail]:
            return [e for e in _emails(probe, ref) if e.template == "thank_you"]

        [thanks] = await _until(thanked)
        assert thanks.context["payment_ref"] == payment_ref
        assert [i.invoice_number for i in thanks.invoices] == [number]
        await _quiet(engine, probe)
        await advance(40)
        assert [e.template for e in _emails(probe, ref)] == ["courtesy_reminder", "thank_you"]

        # the portal: off the statement, and the ledger's payment in the history
        async def off_the_statement() -> bool:
            page = (await portal.http.get("/", headers=headers)).text
            return number not in page and "Aucune facture ouverte" in page

        await _until(off_the_statement)
        history = (await portal.http.get("/history", headers=headers)).text
        assert "300,00" in history

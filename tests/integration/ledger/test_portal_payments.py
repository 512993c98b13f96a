"""portal.payment.captured.v1 on ledger.portal_payments: recorded as a card payment, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import aio_pika

from encaisse.bus.publisher import Publisher
from encaisse.contracts import Envelope, Money
from encaisse.contracts.portal import CapturedAllocation, PaymentCaptured
from integration.ledger.helpers import customer_body, invoice_body


def _captured(tenant: str, ref: str, cust: str, number: str, amount: str) -> PaymentCaptured:
    money = Money(amount=Decimal(amount), currency="EUR")
    return PaymentCaptured(
        tenant=tenant,
        version=1,
        payment_ref=ref,
        customer_ref=cust,
        amount=money,
        allocations=(CapturedAllocation(invoice_number=number, amount=money),),
        captured_at=datetime.now(UTC),
        provider="sandbox",
        provider_ref=f"psp-{ref}",
    )


async def _until(check, timeout: float = 10.0):
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(0.05)
    return result


async def test_captured_payment_is_recorded_once_and_bad_ones_are_dead(ledger):
    cust, number = ledger.ref("C"), ledger.ref("F")
    await ledger.http.put(f"/v1/customers/{cust}", json=customer_body())
    await ledger.http.put(f"/v1/invoices/{number}", json=invoice_body(cust, "80.00"))
    ref = ledger.ref("P")
    envelope = Envelope(payload=_captured(ledger.tenant, ref, cust, number, "80.00"), subject=ref)
    bad_ref = ledger.ref("P")
    bad = Envelope(
        payload=_captured(ledger.tenant, bad_ref, cust, "no-such-invoice", "5.00"), subject=bad_ref
    )
    connection = await aio_pika.connect(ledger.amqp_url)
    try:
        publisher = Publisher(connection)
        for e in (envelope, envelope, bad):  # delivered twice: recorded once
            await publisher.publish_envelope(e)

        async def recorded():
            answer = await ledger.http.get(f"/v1/payments/{ref}")
            return answer.json() if answer.status_code == 200 else None

        payment = await _until(recorded)
        assert payment["method"] == "card" and payment["amount"] == "80.00"
        assert payment["allocations"] == [{"invoice_number": number, "amount": "80.00"}]
        channel = await connection.channel()
        dead = await channel.declare_queue("ledger.portal_payments.dead", passive=True)

        async def dead_letter():
            return await dead.get(no_ack=True, fail=False)

        message = await _until(dead_letter)
        assert bad_ref.encode() in message.body
        error = message.headers["x-encaisse-error"]
        assert "no-such-invoice" in (error.decode() if isinstance(error, bytes) else error)
    finally:
        await connection.close()
    assert (await ledger.http.get(f"/v1/payments/{bad_ref}")).status_code == 404
    await ledger.events.wait_for(4)
    events = await ledger.events.quiet(0.5)
    received = [e for e in events if e.routing_key == "ledger.payment.received.v1"]
    assert len(received) == 1 and received[0].causation_id == envelope.id
    assert received[0].payload.method == "card"
    assert any(e.routing_key == "ledger.invoice.settled.v1" for e in events)

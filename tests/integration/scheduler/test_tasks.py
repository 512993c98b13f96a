"""A task has one amount at stake, whichever act makes it: the day run (a call step) or an
act shared by the API and the bus (a payment plan request, a dispute)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from encaisse.contracts import Envelope
from encaisse.contracts.ledger import Segment
from encaisse.contracts.portal import PlanRequested
from encaisse.contracts.scheduler import TaskCreated
from integration.scheduler.harness import paris, running
from support.services import TENANT

DUE = date(2026, 3, 16)  # a Monday


async def test_a_customer_in_two_currencies_gets_one_amount_at_stake_from_either_path(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE + timedelta(days=4)))
        await h.ledger.customer("K1", segment=Segment.KEY_ACCOUNT)  # a call at D+5
        await h.ledger.invoice("K1", "F1", DUE, amount="1000.00", currency="EUR")
        await h.ledger.invoice("K1", "F2", DUE, amount="600.00", currency="USD")
        await h.quiet()
        await h.advance(days=3)  # D+5 is a Saturday: the call is on Monday
        await h.quiet()
        [call] = (await h.http.get("/v1/tasks", params={"kind": "call"})).json()
        assert call["invoice_numbers"] == ["F1", "F2"]

        plan = PlanRequested(
            tenant=TENANT, version=1, plan_id="PL1", customer_ref="K1",
            invoice_numbers=("F1", "F2"), instalments=3,
        )  # fmt: skip
        await h.ledger.publish(Envelope(payload=plan, subject="PL1"))
        await h.quiet()
        [manual] = (await h.http.get("/v1/tasks", params={"kind": "manual"})).json()
        assert manual["invoice_numbers"] == ["F1", "F2"]

        # per currency, never summed across currencies: the same from either path
        assert (call["amount"], call["currency"]) == ("1000.00", "EUR")
        assert (manual["amount"], manual["currency"]) == ("1000.00", "EUR")
        stakes = {e.kind.value: e.amount_at_stake for e in h.probe.events(TaskCreated)}
        assert stakes["call"] == stakes["manual"]
        assert (stakes["call"].amount, stakes["call"].currency) == (Decimal("1000"), "EUR")

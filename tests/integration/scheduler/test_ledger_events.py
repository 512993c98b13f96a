"""What the ledger's invoice and payment events do to the plan, and catching up after downtime."""

from __future__ import annotations

from datetime import date, timedelta

from encaisse.contracts.ledger import (
    InvoiceCancelled,
    InvoiceSettled,
    InvoiceStatus,
    InvoiceUpdated,
    InvoiceWrittenOff,
)
from encaisse.contracts.notifier import SendEmail
from integration.scheduler.harness import days, paris, running, templates


def thanks(h) -> list[SendEmail]:
    return [c for c in h.probe.commands() if c.template == "thank_you"]


DUE = date(2026, 3, 16)  # a Monday


async def test_partial_payment_goes_on_with_the_balance_cancel_and_write_off_stop(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE + timedelta(days=6)))
        await h.ledger.customer("G1")
        for number in ("F1", "F2", "F3", "F4"):
            await h.ledger.invoice("G1", number, DUE)
        await h.quiet()
        await days(h, 1)  # D+7: one email listing the four invoices
        [first] = h.probe.commands()
        assert [i.invoice_number for i in first.invoices] == ["F1", "F2", "F3", "F4"]
        paid_on = DUE + timedelta(days=8)
        # one payment: F1 in full, F2 in part
        await h.ledger.invoice(
            "G1",
            "F1",
            DUE,
            cls=InvoiceSettled,
            balance="0",
            status=InvoiceStatus.PAID,
            settled_on=paid_on,
            payment_refs=("P9",),
        )
        await h.ledger.invoice(
            "G1",
            "F2",
            DUE,
            cls=InvoiceUpdated,
            balance="700.00",
            status=InvoiceStatus.PARTIALLY_PAID,
            reason="partially_paid",
        )
        await h.ledger.payment(
            "G1", "P9", paid_on, {"F1": ("1200.00", "0"), "F2": ("500.00", "700.00")}
        )
        await h.ledger.invoice(
            "G1", "F3", DUE, cls=InvoiceCancelled, balance="0", status=InvoiceStatus.CANCELLED
        )
        await h.ledger.invoice(
            "G1", "F4", DUE, cls=InvoiceWrittenOff, balance="0", status=InvoiceStatus.WRITTEN_OFF
        )
        await h.quiet()
        thanks = [c for c in h.probe.commands() if c.template == "thank_you"]
        assert len(thanks) == 1  # one per payment, listing what it paid
        assert [(i.invoice_number, i.open_balance.amount) for i in thanks[0].invoices] == [
            ("F1", 0),
            ("F2", 700),
        ]
        await days(h, 7)  # D+14: only the partly paid invoice, on its open balance
        second = h.probe.commands()[-1]
        assert isinstance(second, SendEmail) and second.template == "second_reminder"
        assert [(i.invoice_number, i.open_balance.amount) for i in second.invoices] == [("F2", 700)]
        timeline = await h.timeline("G1")
        states = {i["invoice_number"]: i["state"] for i in timeline["invoices"]}
        assert states == {"F1": "closed", "F2": "active", "F3": "closed", "F4": "closed"}
        assert {p["invoice_number"] for p in timeline["planned"]} == {"F2"}


async def test_a_changed_due_date_replans_the_next_step(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.one_invoice("G2", "F5", DUE, paris(DUE + timedelta(days=6)))
        await days(h, 1)  # D+7 done
        later = DUE + timedelta(days=14)  # the due date moves two weeks later
        await h.ledger.invoice(
            "G2", "F5", later, cls=InvoiceUpdated, reason="amended", previous_due_date=DUE
        )
        await h.quiet()
        timeline = await h.timeline("G2")
        assert timeline["planned"][0]["step"] == "D+14-email"
        assert timeline["planned"][0]["day"] == (later + timedelta(days=14)).isoformat()
        assert any(e["kind"] == "replanned" for e in timeline["entries"])
        await days(h, 7)  # the old D+14 day passes quietly
        assert templates(h) == ["first_reminder"]


async def test_after_downtime_only_the_most_advanced_missed_step_fires_once(database_url, amqp_url):
    """Per invoice: the catch-up jumps to the most advanced step whose day has come."""
    async with running(database_url, amqp_url, per_invoice=True) as h:
        await h.one_invoice("G3", "F6", DUE, paris(DUE - timedelta(days=10)))
        await h.advance(days=26)  # down from 6 March to 1 April: D-7, D+7, D+14 missed
        await h.quiet()
        [sent] = h.probe.commands()
        assert (sent.template, sent.step) == ("second_reminder", "D+14-email")
        skipped = [
            (e["step"], e["detail"])
            for e in (await h.timeline("G3"))["entries"]
            if e["kind"] == "skipped"
        ]
        assert skipped == [
            ("D-7-email", "overtaken by a later step"),
            ("D+7-email", "overtaken by a later step"),
        ]
        await days(h, 3)
        assert len(h.probe.commands()) == 1  # nothing more until D+21


async def test_after_downtime_per_customer_the_missed_steps_come_one_a_week(database_url, amqp_url):
    """Per customer: never a burst, and no jump either: the first reminder after the due
    date, then the next a week later (the courtesy, past its time, is not sent late)."""
    async with running(database_url, amqp_url) as h:
        await h.one_invoice("G5", "F9", DUE, paris(DUE - timedelta(days=10)))
        await h.advance(days=26)  # down from 6 March to 1 April: D-7, D+7, D+14 missed
        await h.quiet()
        [sent] = h.probe.commands()
        assert (sent.template, sent.step) == ("first_reminder", "D+7-email")
        await days(h, 6)
        assert len(h.probe.commands()) == 1  # the gap: nothing for a week
        await days(h, 1)
        assert [c.step for c in h.probe.commands()] == ["D+7-email", "D+14-email"]


async def test_a_payment_before_any_reminder_is_thanked_once_a_part_payment_is_not(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=20)))  # Tuesday 24 February
        await h.ledger.customer("G4")
        await h.ledger.invoice("G4", "F7", DUE)
        await h.ledger.invoice("G4", "F8", DUE)
        await h.quiet()
        # F8 paid in part: nothing settled, no thank-you, the dunning goes on
        await h.ledger.invoice(
            "G4",
            "F8",
            DUE,
            cls=InvoiceUpdated,
            balance="200.00",
            status=InvoiceStatus.PARTIALLY_PAID,
            reason="partially_paid",
        )
        await h.ledger.payment("G4", "P20", DUE - timedelta(days=20), {"F8": ("1000.00", "200.00")})
        await h.quiet()
        assert h.probe.commands() == []
        # F7 paid in full before any reminder: one thank-you listing it
        await h.ledger.settle("G4", "F7", DUE, DUE - timedelta(days=20), payment_ref="P21")
        await h.quiet()
        [thank_you] = thanks(h)
        assert [(i.invoice_number, i.open_balance.amount) for i in thank_you.invoices] == [
            ("F7", 0)
        ]
        assert thank_you.context["payment_ref"] == "P21"
        assert thank_you.idempotency_key.endswith(":thank_you:P21")
        await h.ledger.payment("G4", "P21", DUE - timedelta(days=20), {"F7": ("1200.00", "0")})
        await h.quiet()  # the same payment again (another message id): no second thank-you
        await days(h, 14)  # D-7: the courtesy email for F8 alone, on its balance
        assert templates(h) == ["thank_you", "courtesy_reminder"]
        assert [
            (i.invoice_number, i.open_balance.amount) for i in h.probe.commands()[-1].invoices
        ] == [("F8", 200)]


async def test_a_thank_you_outside_the_sending_window_waits_for_it_and_goes_once(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        saturday = DUE - timedelta(days=2)  # Saturday 14 March, closed
        await h.one_invoice("G5", "F9", DUE, paris(saturday - timedelta(days=4)))
        await h.set_clock(paris(saturday, 11))
        await h.ledger.settle("G5", "F9", DUE, saturday, payment_ref="P30")
        await h.quiet()
        assert h.probe.commands() == []  # not on a Saturday
        [waiting] = [e for e in (await h.timeline("G5"))["entries"] if e["kind"] == "deferred"]
        assert waiting["detail"].endswith("2026-03-16T08:00:00+00:00")  # Monday 09:00 Paris
        await h.ledger.payment("G5", "P30", saturday, {"F9": ("1200.00", "0")})
        await h.quiet()  # replayed while it waits: still one waiting
        await h.advance(days=1, hours=21)  # Monday 16 March, 08:00 Paris: not yet
        await h.quiet()
        assert h.probe.commands() == []
        await h.advance(hours=1)  # 09:00 Paris: the window opens
        await h.quiet()
        [thank_you] = thanks(h)
        assert [i.invoice_number for i in thank_you.invoices] == ["F9"]
        assert thank_you.context["payment_ref"] == "P30"
        await h.ledger.payment("G5", "P30", saturday, {"F9": ("1200.00", "0")})
        await days(h, 30)  # replayed after it went, then a month: nothing more
        assert templates(h) == ["thank_you"]
        assert (await h.timeline("G5"))["case_state"] == "closed"

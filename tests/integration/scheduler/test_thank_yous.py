"""Thank-yous at most once a week listing every payment of the week, off per profile; replies
to the debtor's own acts keep to the sending window and are no client-facing contact."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from integration.scheduler.harness import paris, running

MONDAY = date(2026, 3, 2)
DUE = MONDAY + timedelta(days=63)  # far enough: no reminder in these tests


def thanks(h):
    return [c for c in h.probe.commands() if c.template == "thank_you"]


async def channel_days(h, ref: str) -> int:
    async with h.app.state.runtime.engine.connect() as conn:
        return await conn.scalar(
            text("SELECT count(*) FROM scheduler.channel_days WHERE customer_ref = :ref"),
            {"ref": ref},
        )


async def test_five_payments_in_a_week_make_two_thank_yous_listing_one_then_four(
    database_url, amqp_url
):
    """P1 on Monday is thanked at once; P2..P5 (Tuesday to Sunday) gather into one thank-you
    that goes a week after the first, on the next Monday at the same hour."""
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(MONDAY))
        await h.ledger.customer("T1")
        for n in range(1, 6):
            await h.ledger.invoice("T1", f"F{n}", DUE, amount=f"{n}00.00")
        await h.quiet()
        on = MONDAY
        for n, gap in zip(range(1, 6), (0, 1, 2, 2, 1), strict=True):
            if gap:
                await h.advance(days=gap)
                on += timedelta(days=gap)
            await h.ledger.settle("T1", f"F{n}", DUE, on, amount=f"{n}00.00", payment_ref=f"P{n}")
            await h.quiet()
        [first] = thanks(h)
        assert [p.payment_ref for p in first.payments] == ["P1"]
        assert [i.invoice_number for i in first.invoices] == ["F1"]
        await h.ledger.payment("T1", "P3", on, {"F3": ("300.00", "0")})  # replayed
        await h.quiet()
        await h.advance(hours=23)  # Monday 9 March, 09:00: a week after P1's is 10:00
        await h.quiet()
        assert len(thanks(h)) == 1
        await h.advance(hours=1)
        await h.quiet()
        first, second = thanks(h)
        assert [(p.payment_ref, p.amount.amount) for p in second.payments] == [
            ("P2", 200),
            ("P3", 300),
            ("P4", 400),
            ("P5", 500),
        ]
        assert [i.invoice_number for i in second.invoices] == ["F2", "F3", "F4", "F5"]
        assert second.idempotency_key.endswith(":thank_you:P2")
        await h.advance(days=10)
        await h.quiet()
        assert len(thanks(h)) == 2
        assert await channel_days(h, "T1") == 0  # a thank-you is no client-facing contact


async def test_a_profile_without_thank_yous_sends_none(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        standard = (await h.http.get("/v1/profiles/standard")).json()
        body = {k: standard[k] for k in ("name", "scenario_code", "segments")}
        r = await h.http.put(
            "/v1/profiles/standard",
            json=body | {"policy": standard["policy"] | {"thank_you": False}},
        )
        assert r.status_code == 200, r.text
        await h.one_invoice("T2", "F1", DUE, paris(MONDAY))
        await h.ledger.settle("T2", "F1", DUE, MONDAY, payment_ref="P1")
        await h.quiet()
        await h.advance(days=8)
        await h.quiet()
        assert thanks(h) == []


async def test_a_dispute_opened_at_night_is_acknowledged_when_the_window_opens(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        tuesday = MONDAY + timedelta(days=1)
        await h.one_invoice("T3", "F1", DUE, paris(tuesday))
        await h.set_clock(paris(tuesday, 23))
        r = await h.http.post(
            "/v1/disputes",
            json={"customer_ref": "T3", "invoice_number": "F1", "reason": "amount_wrong"},
        )
        assert r.status_code == 201, r.text
        await h.quiet()
        assert [c.template for c in h.probe.commands()] == []  # not at 23:00
        await h.advance(hours=9)  # 08:00
        await h.quiet()
        assert [c.template for c in h.probe.commands()] == []
        await h.advance(hours=1)  # 09:00: the window opens
        await h.quiet()
        assert [c.template for c in h.probe.commands()] == ["dispute_acknowledged"]
        assert await channel_days(h, "T3") == 0  # a reply is no client-facing contact

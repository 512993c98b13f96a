"""The scheduler against real PostgreSQL and RabbitMQ: ledger events in, commands out."""

from __future__ import annotations

from datetime import date, timedelta

from encaisse.contracts.letters import SendLetter
from encaisse.contracts.notifier import SendEmail
from encaisse.contracts.scheduler import CaseClosed, CaseOpened, TaskCreated
from integration.scheduler.harness import paris, running

DUE = date(2026, 3, 16)  # a Monday


def _sequence(probe) -> list[tuple[str, str, str]]:
    out = []
    for envelope in probe.received:
        p = envelope.payload
        if isinstance(p, SendEmail):
            out.append(("email", p.template, envelope.time.date().isoformat()))
        elif isinstance(p, SendLetter):
            out.append((p.kind.value + "_letter", p.template, envelope.time.date().isoformat()))
        elif isinstance(p, TaskCreated):
            out.append(("task", p.kind.value, p.due_on.isoformat()))
    return out


async def test_standard_scenario_day_by_day_with_windows_and_holidays(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=10), 10))
        await h.ledger.customer("C1")
        await h.ledger.invoice("C1", "F1", DUE)
        await h.quiet()
        assert len(h.probe.events(CaseOpened)) == 1
        days = {}
        for _ in range(46):
            before = len(h.probe.commands()) + len(h.probe.events(TaskCreated))
            run = await h.advance(days=1)
            await h.quiet()
            after = len(h.probe.commands()) + len(h.probe.events(TaskCreated))
            if after > before:
                days[run["now"][:10]] = after - before
        emails = [c for c in h.probe.commands() if isinstance(c, SendEmail)]
        assert [(e.template, e.step) for e in emails] == [
            ("courtesy_reminder", "D-7-email"),
            ("first_reminder", "D+7-email"),
            ("second_reminder", "D+14-email"),
        ]
        assert emails[2].cc == ("rep@acme.fr",) and emails[0].cc == ()
        assert emails[0].invoices[0].invoice_number == "F1"
        assert emails[0].invoices[0].open_balance.amount == 1200
        letters = [c for c in h.probe.commands() if isinstance(c, SendLetter)]
        assert [(x.kind.value, x.template) for x in letters] == [
            ("simple", "reminder_letter"),
            ("registered", "formal_notice"),
        ]
        notice = letters[1].formal_notice
        assert notice.penalties_computed_on == date(2026, 4, 21)
        assert notice.payment_deadline == date(2026, 4, 29) and notice.business_customer
        calls = h.probe.events(TaskCreated)
        assert [(t.kind.value, t.due_on) for t in calls] == [("call", date(2026, 4, 7))]
        # D-7 9 March, D+7 23 March, D+14 30 March, D+21 6 April is Easter Monday -> 7 April;
        # per customer the acts stay a week apart: the letter 14 April (not D+28, 13 April),
        # the formal notice 21 April (not D+35, 20 April)
        assert sorted(days) == [
            "2026-03-09",
            "2026-03-23",
            "2026-03-30",
            "2026-04-07",
            "2026-04-14",
            "2026-04-21",
        ]
        keys = [c.idempotency_key for c in h.probe.commands()]
        assert len(keys) == len(set(keys))
        timeline = await h.timeline("C1")
        assert [e["kind"] for e in timeline["entries"]].count("done") == 5
        assert [p["step"] for p in timeline["planned"]] == ["D+60-internal_escalation"]


async def test_payment_sends_one_thank_you_and_stops_the_rest(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=8)))
        await h.ledger.customer("C2")
        await h.ledger.invoice("C2", "F2", DUE)
        await h.ledger.invoice("C2", "F3", DUE + timedelta(days=30), amount="300.00")
        await h.quiet()
        await h.advance(days=1)  # D-7: one courtesy email listing F2 only
        await h.quiet()
        await h.ledger.settle("C2", "F2", DUE, DUE - timedelta(days=5))
        await h.quiet()
        thanks = [c for c in h.probe.commands() if c.template == "thank_you"]
        assert len(thanks) == 1 and [i.invoice_number for i in thanks[0].invoices] == ["F2"]
        assert thanks[0].invoices[0].open_balance.amount == 0
        for _ in range(25):
            await h.advance(days=1)
        await h.quiet()
        f2 = [
            c
            for c in h.probe.commands()
            if any(i.invoice_number == "F2" for i in c.invoices) and c.template != "thank_you"
        ]
        assert [c.template for c in f2] == ["courtesy_reminder"]
        # the same payment event delivered twice: still one thank-you
        await h.ledger.settle("C2", "F2", DUE, DUE - timedelta(days=5))
        await h.quiet()
        assert len([c for c in h.probe.commands() if c.template == "thank_you"]) == 1
        assert not h.probe.events(CaseClosed)  # F3 is still open


async def test_end_of_the_amicable_phase_escalates_and_closes_the_case(database_url, amqp_url):
    from encaisse.contracts.scheduler import CaseEscalated

    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE + timedelta(days=62)))  # after downtime: far past D+60
        await h.ledger.customer("E1")
        await h.ledger.invoice("E1", "F90", DUE, amount="700.00")
        await h.quiet()
        await h.advance(hours=1)
        await h.quiet()
        assert h.probe.commands() == []  # no burst of missed reminders
        escalated = h.probe.events(CaseEscalated)
        assert [(e.invoice_numbers, e.amount_at_stake.amount) for e in escalated] == [
            (("F90",), 700)
        ]
        assert len(h.probe.events(CaseClosed)) == 1
        timeline = await h.timeline("E1")
        assert timeline["case_state"] == "closed"
        assert timeline["invoices"][0]["state"] == "escalated"

"""Dunning per customer against the per-invoice mode, through the day run (real PostgreSQL
and RabbitMQ): five invoices due on five consecutive days."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from encaisse.contracts.ledger import Segment
from encaisse.contracts.letters import LetterKind, SendLetter
from encaisse.contracts.notifier import SendEmail
from encaisse.contracts.scheduler import TaskCreated
from integration.scheduler.harness import Harness, paris, running

DUE = date(2026, 9, 7)  # a Monday; the five are due Monday to Friday, no holiday near
NUMBERS = [f"F{i}" for i in range(1, 6)]


async def _five_invoices_for_45_days(h: Harness) -> dict[str, str]:
    """Five invoices due on five consecutive days, then a run each day for 45 days; the
    day (ISO) of each command or task."""
    await h.set_clock(paris(DUE - timedelta(days=10), 10))
    await h.ledger.customer("C5")
    for i, number in enumerate(NUMBERS):
        await h.ledger.invoice("C5", number, DUE + timedelta(days=i), amount=f"{100 * (i + 1)}.00")
    await h.quiet()
    for _ in range(55):
        await h.advance(days=1)
    await h.quiet()
    return {}


def _letters(h: Harness, kind: LetterKind) -> list[SendLetter]:
    return [c for c in h.probe.commands() if isinstance(c, SendLetter) and c.kind is kind]


async def test_per_customer_one_act_per_level_listing_all_five(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await _five_invoices_for_45_days(h)
        emails = [c for c in h.probe.commands() if isinstance(c, SendEmail)]
        assert [e.template for e in emails] == [
            "courtesy_reminder",
            "first_reminder",
            "second_reminder",
        ]
        for email in emails:  # each statement lists the whole position
            listed = [p.invoice_number for p in (*email.position.overdue, *email.position.soon_due)]
            assert sorted(listed) == NUMBERS
            assert email.position.outstanding_totals[0].amount == 1500
        assert [i.invoice_number for i in emails[0].invoices] == ["F1"]  # due in 7 days
        assert [i.invoice_number for i in emails[1].invoices] == NUMBERS  # all overdue
        assert [d.days_overdue for d in emails[1].position.overdue] == [7, 6, 5, 4, 3]
        calls = [t for t in h.probe.events(TaskCreated) if t.kind.value == "call"]
        assert len(calls) == 1 and list(calls[0].invoice_numbers) == NUMBERS
        [letter] = _letters(h, LetterKind.SIMPLE)
        [notice] = _letters(h, LetterKind.REGISTERED)
        assert [i.invoice_number for i in letter.invoices] == NUMBERS
        assert [i.invoice_number for i in notice.invoices] == NUMBERS
        assert notice.formal_notice is not None  # the letters service adds the penalties
        days = sorted(
            [c.idempotency_key.rsplit(":", 1)[1] for c in h.probe.commands()]
            + [t.due_on.isoformat() for t in calls]
        )
        assert days == [
            "2026-08-31",  # D-7 of F1
            "2026-09-14",  # D+7 of F1
            "2026-09-21",
            "2026-09-28",  # the call
            "2026-10-05",
            "2026-10-12",  # the formal notice, one, naming all five
        ]
        assert (await h.http.get("/v1/validations")).json() == []
        timeline = await h.timeline("C5")
        assert (timeline["level"], timeline["level_on"]) == (35, "2026-10-12")


async def test_per_invoice_keeps_the_old_behaviour_one_track_each(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.dun_per_invoice(contacts_per_week=14)
        await _five_invoices_for_45_days(h)
        templates = Counter(c.template for c in h.probe.commands())
        assert templates == {
            "courtesy_reminder": 5,
            "first_reminder": 5,
            "second_reminder": 5,
            "reminder_letter": 5,
            "formal_notice": 1,  # the first; the other four wait for a person
        }
        calls = [t for t in h.probe.events(TaskCreated) if t.kind.value == "call"]
        assert sorted(n for t in calls for n in t.invoice_numbers) == NUMBERS
        assert len(calls) == 5
        pending = (await h.http.get("/v1/validations")).json()
        assert [(v["channel"], v["invoice_numbers"]) for v in pending] == [
            ("registered_letter", [n]) for n in NUMBERS[1:]
        ]
        timeline = (await h.timeline("C5"))["entries"]
        waiting = [e["detail"] for e in timeline if e["kind"] == "pending"]
        assert waiting == ["waiting for validation: a registered letter went on 2026-10-12"] * 4


def _steps(counted_from: str) -> list[dict]:
    return [
        {"offset_days": 7, "channel": "email", "template": "first_reminder"},
        {
            "offset_days": 14,
            "channel": "email",
            "template": "second_reminder",
            "counted_from": counted_from,
        },
        {"offset_days": 21, "channel": "call", "template": "call", "counted_from": counted_from},
    ]


async def test_steps_counted_from_the_previous_step_move_together_after_a_holiday(
    database_url, amqp_url
):
    """D+7 falls on 11 November (a public holiday) and goes on the 12th: the steps counted
    from the previous one follow a week apart (19th, 26th); those counted from the due date
    stay on D+14 and D+21 (18th, 25th). Per invoice, so that no gap hides the difference."""
    due = date(2026, 11, 4)  # a Wednesday
    async with running(database_url, amqp_url, per_invoice=True) as h:
        for code, counted_from in (("standard", "previous_step"), ("key_account", "due_date")):
            r = await h.http.put(
                f"/v1/scenarios/{code}",
                json={"name": code, "steps": _steps(counted_from), "change": "test"},
            )
            assert r.status_code == 200, r.text
        await h.set_clock(paris(due, 10))
        await h.ledger.customer("P1")
        await h.ledger.customer("D1", segment=Segment.KEY_ACCOUNT)
        await h.ledger.invoice("P1", "F1", due)
        await h.ledger.invoice("D1", "F2", due)
        await h.quiet()
        for _ in range(24):
            await h.advance(days=1)
        await h.quiet()

        def acts(ref: str) -> list[str]:
            days = [
                c.idempotency_key.rsplit(":", 1)[1]
                for c in h.probe.commands()
                if c.debtor.customer_ref == ref
            ]
            tasks = h.probe.events(TaskCreated)
            return days + [t.due_on.isoformat() for t in tasks if t.customer_ref == ref]

        assert acts("P1") == ["2026-11-12", "2026-11-19", "2026-11-26"]
        assert acts("D1") == ["2026-11-12", "2026-11-18", "2026-11-25"]

"""A person's casework: the owner of an open dispute reminded, a call's cause of lateness and
the contact it collected, a formal notice delivered that ends the amicable phase."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import text

from encaisse.contracts import Envelope
from encaisse.contracts.ledger import RecordDunningContact
from encaisse.contracts.letters import LetterDelivered, LetterKind, SendLetter
from encaisse.contracts.notifier import SendEmail
from encaisse.contracts.scheduler import CaseEscalated, TaskCreated
from encaisse.scheduler.domain.windows import SendingWindow, slot_on_or_after
from integration.scheduler.harness import days, paris, running
from support.services import TENANT

DUE = date(2026, 3, 16)  # a Monday


def reminders(h) -> list[TaskCreated]:
    return [t for t in h.probe.events(TaskCreated) if t.note.startswith("reminder:")]


async def test_the_owner_of_an_open_dispute_is_reminded_weekly_until_it_is_resolved(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.one_invoice("D1", "F1", DUE, paris(DUE + timedelta(days=22)))  # Tuesday 7 April
        r = await h.http.post(
            "/v1/disputes",
            json={"customer_ref": "D1", "invoice_number": "F1", "reason": "amount_wrong"},
        )
        assert r.status_code == 201, r.text
        dispute_id = r.json()["id"]
        await h.quiet()
        told = [c.template for c in h.probe.commands()]
        assert told == ["dispute_acknowledged"]

        await days(h, 6)
        assert reminders(h) == []
        await days(h, 1)  # +7
        [first] = reminders(h)
        assert (first.kind.value, first.assignee, first.invoice_numbers) == (
            "dispute",
            "rep@acme.fr",
            ("F1",),
        )
        assert "open for 7 days" in first.note
        [shown] = (await h.http.get("/v1/disputes")).json()
        assert shown["reminded_on"] == (DUE + timedelta(days=29)).isoformat()
        await days(h, 6)
        assert len(reminders(h)) == 1
        await days(h, 1)  # +14
        assert len(reminders(h)) == 2 and "open for 14 days" in reminders(h)[1].note
        assert [c.template for c in h.probe.commands()] == told  # the debtor heard nothing

        open_tasks = (await h.http.get("/v1/tasks", params={"kind": "dispute"})).json()
        assert len(open_tasks) == 3  # the dispute and its two reminders
        r = await h.http.post(
            f"/v1/disputes/{dispute_id}/resolve", json={"resolution": "credit note issued"}
        )
        assert r.status_code == 200, r.text
        assert (await h.http.get("/v1/tasks", params={"kind": "dispute"})).json() == []
        await days(h, 8)
        assert len(reminders(h)) == 2  # not after resolution


async def test_the_dispute_reminder_follows_the_profile_interval(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.one_invoice("D2", "F2", DUE, paris(DUE + timedelta(days=20)))
        async with h.app.state.runtime.engine.begin() as conn:  # the profile's policy
            await conn.execute(
                text(
                    "UPDATE scheduler.profiles SET dispute_reminder_days = 3 "
                    "WHERE tenant = :tenant AND code = 'standard'"
                ),
                {"tenant": TENANT},
            )
        r = await h.http.post(
            "/v1/disputes",
            json={"customer_ref": "D2", "invoice_number": "F2", "reason": "amount_wrong"},
        )
        assert r.status_code == 201
        await days(h, 2)
        assert reminders(h) == []
        await days(h, 1)
        assert len(reminders(h)) == 1
        await days(h, 3)
        assert len(reminders(h)) == 2


async def _call_task(h, ref: str) -> str:
    await h.advance(hours=1)  # the D+21 call
    await h.quiet()
    calls = (await h.http.get("/v1/tasks", params={"kind": "call"})).json()
    return next(c["id"] for c in calls if c["customer_ref"] == ref)


async def _collect_email_task(h, ref: str) -> str:
    """A ``collect_email`` task as the day run opens one for a customer without an email."""
    task_id = str(uuid.uuid4())
    async with h.app.state.runtime.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO scheduler.tasks (id, tenant, customer_ref, kind, due_on, "
                "invoice_numbers, created_at) VALUES (:id, :tenant, :ref, 'collect_email', "
                ":day, '{}', now())"
            ),
            {"id": task_id, "tenant": TENANT, "ref": ref, "day": DUE},
        )
    return task_id


async def test_a_call_records_a_cause_and_the_email_it_collected(database_url, amqp_url):
    async with running(database_url, amqp_url, per_invoice=True) as h:
        await h.one_invoice("N1", "F1", DUE, paris(DUE + timedelta(days=22)), email=None)
        await h.ledger.customer("N2", email=None)
        await h.ledger.invoice("N2", "F2", DUE)
        await h.quiet()
        collect = await _collect_email_task(h, "N1")
        other = await _collect_email_task(h, "N2")
        call = await _call_task(h, "N1")
        r = await h.http.post(
            f"/v1/tasks/{call}/outcome",
            json={
                "outcome": "reached",
                "cause": "cash_difficulties",
                "collected_email": "compta@n1.fr",
                "collected_phone": "+33611223344",
                "note": "pays at the end of the month",
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["cause"] == "cash_difficulties"
        await h.quiet()
        [sent] = [c for c in h.probe.commands() if isinstance(c, RecordDunningContact)]
        assert (sent.customer_ref, sent.email, sent.phone) == ("N1", "compta@n1.fr", "+33611223344")
        assert (sent.collected_by, sent.task_id) == ("Alice Admin", call)
        assert (await h.timeline("N1"))["last_cause"] == "cash_difficulties"
        open_collect = (await h.http.get("/v1/tasks", params={"kind": "collect_email"})).json()
        assert [t["id"] for t in open_collect] == [other]  # N1's is done, N2's waits
        assert collect not in {t["id"] for t in open_collect}

        # the ledger's next import knows no email: the collected one is still used
        await h.ledger.customer("N1", email=None)
        await h.quiet()
        await h.ledger.settle("N1", "F1", DUE, DUE + timedelta(days=22))
        await h.quiet()
        [thanks] = [c for c in h.probe.commands() if isinstance(c, SendEmail)]
        assert (thanks.template, thanks.to) == ("thank_you", ("compta@n1.fr",))

        # N2's email comes from the ledger: its collect_email task is done too
        await h.ledger.customer("N2", email="ap@n2.fr")
        await h.quiet()
        assert (await h.http.get("/v1/tasks", params={"kind": "collect_email"})).json() == []


async def test_one_collect_email_task_per_customer(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.one_invoice("N3", "F3", DUE, paris(DUE), email=None)
        await _collect_email_task(h, "N3")
        try:
            await _collect_email_task(h, "N3")
        except Exception as e:  # the unique partial index refuses a second one
            assert "uq_tasks_collect_email_once" in str(e)
        else:
            raise AssertionError("a second open collect_email task was accepted")


async def test_causes_of_lateness_are_counted_per_tenant_over_a_period(database_url, amqp_url):
    async with running(database_url, amqp_url, per_invoice=True) as h:
        today = DUE + timedelta(days=22)
        await h.one_invoice("C1", "F1", DUE, paris(today))
        for ref, number in (("C2", "F2"), ("C3", "F3"), ("C4", "F4")):
            await h.ledger.customer(ref)
            await h.ledger.invoice(ref, number, DUE)
        await h.quiet()
        await h.advance(hours=1)
        await h.quiet()
        calls = {
            c["customer_ref"]: c["id"]
            for c in (await h.http.get("/v1/tasks", params={"kind": "call"})).json()
        }
        outcomes = {
            "C1": {"outcome": "reached", "cause": "forgotten"},
            "C2": {"outcome": "promise", "promised_date": str(today), "cause": "forgotten"},
            "C3": {"outcome": "dispute", "dispute_reason": "not_received"},  # disputed
            "C4": {"outcome": "no_answer"},  # no cause
        }
        for ref, body in outcomes.items():
            r = await h.http.post(f"/v1/tasks/{calls[ref]}/outcome", json=body)
            assert r.status_code == 200, r.text
        r = await h.http.post(f"/v1/tasks/{calls['C1']}/outcome", json={"outcome": "reached"})
        assert r.status_code == 409
        r = await h.http.post(
            f"/v1/tasks/{calls['C4']}/outcome", json={"outcome": "reached", "cause": "bored"}
        )
        assert r.status_code == 422

        report = (await h.http.get("/v1/reports/lateness-causes")).json()
        counts = {c["cause"]: c["count"] for c in report["causes"]}
        assert report["total"] == 3
        assert counts["forgotten"] == 2 and counts["disputed"] == 1
        assert counts["cash_difficulties"] == 0 and len(counts) == 7
        assert report["causes"][0]["cause"] == "forgotten"
        later = (today + timedelta(days=1)).isoformat()
        r = await h.http.get("/v1/reports/lateness-causes", params={"since": later})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "since"]
        r = await h.http.get("/v1/reports/lateness-causes", params={"since": later, "until": later})
        assert r.json()["total"] == 0
        assert (await h.timeline("C3"))["last_cause"] == "disputed"
        assert (await h.timeline("C4"))["last_cause"] is None


async def test_a_delivered_formal_notice_ends_the_amicable_phase_after_its_deadline(
    database_url, amqp_url
):
    async with running(database_url, amqp_url, per_invoice=True) as h:
        await h.set_clock(paris(DUE + timedelta(days=30)))
        await h.ledger.customer("R1")
        await h.ledger.invoice("R1", "F1", DUE)
        await h.ledger.invoice("R1", "F2", DUE)
        await h.quiet()
        notice = None
        for _ in range(20):
            await days(h, 1)
            notices = [
                c
                for c in h.probe.commands()
                if isinstance(c, SendLetter) and c.kind is LetterKind.REGISTERED
            ]
            if notices:
                [notice] = notices
                break
        assert notice is not None
        assert sorted(i.invoice_number for i in notice.invoices) == ["F1", "F2"]
        await days(h, 1)
        delivered_on = await _today(h)
        await h.ledger.settle("R1", "F2", DUE, delivered_on)  # paid: not escalated
        await h.quiet()
        await h.ledger.publish(
            Envelope(
                payload=LetterDelivered(
                    tenant=TENANT,
                    version=1,
                    letter_id="L1",
                    command_key=notice.idempotency_key,
                    kind=LetterKind.REGISTERED,
                    customer_ref="R1",
                    delivered_on=delivered_on,
                ),
                subject="L1",
            )
        )
        await h.quiet()
        entry = next(
            e for e in (await h.timeline("R1"))["entries"] if e["kind"] == "notice_delivered"
        )
        assert entry["invoice_numbers"] == ["F1"]
        end = delivered_on + timedelta(days=9)  # 8 days to pay, then the end
        due_at = slot_on_or_after(end, SendingWindow(), "Europe/Paris", "FR")
        assert due_at.date() < DUE + timedelta(days=60)  # sooner than the fixed end
        while await _today(h) < due_at.date():
            assert h.probe.events(CaseEscalated) == [], await _today(h)
            await days(h, 1)
        [escalated] = h.probe.events(CaseEscalated)
        assert escalated.invoice_numbers == ("F1",)


async def _today(h) -> date:
    return date.fromisoformat((await h.http.get("/v1/clock")).json()["now"][:10])

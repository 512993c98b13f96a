"""Contacts and calls: returned letters, wrong numbers, missing records, exclusion, outcomes."""

from __future__ import annotations

from datetime import date, timedelta

from encaisse.contracts import Envelope
from encaisse.contracts.letters import LetterKind, LetterReturned, ReturnReason, SendLetter
from encaisse.contracts.notifier import SendEmail
from encaisse.contracts.scheduler import TaskCreated
from integration.scheduler.harness import days, paris, running, templates

DUE = date(2026, 3, 16)  # a Monday


def task_kinds(h) -> list[str]:
    return [t.kind.value for t in h.probe.events(TaskCreated)]


def entries(timeline, kind: str) -> list[dict]:
    return [e for e in timeline["entries"] if e["kind"] == kind]


async def test_a_letter_returned_not_at_this_address_is_an_anomaly_and_goes_by_email(
    database_url, amqp_url
):
    async with running(database_url, amqp_url, per_invoice=True) as h:
        # Monday 13 April, D+28
        await h.one_invoice("A1", "F1", DUE, paris(DUE + timedelta(days=28)))
        await h.advance(hours=1)
        await h.quiet()
        letter = h.probe.commands()[-1]
        assert isinstance(letter, SendLetter) and letter.template == "reminder_letter"
        await h.ledger.publish(
            Envelope(
                payload=LetterReturned(
                    tenant="ACME",
                    version=3,
                    letter_id="L1",
                    command_key=letter.idempotency_key,
                    kind=LetterKind.SIMPLE,
                    customer_ref="A1",
                    case_id=letter.case_id,
                    step=letter.step,
                    reason=ReturnReason.ADDRESS_UNKNOWN,
                    detail="n'habite pas à l'adresse indiquée",
                ),
                subject="L1",
            )
        )
        await h.quiet()
        email = h.probe.commands()[-1]
        assert isinstance(email, SendEmail) and email.step == "D+28-letter"
        assert [i.invoice_number for i in email.invoices] == ["F1"]
        assert task_kinds(h) == ["fix_contact"]
        timeline = await h.timeline("A1")
        [anomaly] = entries(timeline, "anomaly")
        assert anomaly["channel"] == "letter" and "address_unknown" in anomaly["detail"]
        sent = len(h.probe.commands())
        await days(h, 7)  # D+35 registered letter: the address is known to be wrong
        assert len(h.probe.commands()) == sent
        skipped = entries(await h.timeline("A1"), "skipped")
        assert [(e["step"], e["detail"]) for e in skipped] == [
            ("D+35-registered_letter", "no valid postal address")
        ]


async def test_a_wrong_number_on_a_call_goes_by_email_and_asks_for_a_fix(database_url, amqp_url):
    async with running(database_url, amqp_url, per_invoice=True) as h:
        # D+21 was Easter Monday
        await h.one_invoice("W1", "F2", DUE, paris(DUE + timedelta(days=22)))
        await h.advance(hours=1)
        await h.quiet()
        [call] = (await h.http.get("/v1/tasks", params={"kind": "call"})).json()
        assert call["invoice_numbers"] == ["F2"] and templates(h) == []
        r = await h.http.post(
            f"/v1/tasks/{call['id']}/outcome",
            json={"outcome": "wrong_number", "note": "a bakery answered"},
        )
        assert r.status_code == 200, r.text
        await h.quiet()
        [email] = h.probe.commands()
        assert isinstance(email, SendEmail) and email.step == "D+21-call"
        assert [i.invoice_number for i in email.invoices] == ["F2"]
        assert task_kinds(h) == ["call", "fix_contact"]
        [anomaly] = entries(await h.timeline("W1"), "anomaly")
        assert anomaly["channel"] == "call" and "wrong number" in anomaly["detail"]


async def test_no_phone_and_no_address_skip_the_call_and_the_letter_with_one_task(
    database_url, amqp_url
):
    async with running(database_url, amqp_url, per_invoice=True) as h:
        await h.one_invoice(
            "N2", "F3", DUE, paris(DUE + timedelta(days=22)), phone=None, address=False
        )
        await h.advance(hours=1)  # D+21 call
        await days(h, 6)  # D+28 letter on 13 April
        assert h.probe.commands() == []
        assert task_kinds(h) == ["complete_record"]  # asked for once, not per step
        skipped = entries(await h.timeline("N2"), "skipped")
        assert [(e["step"], e["detail"]) for e in skipped] == [
            ("D+21-call", "no valid phone number"),
            ("D+28-letter", "no valid postal address"),
        ]


async def test_an_excluded_customer_gets_no_thank_you_and_no_acknowledgment(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=8)))
        await h.ledger.customer("X3")
        await h.ledger.invoice("X3", "F4", DUE)
        await h.ledger.invoice("X3", "F5", DUE)
        await h.quiet()
        await days(h, 1)  # D-7 courtesy email: the dunning has started
        assert templates(h) == ["courtesy_reminder"]
        r = await h.http.put("/v1/customers/X3/exclusion", json={"excluded": True})
        assert r.status_code == 200
        r = await h.http.post(
            "/v1/disputes",
            json={"customer_ref": "X3", "invoice_number": "F5", "reason": "amount_wrong"},
        )
        assert r.status_code == 201
        await h.ledger.settle("X3", "F4", DUE, DUE - timedelta(days=6))
        await h.quiet()
        await days(h, 10)
        assert templates(h) == ["courtesy_reminder"]
        # the staff's own work goes on: the dispute, and its owner reminded 7 days later
        assert task_kinds(h) == ["dispute", "dispute"]


async def test_call_outcomes_a_dispute_pauses_no_answer_lets_the_scenario_go_on(
    database_url, amqp_url
):
    async with running(database_url, amqp_url, per_invoice=True) as h:
        await h.one_invoice("T3", "F6", DUE, paris(DUE + timedelta(days=22)))
        await h.ledger.customer("T4")
        await h.ledger.invoice("T4", "F7", DUE)
        await h.quiet()
        await h.advance(hours=1)
        await h.quiet()
        calls = {
            t["customer_ref"]: t["id"]
            for t in (await h.http.get("/v1/tasks", params={"kind": "call"})).json()
        }
        r = await h.http.post(
            f"/v1/tasks/{calls['T3']}/outcome",
            json={"outcome": "dispute", "dispute_reason": "not_received", "note": "never got it"},
        )
        assert r.status_code == 200, r.text
        r = await h.http.post(f"/v1/tasks/{calls['T4']}/outcome", json={"outcome": "no_answer"})
        assert r.status_code == 200 and r.json()["outcome"] == "no_answer"
        await h.quiet()
        [dispute] = (await h.http.get("/v1/disputes")).json()
        assert (dispute["invoice_number"], dispute["source"]) == ("F6", "call")
        assert (await h.timeline("T3"))["invoices"][0]["state"] == "paused"
        assert task_kinds(h) == ["call", "call", "dispute"]
        await days(h, 6)  # D+28 on 13 April: a letter for T4 only
        letters = [c for c in h.probe.commands() if isinstance(c, SendLetter)]
        assert [c.debtor.customer_ref for c in letters] == ["T4"]

"""Disputes, promises, delivery failures, rejected debits, out-of-order events, exclusions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from encaisse.contracts import Envelope, Money
from encaisse.contracts.ledger import (
    Allocation,
    InvoiceStatus,
    InvoiceUpdated,
    PaymentRejected,
    Segment,
)
from encaisse.contracts.letters import SendLetter
from encaisse.contracts.notifier import (
    Channel,
    FailureReason,
    MessageFailed,
    MessageUncertain,
    SendEmail,
    SendSms,
)
from encaisse.contracts.portal import DisputeOpened, DisputeReason, PromiseMade
from encaisse.contracts.scheduler import CasePaused, CaseResumed, TaskCreated
from integration.scheduler.harness import days, paris, running, templates

DUE = date(2026, 3, 16)  # a Monday


async def test_dispute_pauses_escalates_and_resumes_with_the_steps_moved(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE + timedelta(days=6)))
        await h.ledger.customer("D1")
        await h.ledger.invoice("D1", "F10", DUE)
        await h.quiet()
        await days(h, 1)  # D+7 first reminder
        assert templates(h) == ["first_reminder"]
        r = await h.http.post(
            "/v1/disputes",
            json={
                "customer_ref": "D1",
                "invoice_number": "F10",
                "reason": "amount_wrong",
                "message": "price differs from the order",
            },
        )
        assert r.status_code == 201, r.text
        dispute = r.json()
        await h.quiet()
        assert templates(h)[-1] == "dispute_acknowledged"
        assert [p.reason.value for p in h.probe.events(CasePaused)] == ["dispute"]
        tasks = h.probe.events(TaskCreated)
        assert [(t.kind.value, t.assignee) for t in tasks] == [("dispute", "rep@acme.fr")]
        await days(h, 20)  # nothing client-facing while in dispute
        assert templates(h) == ["first_reminder", "dispute_acknowledged"]
        r = await h.http.post(
            f"/v1/disputes/{dispute['id']}/resolve",
            json={"resolution": "price confirmed with the customer"},
        )
        assert r.status_code == 200 and r.json()["status"] == "resolved"
        again = await h.http.post(
            f"/v1/disputes/{dispute['id']}/resolve", json={"resolution": "twice"}
        )
        assert again.status_code == 409
        await h.quiet()
        assert [e.reason for e in h.probe.events(CaseResumed)] == ["dispute_resolved"]
        timeline = await h.timeline("D1")
        # paused on 23 March (D+7), resumed on 12 April: D+14 moves by 20 days, to 19 April,
        # a Sunday -> sent on Monday 20 April
        nxt = timeline["planned"][0]
        assert nxt["step"] == "D+14-email" and nxt["day"] == "2026-04-19"
        assert nxt["due_at"].startswith("2026-04-20")
        assert {"paused", "resumed"} <= {e["kind"] for e in timeline["entries"]}
        await days(h, 8)
        assert templates(h)[-1] == "second_reminder"


async def test_portal_promise_broken_fires_the_next_step_at_once(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE + timedelta(days=8)))
        await h.ledger.customer("P1")
        await h.ledger.invoice("P1", "F20", DUE)  # D+8: D+7 fires at the next run
        await h.quiet()
        await h.advance(hours=1)
        await h.quiet()
        assert templates(h) == ["first_reminder"]
        promised = DUE + timedelta(days=20)  # Sunday 5 April; grace 3 days -> 8 April
        await h.ledger.publish(
            Envelope(
                payload=PromiseMade(
                    tenant="ACME",
                    version=1,
                    promise_id="PR1",
                    customer_ref="P1",
                    invoice_numbers=("F20",),
                    promised_date=promised,
                ),
                subject="PR1",
            )
        )
        await h.quiet()
        assert templates(h)[-1] == "promise_confirmed"
        paused = h.probe.events(CasePaused)
        assert paused[-1].reason.value == "promise" and paused[-1].until == date(2026, 4, 8)
        await days(h, 17)  # up to 10 April 11:00: the grace is over, the money did not come
        assert [e.reason for e in h.probe.events(CaseResumed)] == ["promise_broken"]
        assert templates(h) == ["first_reminder", "promise_confirmed", "second_reminder"]
        # the reminder that follows the broken promise shows the invoice in its statement
        after = h.probe.commands()[-1]
        assert [p.invoice_number for p in after.position.overdue] == ["F20"]
        promises = (await h.http.get("/v1/promises")).json()
        assert [p["status"] for p in promises] == ["broken"]


async def test_promise_in_the_past_is_refused_naming_the_field(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE))
        await h.ledger.customer("P2")
        await h.ledger.invoice("P2", "F21", DUE)
        await h.quiet()
        r = await h.http.post(
            "/v1/promises",
            json={"customer_ref": "P2", "invoice_numbers": ["F21"], "promised_date": "2026-01-01"},
        )
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "promised_date"]
        r = await h.http.post(
            "/v1/promises",
            json={"customer_ref": "P2", "invoice_numbers": ["NOPE"], "promised_date": "2026-04-01"},
        )
        assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["body", "invoice_numbers"]
        r = await h.http.post("/v1/promises", json={"customer_ref": "P2", "invoice_numbers": []})
        assert r.status_code == 422


async def test_a_bounced_courtesy_reminder_is_replaced_by_a_courtesy_never_by_arrears(
    database_url, amqp_url
):
    """A week before the due date nothing is late: no letter saying "factures échues"."""
    async with running(database_url, amqp_url) as h:
        for ref, phone in (("C1", "+33612345678"), ("C2", None)):
            await h.set_clock(paris(DUE - timedelta(days=8)))
            await h.ledger.customer(ref, phone=phone)
            await h.ledger.invoice(ref, f"F-{ref}", DUE)
            await h.quiet()
            await days(h, 1)  # D-7: the courtesy email
            email = h.probe.commands()[-1]
            assert isinstance(email, SendEmail) and email.template == "courtesy_reminder"
            sent = len(h.probe.commands())
            await h.ledger.publish(
                Envelope(
                    payload=MessageFailed(
                        tenant="ACME",
                        version=2,
                        message_id=f"M-{ref}",
                        command_key=email.idempotency_key,
                        channel=Channel.EMAIL,
                        customer_ref=ref,
                        case_id=email.case_id,
                        step=email.step,
                        recipient="ap@client.fr",
                        reason=FailureReason.BOUNCED,
                        detail="550 no such user",
                    ),
                    subject=f"M-{ref}",
                )
            )
            await h.quiet()
            after = h.probe.commands()[sent:]
            assert not [c for c in after if isinstance(c, SendLetter)]
            if phone:  # the courtesy reminder again, by SMS
                [sms] = [c for c in after if isinstance(c, SendSms)]
                assert sms.template == "courtesy_reminder"
            else:  # nothing fits before the due date: a person fixes the address
                assert not [c for c in after if isinstance(c, (SendSms, SendEmail))]
        assert [t.kind.value for t in h.probe.events(TaskCreated)] == ["fix_contact"] * 2


async def test_bounced_email_is_an_anomaly_switches_to_a_letter_and_asks_for_a_fix(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE + timedelta(days=6)))
        await h.ledger.customer("B1")
        await h.ledger.invoice("B1", "F30", DUE)
        await h.quiet()
        await days(h, 1)
        email = h.probe.commands()[-1]
        assert isinstance(email, SendEmail)
        failed = MessageFailed(
            tenant="ACME",
            version=2,
            message_id="M1",
            command_key=email.idempotency_key,
            channel=Channel.EMAIL,
            customer_ref="B1",
            case_id=email.case_id,
            step=email.step,
            recipient="ap@client.fr",
            reason=FailureReason.BOUNCED,
            detail="550 no such user",
        )
        await h.ledger.publish(Envelope(payload=failed, subject="M1"))
        await h.quiet()
        letter = h.probe.commands()[-1]
        assert isinstance(letter, SendLetter) and letter.template == "reminder_letter"
        assert [i.invoice_number for i in letter.invoices] == ["F30"]
        assert [t.kind.value for t in h.probe.events(TaskCreated)] == ["fix_contact"]
        entries = (await h.timeline("B1"))["entries"]
        assert any(e["kind"] == "anomaly" and "bounced" in e["detail"] for e in entries)
        await days(h, 7)  # D+14: while the address is wrong, the email step goes by letter
        assert not [c for c in h.probe.commands()[2:] if isinstance(c, SendEmail)]
        letter = h.probe.commands()[-1]
        assert isinstance(letter, SendLetter) and letter.step == "D+14-letter"
        assert letter.template == "reminder_letter"
        await h.ledger.customer("B1", email="compta@client.fr")  # fixed in the ledger
        await days(h, 14)  # D+21 call, D+28 letter
        assert isinstance(h.probe.commands()[-1], SendLetter)


async def test_an_email_that_may_not_have_left_asks_a_person_to_check(database_url, amqp_url):
    """Not sent again (it may have arrived) and not taken as sent: a check_delivery task."""
    async with running(database_url, amqp_url) as h:
        await h.one_invoice("U1", "F31", DUE, paris(DUE + timedelta(days=6)))
        await days(h, 1)  # D+7: the first reminder
        email = h.probe.commands()[-1]
        assert isinstance(email, SendEmail)
        sent = len(h.probe.commands())
        await h.ledger.publish(
            Envelope(
                payload=MessageUncertain(
                    tenant="ACME",
                    version=1,
                    message_id="M2",
                    command_key=email.idempotency_key,
                    channel=Channel.EMAIL,
                    customer_ref="U1",
                    case_id=email.case_id,
                    step=email.step,
                    recipient="ap@client.fr",
                    detail="the sender stopped during DATA",
                ),
                subject="M2",
            )
        )
        await h.quiet()
        assert h.probe.commands()[sent:] == [], "not sent again by itself"
        [task] = h.probe.events(TaskCreated)
        assert task.kind.value == "check_delivery" and task.invoice_numbers == ("F31",)
        assert "ap@client.fr" in task.note and "may not have left" in task.note
        listed = (await h.http.get("/v1/tasks", params={"kind": "check_delivery"})).json()
        assert [t["id"] for t in listed] == [task.task_id]
        entries = (await h.timeline("U1"))["entries"]
        assert any(e["kind"] == "anomaly" and e["detail"].startswith("uncertain") for e in entries)


async def test_rejected_direct_debit_email_at_once_then_call_next_working_day(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE + timedelta(days=3)))  # Thursday 19 March
        await h.ledger.customer("R1")
        await h.ledger.invoice("R1", "F40", DUE)
        await h.quiet()
        await h.ledger.settle("R1", "F40", DUE, DUE + timedelta(days=1), payment_ref="SDD1")
        await h.quiet()
        assert templates(h) == ["thank_you"]  # paid before any reminder: thanked all the same
        zero = Money(amount=Decimal("1200.00"), currency="EUR")
        await h.ledger.publish(
            Envelope(
                payload=PaymentRejected(
                    tenant="ACME",
                    version=2,
                    payment_ref="SDD1",
                    customer_ref="R1",
                    rejected_on=DUE + timedelta(days=4),
                    reason="AM04 insufficient funds",
                    reopened=(
                        Allocation(invoice_number="F40", amount=zero, open_balance_after=zero),
                    ),
                ),
                subject="SDD1",
            )
        )
        await h.ledger.invoice("R1", "F40", DUE, cls=InvoiceUpdated, reason="reopened", version=3)
        await h.quiet()
        await h.advance(days=1)  # Friday 20 March
        await h.quiet()
        assert templates(h) == ["thank_you", "direct_debit_rejected"]
        await days(h, 3)  # the call falls on Monday 23 March, not on the weekend
        calls = [t for t in h.probe.events(TaskCreated) if t.kind.value == "call"]
        assert [t.due_on for t in calls] == [date(2026, 3, 23)]


async def test_events_out_of_order_and_stale_versions_are_ignored(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=10)))
        # the invoice before its customer, then a newer amendment before an older one
        await h.ledger.invoice("O1", "F50", DUE, version=1)
        await h.ledger.invoice(
            "O1", "F50", DUE + timedelta(days=30), cls=InvoiceUpdated, reason="amended", version=3
        )
        await h.ledger.invoice(
            "O1", "F50", DUE + timedelta(days=10), cls=InvoiceUpdated, reason="amended", version=2
        )
        await h.ledger.customer("O1", segment=Segment.PUBLIC)
        await h.quiet()
        timeline = await h.timeline("O1")
        assert timeline["profile"] == "public_body"
        assert timeline["planned"][0]["step"] == "D-7-email"
        assert timeline["planned"][0]["day"] == "2026-04-08"  # 15 April - 7
        r = await h.http.get("/v1/customers/NOBODY/timeline")
        assert r.status_code == 404


async def test_excluded_invoices_and_customers_get_nothing(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=8)))
        await h.ledger.customer("X1")
        await h.ledger.invoice("X1", "F60", DUE)
        await h.ledger.invoice("X1", "F61", DUE)
        await h.ledger.customer("X2", excluded_from_dunning=True)
        await h.ledger.invoice("X2", "F62", DUE)
        await h.quiet()
        r = await h.http.put("/v1/customers/X1/invoices/F61/exclusion", json={"excluded": True})
        assert r.status_code == 200
        await days(h, 2)
        sent = h.probe.commands()
        assert [[i.invoice_number for i in c.invoices] for c in sent] == [["F60"]]


async def test_portal_dispute_for_an_invoice_and_a_customer_without_email(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=8)))
        await h.ledger.customer("N1", email=None, address=False)
        await h.ledger.invoice("N1", "F70", DUE)
        await h.quiet()
        await h.ledger.publish(
            Envelope(
                payload=DisputeOpened(
                    tenant="ACME",
                    version=1,
                    dispute_id="DP1",
                    customer_ref="N1",
                    invoice_number="F70",
                    reason=DisputeReason.NOT_RECEIVED,
                    opened_at=paris(DUE),
                ),
                subject="DP1",
            )
        )
        await h.quiet()
        disputes = (await h.http.get("/v1/disputes")).json()
        assert [(d["id"], d["source"], d["status"]) for d in disputes] == [
            ("DP1", "portal", "open")
        ]
        assert templates(h) == []  # no email address: no acknowledgment by email
        assert [p.reason.value for p in h.probe.events(CasePaused)] == ["dispute"]
        assert [t.kind.value for t in h.probe.events(TaskCreated)] == ["dispute"]
        assert (await h.timeline("N1"))["invoices"][0]["state"] == "paused"
        assert InvoiceStatus.OPEN.value == "open"


async def test_a_customer_known_after_its_invoice_replans_on_its_profile(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=20)))  # 24 February
        await h.ledger.invoice("L1", "F80", DUE)  # planned as standard: D-7 on 9 March
        await h.quiet()
        await h.ledger.customer("L1", segment=Segment.KEY_ACCOUNT)  # D-15 call on 1 March
        await h.quiet()
        await days(h, 6)  # 1 March is a Sunday: the call is for Monday 2 March
        calls = [t for t in h.probe.events(TaskCreated) if t.kind.value == "call"]
        assert [t.due_on for t in calls] == [date(2026, 3, 2)]


async def test_a_provider_outage_sends_the_reminder_again_bounded_and_never_once_paid(
    database_url, amqp_url
):
    """An SMTP relay down past the notifier's retries is not the debtor's fault."""
    async with running(database_url, amqp_url) as h:
        for ref, number in (("P1", "F50"), ("P2", "F51")):
            await h.one_invoice(ref, number, DUE, paris(DUE + timedelta(days=6), 11))
        await days(h, 1)  # D+7, 11:00: the first reminders

        def emails(ref: str) -> list[SendEmail]:
            return [
                c
                for c in h.probe.commands()
                if isinstance(c, SendEmail)
                and c.debtor.customer_ref == ref
                and c.template != "thank_you"
            ]

        async def provider_down(email: SendEmail) -> None:
            await h.ledger.publish(
                Envelope(
                    payload=MessageFailed(
                        tenant="ACME",
                        version=2,
                        message_id=f"M-{email.idempotency_key}",
                        command_key=email.idempotency_key,
                        channel=Channel.EMAIL,
                        customer_ref=email.debtor.customer_ref,
                        case_id=email.case_id,
                        step=email.step,
                        recipient="ap@client.fr",
                        reason=FailureReason.PROVIDER_ERROR,
                        detail="connection refused",
                    ),
                    subject=f"M-{email.idempotency_key}",
                )
            )
            await h.quiet()

        first = emails("P1")[-1]
        for tries in range(1, 4):
            await provider_down(emails("P1")[-1])
            await h.advance(hours=1)
            await h.quiet()
            again = emails("P1")[-1]
            assert len(emails("P1")) == tries + 1, "sent again an hour later"
            assert again.template == first.template and again.invoices == first.invoices
            assert again.idempotency_key == f"{first.idempotency_key}~again{tries}"
        await provider_down(emails("P1")[-1])  # a fourth failure: a person takes it
        await h.advance(hours=2)
        await h.quiet()
        assert len(emails("P1")) == 4
        [task] = [t for t in h.probe.events(TaskCreated) if t.customer_ref == "P1"]
        assert task.kind.value == "manual" and "failed 4 times" in task.note
        await provider_down(emails("P2")[-1])
        await h.ledger.settle("P2", "F51", DUE, DUE + timedelta(days=7))  # paid meanwhile
        await h.quiet()
        await h.advance(hours=2)
        await h.quiet()
        assert len(emails("P2")) == 1, "never sent again once paid"

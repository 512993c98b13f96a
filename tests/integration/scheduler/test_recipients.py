"""Whom the day run's commands go to: a step's role reaches that person (the firmer steps
the finance director), a step without one the billing contact, and a customer whose only
email is the dunning contact collected on a call is reached there."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from encaisse.contracts import Envelope
from encaisse.contracts.ledger import Contact, ContactRole, PreferredChannel, Segment
from encaisse.contracts.notifier import Channel, FailureReason, MessageFailed, SendEmail
from encaisse.contracts.scheduler import TaskCreated, TaskKind
from integration.scheduler.harness import days, paris, running

DUE = date(2026, 3, 16)  # a Monday
FINANCE = Contact(
    role=ContactRole.FINANCE_DIRECTOR,
    name="Marie Curie",
    email="daf@client.de",
    phone="+493012345678",
    hours="Mon-Fri 9-12",
    preferred_channel=PreferredChannel.EMAIL,
)
PAYABLE = Contact(
    role=ContactRole.ACCOUNTS_PAYABLE, name="Hans Kreditor", email="ap@client.de", phone=None
)


def emails(h) -> dict[str, tuple[str, ...]]:
    """Each email sent so far: its template, and to whom."""
    return {c.template: c.to for c in h.probe.commands() if isinstance(c, SendEmail)}


async def test_each_step_goes_to_the_contact_its_role_names_else_to_billing(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        # export (a customer abroad): D+7 first reminder (no role), D+14 second (accounts
        # payable), D+21 call (accounts payable, who has no phone: billing's), D+28 third
        # (finance director)
        await h.one_invoice(
            "X1",
            "F1",
            DUE,
            paris(DUE + timedelta(days=7)),
            email="billing@client.de",
            phone="+493098765432",
            country="DE",
            segment=Segment.SME,
            contacts=(FINANCE, PAYABLE),
        )
        await h.advance(hours=1)
        await h.quiet()
        assert emails(h) == {"first_reminder": ("billing@client.de",)}
        await days(h, 26)
        sent = emails(h)
        assert sent["second_reminder"] == ("ap@client.de",)
        assert sent["third_reminder"] == ("daf@client.de",)
        [call] = [
            t
            for t in (await h.http.get("/v1/tasks", params={"kind": "call"})).json()
            if t["customer_ref"] == "X1"
        ]
        # the accounts payable contact has no phone: the call goes to the billing number
        assert "+493098765432" in call["note"] and "billing" in call["note"]
        async with h.app.state.runtime.engine.connect() as conn:
            stored = await conn.scalar(
                text("SELECT contacts FROM scheduler.customers WHERE customer_ref = 'X1'")
            )
        assert [p["role"] for p in stored] == ["finance_director", "accounts_payable"]
        assert stored[0]["hours"] == "Mon-Fri 9-12" and stored[0]["email_ok"] is True


async def test_a_call_names_the_contact_of_its_role_and_the_dunning_contact_reaches_by_email(
    database_url, amqp_url
):
    collected = Contact(role=ContactRole.DUNNING, email="collected@client.fr")
    payable = Contact(
        role=ContactRole.ACCOUNTS_PAYABLE,
        name="Paul Payeur",
        phone="+33698765432",
        hours="Tue-Thu 14-17",
    )
    async with running(database_url, amqp_url) as h:
        # standard: D+7 first reminder by email, to the collected email (none from billing)
        await h.one_invoice(
            "N1",
            "F2",
            DUE,
            paris(DUE + timedelta(days=7)),
            email=None,
            contacts=(payable, collected),
        )
        await h.advance(hours=1)
        await h.quiet()
        assert emails(h) == {"first_reminder": ("collected@client.fr",)}
        await days(h, 17)  # D+14 second reminder, D+21 call (Easter Monday: the 7th)
        assert emails(h)["second_reminder"] == ("collected@client.fr",)
        [call] = (await h.http.get("/v1/tasks", params={"kind": "call"})).json()
        assert "Paul Payeur" in call["note"] and "+33698765432" in call["note"]
        assert "Tue-Thu 14-17" in call["note"]


async def test_a_bounce_at_the_role_s_person_marks_that_person_and_goes_to_billing(
    database_url, amqp_url
):
    async with running(database_url, amqp_url, per_invoice=True) as h:
        # export, arriving at D+14: the second reminder goes to accounts payable
        await h.one_invoice(
            "B1",
            "F3",
            DUE,
            paris(DUE + timedelta(days=14)),
            email="billing@client.de",
            country="DE",
            contacts=(PAYABLE,),
        )
        await h.advance(hours=1)
        await h.quiet()
        [email] = [c for c in h.probe.commands() if isinstance(c, SendEmail)]
        assert email.to == ("ap@client.de",)
        failed = MessageFailed(
            tenant="ACME",
            version=2,
            message_id="M-B1",
            command_key=email.idempotency_key,
            channel=Channel.EMAIL,
            customer_ref="B1",
            case_id=email.case_id,
            step=email.step,
            recipient="ap@client.de",
            reason=FailureReason.BOUNCED,
            detail="550 no such user",
        )
        await h.ledger.publish(Envelope(payload=failed, subject="M-B1"))
        await h.quiet()
        again = h.probe.commands()[-1]
        # the same reminder, by email, to the billing contact (not a letter: it is right)
        assert isinstance(again, SendEmail) and again.to == ("billing@client.de",)
        assert again.template == "second_reminder" and again.step == email.step
        assert again.idempotency_key != email.idempotency_key
        [fix] = [t for t in h.probe.events(TaskCreated) if t.kind is TaskKind.FIX_CONTACT]
        async with h.app.state.runtime.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT email_ok, contacts FROM scheduler.customers"
                        " WHERE customer_ref = 'B1'"
                    )
                )
            ).one()
        assert row.email_ok is True and row.contacts[0]["email_ok"] is False
        tasks = (await h.http.get("/v1/tasks", params={"kind": "fix_contact"})).json()
        assert [t["id"] for t in tasks] == [fix.task_id] and "ap@client.de" in tasks[0]["note"]
        # the ledger sends the same contact again: still known to be wrong
        await h.ledger.customer("B1", email="billing@client.de", country="DE", contacts=(PAYABLE,))
        await h.quiet()
        async with h.app.state.runtime.engine.connect() as conn:
            stored = await conn.scalar(
                text("SELECT contacts FROM scheduler.customers WHERE customer_ref = 'B1'")
            )
        assert stored[0]["email_ok"] is False

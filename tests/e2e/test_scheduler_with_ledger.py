"""End to end: the real ledger and the scheduler over 70 simulated days.

The ledger's demo data (tenant DEMO) and four customers of tenant ACME, one per
default scenario, entered through the ledger's API; the scheduler's clock is
advanced day by day and the exact sequence of commands (and collector tasks)
is checked for each scenario, with an incident on each: a payment mid-way
(standard), a dispute and its resolution (key account), a broken promise
(export), a bounced email (public body). The notifier's bounce report is
played on the bus. A fifth customer, abroad, has no email: its courtesy reminder goes by
SMS, its reminders by letter, until the collector's call collects an email, which the
ledger keeps as its dunning contact (it survives the next import) and the next reminder
uses. Every act is dunning per customer, the default: one statement per act, a week apart.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from encaisse.bus.publisher import Publisher, connect
from encaisse.contracts import Envelope
from encaisse.contracts.letters import SendLetter
from encaisse.contracts.notifier import (
    Channel,
    FailureReason,
    MessageFailed,
    SendEmail,
    SendSms,
)
from encaisse.contracts.scheduler import CaseOpened, TaskCreated
from encaisse.ledger import demo
from integration.scheduler.harness import Probe, clean, paris
from support.http import client
from support.services import service_app

START = date(2026, 3, 2)  # a Monday
TAG = uuid.uuid4().hex[:5].upper()


def ref(name: str) -> str:
    return f"{name}-{TAG}"


def customer(segment: str, country: str = "FR") -> dict[str, Any]:
    abroad = country != "FR"
    return {
        "name": f"Client {segment}",
        "segment": segment,
        "country": country,
        "language": "de" if abroad else "fr",
        "timezone": "Europe/Berlin" if abroad else "Europe/Paris",
        "email": f"compta.{segment}@example.com",
        "phone": "+493012345678" if abroad else "+33612345678",
        "address": {
            "lines": ["1 Hauptstraße" if abroad else "1 rue de la Paix"],
            "postal_code": "10115" if abroad else "75002",
            "city": "Berlin" if abroad else "Paris",
            "country": country,
        },
        "sales_rep_email": "rep@acme.example",
    }


def without_email() -> dict[str, Any]:
    body = customer("sme", "BE")
    del body["email"]
    return dict(body, name="Client sans email", language="fr", timezone="Europe/Brussels")


CUSTOMERS = {  # customer -> (ledger customer, invoice due date)
    "STD": (customer("sme"), date(2026, 3, 16)),
    "KEY": (customer("key_account"), date(2026, 3, 23)),
    "EXP": (customer("sme", "DE"), date(2026, 3, 16)),
    "PUB": (customer("public"), date(2026, 3, 25)),
    "NOM": (without_email(), date(2026, 3, 16)),
}

EXPECTED = {
    "STD": [
        ("2026-03-09", "email", "courtesy_reminder"),
        ("2026-03-23", "email", "first_reminder"),
        ("2026-03-30", "email", "second_reminder"),
        ("2026-04-02", "email", "thank_you"),
    ],  # paid on 2 April: nothing after
    "KEY": [
        ("2026-03-09", "task", "call"),  # D-15 is a Sunday
        ("2026-03-18", "email", "courtesy_reminder"),
        ("2026-03-30", "task", "call"),  # D+5 is a Saturday
        ("2026-04-02", "task", "dispute"),  # for the sales rep
        ("2026-04-02", "email", "dispute_acknowledged"),
        ("2026-04-09", "task", "dispute"),  # its owner reminded a week later
        # resolved on 12 April after 10 days: D+15 (7 April) moves to 17 April,
        ("2026-04-17", "email", "first_reminder"),
        # D+30 (22 April) to Saturday 2 May, so Monday 4 May
        ("2026-05-04", "task", "escalation"),
    ],
    "EXP": [
        ("2026-03-09", "email", "courtesy_reminder"),
        ("2026-03-23", "email", "first_reminder"),
        ("2026-03-25", "email", "promise_confirmed"),
        # promised for 1 April, grace to 4 April; 5 April is a Sunday, 6 April Easter
        # Monday in Germany: the next step fires on 7 April, the rest keep their spacing
        ("2026-04-07", "email", "second_reminder"),
        ("2026-04-14", "task", "call"),
        ("2026-04-21", "email", "third_reminder"),
        ("2026-04-28", "registered_letter", "formal_notice"),
    ],
    "PUB": [
        ("2026-03-18", "email", "courtesy_reminder"),
        # the email bounced a week before the due date: a person fixes the address;
        # no letter of arrears for what is not yet due: the courtesy goes by SMS
        ("2026-03-18", "task", "fix_contact"),
        ("2026-03-18", "sms", "courtesy_reminder"),
        # D+15: the address is known to be wrong, the email step goes by letter, and a
        # collector is asked for an email
        ("2026-04-09", "simple_letter", "reminder_letter"),
        ("2026-04-09", "task", "collect_email"),
        ("2026-04-24", "task", "call"),
        ("2026-05-11", "simple_letter", "reminder_letter"),
    ],  # D+45 is a Saturday
    "NOM": [  # abroad (export scenario), no email
        ("2026-03-09", "sms", "courtesy_reminder"),  # a courtesy by SMS, not by letter
        ("2026-03-23", "simple_letter", "reminder_letter"),  # the D+7 email, by post
        ("2026-03-23", "task", "collect_email"),  # asked for once
        ("2026-03-30", "simple_letter", "reminder_letter"),  # the D+14 email, by post
        # D+21 is Easter Monday in Belgium: the call on Tuesday; it collects an email
        ("2026-04-07", "task", "call"),
        ("2026-04-14", "email", "third_reminder"),  # to the collected email
        ("2026-04-21", "registered_letter", "formal_notice"),
    ],
}


class World:
    def __init__(self, ledger_app, scheduler_app, ledger, scheduler, probe, publisher):
        self.ledger_app, self.scheduler_app = ledger_app, scheduler_app
        self.ledger, self.scheduler, self.probe, self.publisher = (
            ledger,
            scheduler,
            probe,
            publisher,
        )
        self.seen = 0
        self.sequences: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        self.day = START

    async def quiet(self) -> None:
        """Until both outboxes are empty and nothing new was handled or received for a while."""
        engine = self.scheduler_app.state.runtime.engine
        last = None
        async with asyncio.timeout(60):
            while True:
                async with engine.connect() as conn:
                    state = tuple(
                        [
                            await conn.scalar(text(q))
                            for q in (
                                "SELECT count(*) FROM ledger.outbox",
                                "SELECT count(*) FROM scheduler.outbox",
                                "SELECT count(*) FROM scheduler.inbox",
                            )
                        ]
                        + [len(self.probe.received)]
                    )
                if state == last and state[0] == 0 and state[1] == 0:
                    break
                last = state
                await asyncio.sleep(0.25)
        self.collect()

    def collect(self) -> None:
        for envelope in self.probe.received[self.seen :]:
            p = envelope.payload
            if p.tenant != "ACME":
                continue
            if isinstance(p, SendEmail):
                item = (p.debtor.customer_ref, "email", p.template)
            elif isinstance(p, SendLetter):
                item = (p.debtor.customer_ref, f"{p.kind.value}_letter", p.template)
                assert p.dated_on == self.day  # the simulated day, which the letter prints
            elif isinstance(p, SendSms):
                item = (p.debtor.customer_ref, "sms", p.template)
            elif isinstance(p, TaskCreated):
                item = (p.customer_ref, "task", p.kind.value)
            else:
                continue
            self.sequences[item[0]].append((self.day.isoformat(), item[1], item[2]))
        self.seen = len(self.probe.received)

    async def advance(self) -> None:
        r = await self.scheduler.post("/v1/clock/advance", json={"days": 1})
        assert r.status_code == 200, r.text
        self.day += timedelta(days=1)
        await self.quiet()


async def _collect_email(w: World) -> None:
    """The collector calls the customer without an email and gets one."""
    tasks = (await w.scheduler.get("/v1/tasks", params={"kind": "call"})).json()
    for task in tasks:
        if task["customer_ref"] == ref("NOM"):
            r = await w.scheduler.post(
                f"/v1/tasks/{task['id']}/outcome",
                json={
                    "outcome": "reached",
                    "cause": "invoice_not_received",
                    "collected_email": "comptabilite@sans-email.example",
                    "note": "the invoices went to a former employee",
                },
            )
            assert r.status_code == 200, r.text


async def _collected_email_is_kept(w: World) -> None:
    """The email collected on the call: the next reminder went to it, the ledger keeps it as
    the dunning contact, and a new import of the customer (still without an email) keeps it."""
    [email] = [
        c
        for c in w.probe.commands()
        if isinstance(c, SendEmail) and c.debtor.customer_ref == ref("NOM")
    ]
    assert email.to == ("comptabilite@sans-email.example",)
    body, _ = CUSTOMERS["NOM"]
    r = await w.ledger.put(f"/v1/customers/{ref('NOM')}", json=dict(body, name="Client (bis)"))
    assert r.status_code in (200, 201), r.text
    await w.quiet()
    kept = (await w.ledger.get(f"/v1/customers/{ref('NOM')}")).json()
    assert kept["name"] == "Client (bis)"
    dunning = [c for c in kept["contacts"] if c["role"] == "dunning"]
    assert [c["email"] for c in dunning] == ["comptabilite@sans-email.example"]


async def _incidents(w: World) -> None:
    await _collect_email(w)
    if w.day == date(2026, 3, 18):  # the notifier reports the courtesy email bounced
        email = next(
            c
            for c in w.probe.commands()
            if isinstance(c, SendEmail) and c.debtor.customer_ref == ref("PUB")
        )
        await w.publisher.publish_envelope(
            Envelope(
                payload=MessageFailed(
                    tenant="ACME",
                    version=2,
                    message_id=f"M-{TAG}",
                    command_key=email.idempotency_key,
                    channel=Channel.EMAIL,
                    customer_ref=ref("PUB"),
                    case_id=email.case_id,
                    step=email.step,
                    recipient=email.to[0],
                    reason=FailureReason.BOUNCED,
                    detail="550 5.1.1 user unknown",
                ),
                subject=f"M-{TAG}",
            )
        )
    if w.day == date(2026, 3, 25):
        r = await w.scheduler.post(
            "/v1/promises",
            json={
                "customer_ref": ref("EXP"),
                "invoice_numbers": [f"INV-EXP-{TAG}"],
                "promised_date": "2026-04-01",
            },
        )
        assert r.status_code == 201, r.text
    if w.day == date(2026, 4, 2):
        r = await w.ledger.post(
            "/v1/payments",
            json={
                "ref": f"PAY-STD-{TAG}",
                "customer_ref": ref("STD"),
                "date": "2026-04-02",
                "amount": "1500.00",
                "currency": "EUR",
                "method": "transfer",
                "allocations": [{"invoice_number": f"INV-STD-{TAG}", "amount": "1500.00"}],
            },
        )
        assert r.status_code == 201, r.text
        r = await w.scheduler.post(
            "/v1/disputes",
            json={
                "customer_ref": ref("KEY"),
                "invoice_number": f"INV-KEY-{TAG}",
                "reason": "goods_or_service",
                "message": "two pallets damaged",
            },
        )
        assert r.status_code == 201, r.text
        w.dispute = r.json()["id"]
    if w.day == date(2026, 4, 12):
        r = await w.scheduler.post(
            f"/v1/disputes/{w.dispute}/resolve",
            json={"resolution": "credit note refused, goods replaced"},
        )
        assert r.status_code == 200, r.text
    await w.quiet()


async def test_seventy_days_of_dunning_from_the_ledgers_events(database_url, amqp_url):
    await clean(database_url)
    ledger_app = await service_app("ledger", database_url, amqp_url)
    scheduler_app = await service_app(
        "scheduler", database_url, amqp_url, simulation=True, run_interval_seconds=3600
    )
    connection = await connect(amqp_url)
    probe = Probe()
    await probe.start(connection)
    try:
        async with (
            client(ledger_app, "admin-token") as ledger,
            client(scheduler_app, "admin-token") as scheduler,
        ):
            w = World(ledger_app, scheduler_app, ledger, scheduler, probe, Publisher(connection))
            r = await scheduler.put("/v1/clock", json={"now": paris(START).isoformat()})
            assert r.status_code == 200
            await demo.load(ledger_app.state.settings, today=START)
            for name, (body, due) in CUSTOMERS.items():
                r = await ledger.put(f"/v1/customers/{ref(name)}", json=body)
                assert r.status_code in (200, 201), r.text
                r = await ledger.put(
                    f"/v1/invoices/INV-{name}-{TAG}",
                    json={
                        "customer_ref": ref(name),
                        "issue_date": (due - timedelta(30)).isoformat(),
                        "due_date": due.isoformat(),
                        "amount": "1500.00",
                        "currency": "EUR",
                    },
                )
                assert r.status_code in (200, 201), r.text
            await w.quiet()
            demo_cases = {e.customer_ref for e in probe.events(CaseOpened) if e.tenant == "DEMO"}
            assert len(demo_cases) >= 40 and "CUST-050" not in demo_cases  # 050 is excluded
            for _ in range(70):
                await w.advance()
                await _incidents(w)
            assert w.day == date(2026, 5, 11)
            for name, expected in EXPECTED.items():
                assert w.sequences[ref(name)] == expected, name
            keys = Counter(c.idempotency_key for c in probe.commands())
            assert keys and max(keys.values()) == 1
            demo_sent = [c for c in probe.commands() if c.tenant == "DEMO"]
            assert demo_sent and not [c for c in demo_sent if c.debtor.customer_ref == "CUST-050"]
            timeline = (await scheduler.get(f"/v1/customers/{ref('PUB')}/timeline")).json()
            kinds = Counter(e["kind"] for e in timeline["entries"])
            assert kinds["anomaly"] == 1 and kinds["skipped"] == 0  # D+15 went by letter
            await _collected_email_is_kept(w)
    finally:
        await connection.close()

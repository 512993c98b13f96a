"""Scenarios, profiles, settings, validation queue and collector tasks over real HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import aio_pika

from encaisse.bus.deadletters import DeadLetters
from encaisse.bus.topology import EVENTS
from encaisse.contracts.ledger import Segment
from encaisse.contracts.letters import SendLetter
from encaisse.contracts.scheduler import CasePaused, TaskCreated
from integration.scheduler.harness import paris, running

DUE = date(2026, 3, 16)


async def test_scenarios_are_versioned_with_who_changed_what(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        listed = (await h.http.get("/v1/scenarios")).json()
        assert [s["code"] for s in listed] == [
            "direct_debit",
            "export",
            "internal_account",
            "key_account",
            "public_body",
            "risky",
            "standard",
        ]
        body = {
            "code": "cautious",
            "name": "Cautious customers",
            "amicable_days": 75,
            "steps": [
                {"offset_days": -3, "channel": "email", "template": "courtesy_reminder"},
                {"offset_days": 3, "channel": "sms", "template": "first_reminder"},
                {
                    "offset_days": 10,
                    "channel": "registered_letter",
                    "template": "formal_notice",
                    "mode": "validate",
                },
            ],
        }
        r = await h.http.post("/v1/scenarios", json=body)
        assert r.status_code == 201, r.text
        assert r.json()["version"] == 1 and r.json()["changed_by"] == "Alice Admin"
        assert (await h.http.post("/v1/scenarios", json=body)).status_code == 409
        off = await h.http.patch("/v1/scenarios/cautious/steps/3", json={"enabled": False})
        assert off.status_code == 200 and off.json()["version"] == 2
        assert [s["enabled"] for s in off.json()["steps"]] == [True, False, True]
        assert (
            await h.http.patch("/v1/scenarios/cautious/steps/4", json={"enabled": False})
        ).status_code == 404
        history = (await h.http.get("/v1/scenarios/cautious/versions")).json()
        assert [(v["version"], v["change"]) for v in history] == [
            (1, "created"),
            (2, "step D+3 switched off"),
        ]
        bad = dict(body, steps=[body["steps"][0], dict(body["steps"][0], channel="sms")])
        r = await h.http.put("/v1/scenarios/cautious", json=bad)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "steps"]
        r = await h.http.put("/v1/scenarios/cautious", json=dict(body, amicable_days=120))
        assert r.status_code == 422 and "amicable_days" in r.json()["detail"][0]["loc"]
        r = await h.http.put(
            "/v1/scenarios/cautious",
            json=dict(body, steps=[dict(body["steps"][0], channel="pigeon")]),
        )
        assert r.status_code == 422 and "channel" in r.json()["detail"][0]["loc"]
        viewer = {"Authorization": "Bearer viewer-token"}
        assert (
            await h.http.put("/v1/scenarios/cautious", json=body, headers=viewer)
        ).status_code == 403
        other = {"Authorization": "Bearer other-admin-token"}
        assert (await h.http.get("/v1/scenarios/cautious", headers=other)).status_code == 404
        p = await h.http.post(
            "/v1/profiles",
            json={"code": "cautious", "name": "Cautious", "scenario_code": "cautious"},
        )
        assert p.status_code == 201, p.text
        assert (await h.http.delete("/v1/scenarios/cautious")).status_code == 409
        r = await h.http.post(
            "/v1/profiles", json={"code": "ghost", "name": "Ghost", "scenario_code": "nope"}
        )
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "scenario_code"]
        assert (await h.http.delete("/v1/profiles/cautious")).status_code == 204
        assert (await h.http.delete("/v1/scenarios/cautious")).status_code == 204
        assert (await h.http.get("/v1/scenarios/cautious")).status_code == 404


async def test_amounts_leave_the_api_at_their_currencys_precision(database_url, amqp_url):
    """The scheduler keeps four decimals; a reader gets what the ledger gave."""
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=20)))
        await h.ledger.customer("M1")
        for number, amount, currency in (
            ("E1", "3000.00", "EUR"),
            ("J1", "500", "JPY"),
            ("K1", "1234.567", "KWD"),
        ):
            await h.ledger.invoice("M1", number, DUE, amount=amount, currency=currency)
        await h.quiet()
        invoices = (await h.timeline("M1"))["invoices"]
        assert sorted(
            (i["invoice_number"], i["open_balance"], i["currency"]) for i in invoices
        ) == [("E1", "3000.00", "EUR"), ("J1", "500", "JPY"), ("K1", "1234.567", "KWD")]


async def test_a_scenario_change_applies_to_steps_not_yet_done(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE + timedelta(days=6)))
        await h.ledger.customer("S1")
        await h.ledger.invoice("S1", "F1", DUE)
        await h.quiet()
        await h.advance(days=1)  # D+7 done
        r = await h.http.patch("/v1/scenarios/standard/steps/14", json={"enabled": False})
        assert r.status_code == 200
        timeline = await h.timeline("S1")
        assert timeline["planned"][0]["step"] == "D+21-call"


async def test_disputes_and_escalations_without_a_sales_rep_go_to_the_credit_owner(
    database_url, amqp_url
):
    async with running(database_url, amqp_url, per_invoice=True) as h:
        settings = (await h.http.get("/v1/settings")).json()
        assert settings["credit_owner_email"] is None
        r = await h.http.put("/v1/settings", json=dict(settings, credit_owner_email="nobody"))
        assert r.status_code == 422 and "credit_owner_email" in r.json()["detail"][0]["loc"]
        settings["credit_owner_email"] = "credit@acme.fr"
        assert (await h.http.put("/v1/settings", json=settings)).status_code == 200
        assert (await h.http.get("/v1/settings")).json()["credit_owner_email"] == "credit@acme.fr"
        await h.set_clock(paris(DUE + timedelta(days=30)))  # Wednesday 15 April
        await h.ledger.customer("O1", sales_rep=None)
        await h.ledger.invoice("O1", "F1", DUE)
        await h.ledger.customer("O2")  # its sales rep: rep@acme.fr
        await h.ledger.invoice("O2", "F2", DUE)
        await h.ledger.customer("O3", sales_rep=None, segment=Segment.KEY_ACCOUNT)
        await h.ledger.invoice("O3", "F3", DUE)
        await h.quiet()
        for ref, number in (("O1", "F1"), ("O2", "F2")):
            r = await h.http.post(
                "/v1/disputes",
                json={"customer_ref": ref, "invoice_number": number, "reason": "amount_wrong"},
            )
            assert r.status_code == 201, r.text
        await h.advance(hours=1)  # O3's D+30 internal escalation to its account manager
        await h.quiet()
        assigned = {(t.customer_ref, t.kind.value): t.assignee for t in h.probe.events(TaskCreated)}
        assert assigned == {
            ("O1", "dispute"): "credit@acme.fr",
            ("O2", "dispute"): "rep@acme.fr",
            ("O3", "escalation"): "credit@acme.fr",
        }
        tasks = (await h.http.get("/v1/tasks", params={"kind": "dispute"})).json()
        assert {t["customer_ref"]: t["assignee"] for t in tasks} == {
            "O1": "credit@acme.fr",
            "O2": "rep@acme.fr",
        }


async def test_todays_tasks_follow_the_customers_clock_not_the_utc_date(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.one_invoice("M1", "F1", DUE, paris(DUE + timedelta(days=20)))
        after_midnight = datetime(2026, 4, 14, 22, 30, tzinfo=UTC)  # 00:30 on 15 April in Paris
        await h.set_clock(after_midnight)
        r = await h.http.post(
            "/v1/disputes",
            json={"customer_ref": "M1", "invoice_number": "F1", "reason": "amount_wrong"},
        )
        assert r.status_code == 201, r.text
        [task] = (await h.http.get("/v1/tasks", params={"kind": "dispute"})).json()
        assert task["due_on"] == "2026-04-15"  # the customer's day, while UTC says the 14th
        r = await h.http.get("/v1/tasks", params={"kind": "dispute", "day": "2026-04-14"})
        assert r.json() == []  # an explicit day is taken as it is
        await h.set_clock(after_midnight - timedelta(hours=1))  # 23:30 on 14 April in Paris
        assert (await h.http.get("/v1/tasks", params={"kind": "dispute"})).json() == []


async def test_settings_and_explicit_profile(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        settings = (await h.http.get("/v1/settings")).json()
        assert settings["window"]["weekdays"] == [0, 1, 2, 3, 4]
        bad = dict(settings, window=dict(settings["window"], start="19:00"))
        r = await h.http.put("/v1/settings", json=bad)
        assert r.status_code == 422 and "window" in r.json()["detail"][0]["loc"]
        settings["window"]["weekdays"] = [0, 1, 2, 3, 4, 5]
        settings["promise_grace_days"] = 5
        assert (await h.http.put("/v1/settings", json=settings)).status_code == 200
        assert (await h.http.get("/v1/settings")).json()["promise_grace_days"] == 5
        await h.ledger.customer("K1", segment=Segment.SME, country="DE")
        await h.ledger.invoice("K1", "F9", DUE)
        await h.quiet()
        assert (await h.timeline("K1"))["profile"] == "export"
        r = await h.http.put("/v1/customers/K1/profile", json={"profile": "key_account"})
        assert r.status_code == 200
        timeline = await h.timeline("K1")
        assert timeline["profile"] == "key_account"
        assert timeline["invoices"][0]["scenario"] == "key_account"
        r = await h.http.put("/v1/customers/K1/profile", json={"profile": "nope"})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "profile"]


async def test_validation_queue_and_call_outcomes(database_url, amqp_url):
    async with running(database_url, amqp_url, per_invoice=True) as h:
        await h.set_clock(paris(DUE + timedelta(days=44)))
        await h.ledger.customer("V1", segment=Segment.KEY_ACCOUNT)
        await h.ledger.invoice("V1", "F1", DUE)  # key account: D+45 registered letter to validate
        await h.ledger.customer("V2", segment=Segment.KEY_ACCOUNT)
        await h.ledger.invoice("V2", "F2", DUE, amount="5000.00")
        await h.quiet()
        await h.advance(days=1)
        await h.quiet()
        pending = (await h.http.get("/v1/validations")).json()
        assert [(v["customer_ref"], v["channel"]) for v in pending] == [
            ("V1", "registered_letter"),
            ("V2", "registered_letter"),
        ]
        assert not [c for c in h.probe.commands() if isinstance(c, SendLetter)]
        r = await h.http.post(f"/v1/validations/{pending[0]['id']}/approve")
        assert r.status_code == 200 and r.json()["status"] == "approved"
        assert (await h.http.post(f"/v1/validations/{pending[0]['id']}/skip")).status_code == 409
        r = await h.http.post(f"/v1/validations/{pending[1]['id']}/skip")
        assert r.json()["status"] == "skipped"
        await h.quiet()
        letters = [c for c in h.probe.commands() if isinstance(c, SendLetter)]
        assert [(x.debtor.customer_ref, x.kind.value, x.template) for x in letters] == [
            ("V1", "registered", "formal_notice")
        ]

        await h.set_clock(paris(DUE + timedelta(days=4)))
        await h.ledger.customer("T1", segment=Segment.KEY_ACCOUNT)
        await h.ledger.invoice("T1", "F5", DUE, amount="300.00")
        await h.ledger.customer("T2", segment=Segment.KEY_ACCOUNT)
        await h.ledger.invoice("T2", "F6", DUE, amount="9000.00")
        await h.quiet()
        await h.advance(days=3)  # D+5 is a Saturday: calls on Monday
        await h.quiet()
        tasks = (await h.http.get("/v1/tasks", params={"kind": "call"})).json()
        assert [(t["customer_ref"], t["amount"]) for t in tasks] == [
            ("T2", "9000.00"),
            ("T1", "300.00"),
        ]
        r = await h.http.post(f"/v1/tasks/{tasks[0]['id']}/outcome", json={"outcome": "promise"})
        assert r.status_code == 422
        r = await h.http.post(
            f"/v1/tasks/{tasks[0]['id']}/outcome",
            json={"outcome": "promise", "promised_date": "2026-03-31"},
        )
        assert r.status_code == 200 and r.json()["status"] == "done"
        r = await h.http.post(
            f"/v1/tasks/{tasks[1]['id']}/outcome",
            json={"outcome": "wrong_number", "note": "not their number"},
        )
        assert r.status_code == 200
        await h.quiet()
        assert [p.reason.value for p in h.probe.events(CasePaused)] == ["promise"]
        assert "fix_contact" in [t.kind.value for t in h.probe.events(TaskCreated)]
        left = (await h.http.get("/v1/tasks", params={"kind": "call"})).json()
        assert left == []


async def test_a_bad_message_goes_to_the_dead_letter_queue(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        channel = await h.ledger.publisher._channel_ready()
        exchange = await channel.get_exchange(EVENTS)
        await exchange.publish(
            aio_pika.Message(
                b'{"tenant": "ACME"}',
                content_type="application/json",
                headers={
                    "ce-id": "x1",
                    "ce-source": "/encaisse/ledger",
                    "ce-specversion": "1.0",
                    "ce-type": "encaisse.ledger.invoice.issued.v1",
                },
            ),
            routing_key="ledger.invoice.issued.v1",
        )
        letters = DeadLetters(h.ledger.publisher._connection)
        async with asyncio.timeout(15):
            while (await letters.counts(["scheduler.events"]))["scheduler.events.dead"] != 1:
                await asyncio.sleep(0.1)
        await h.ledger.customer("OK1")  # the queue keeps flowing
        await h.quiet()
        assert (await h.http.get("/v1/customers/OK1/timeline")).status_code == 200


async def test_python_m_starts_the_scheduler_and_the_clock_is_the_systems(database_url, amqp_url):
    import os
    import sys

    import httpx

    from integration.scheduler.harness import clean
    from support.http import free_port
    from support.services import settings_env

    await clean(database_url)
    port = free_port()
    env = dict(os.environ, **settings_env(database_url, amqp_url), ENCAISSE_HTTP_PORT=str(port))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "encaisse.scheduler",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": "Bearer admin-token"}
        ) as http:
            async with asyncio.timeout(30):
                while True:
                    try:
                        if (await http.get("/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.2)
            clock = (await http.get("/v1/clock")).json()
            assert clock["simulation"] is False
            r = await http.put("/v1/clock", json={"now": "2026-01-01T10:00:00+01:00"})
            assert r.status_code == 409 and r.json()["detail"][0]["loc"] == ["body", "now"]
            assert (await http.get("/openapi.json")).json()["info"]["title"] == "Encaisse scheduler"
    finally:
        proc.terminate()
        await proc.wait()

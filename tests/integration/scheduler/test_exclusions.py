"""Staff's exclusions: a reason, who set it, an end date; never undone by the ledger."""

from __future__ import annotations

from datetime import date, timedelta

from encaisse.contracts.ledger import InvoiceUpdated
from encaisse.contracts.notifier import SendEmail
from integration.scheduler.harness import days, paris, running, templates

DUE = date(2026, 3, 16)  # a Monday


async def test_a_staff_exclusion_survives_the_ledger_and_lapses_on_its_end_date(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=8)))  # Sunday 8 March
        await h.ledger.customer("X1")
        await h.ledger.invoice("X1", "F1", DUE)
        await h.quiet()
        until = DUE + timedelta(days=10)  # Thursday 26 March: dunned again from that day
        r = await h.http.post(
            "/v1/exclusions",
            json={
                "customer_ref": "X1",
                "reason": "settlement under negotiation",
                "until": str(until),
            },
        )
        assert r.status_code == 201, r.text
        made = r.json()
        # the ledger's next event about the customer says it is not excluded: staff's stays
        await h.ledger.customer("X1", excluded_from_dunning=False, email="new@client.fr")
        await h.quiet()
        [listed] = (await h.http.get("/v1/exclusions", params={"customer_ref": "X1"})).json()
        assert listed == made
        assert (listed["reason"], listed["set_by"], listed["until"], listed["status"]) == (
            "settlement under negotiation",
            "Alice Admin",
            until.isoformat(),
            "active",
        )
        assert listed["invoice_number"] is None
        assert (await h.http.get("/v1/exclusions", params={"customer_ref": "X9"})).json() == []

        await days(h, 17)  # to Wednesday 25 March, D+9: the D-7 and D+7 steps passed
        assert templates(h) == []
        assert (await h.timeline("X1"))["case_state"] != "open"

        await h.advance(days=1)  # D+10, the end date: it lapses and the customer is dunned
        await h.quiet()
        [lapsed] = (await h.http.get("/v1/exclusions")).json()
        assert (lapsed["status"], lapsed["ended_by"]) == ("lapsed", "system (end date)")
        assert templates(h) == ["first_reminder"]  # the most advanced step only, no burst
        [email] = h.probe.commands()
        assert isinstance(email, SendEmail) and email.to == ("new@client.fr",)
        timeline = await h.timeline("X1")
        assert timeline["case_state"] == "open"
        skipped = [e["step"] for e in timeline["entries"] if e["kind"] == "skipped"]
        assert skipped == ["D-7-email"]
        await days(h, 3)
        assert templates(h) == ["first_reminder"]  # the next step keeps its spacing after it


async def test_a_customer_is_excluded_while_either_the_ledger_or_staff_says_so(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE - timedelta(days=8)))
        await h.ledger.customer("X2", excluded_from_dunning=True)
        await h.ledger.invoice("X2", "F2", DUE)
        await h.quiet()
        r = await h.http.put(
            "/v1/customers/X2/exclusion", json={"excluded": True, "reason": "key account review"}
        )
        assert r.status_code == 200, r.text
        r = await h.http.put("/v1/customers/X2/exclusion", json={"excluded": True})
        assert r.status_code == 200  # the idempotent form: still the one exclusion
        [active] = (await h.http.get("/v1/exclusions", params={"status": "active"})).json()
        assert active["reason"] == "key account review"
        r = await h.http.post("/v1/exclusions", json={"customer_ref": "X2", "reason": "again"})
        assert r.status_code == 409 and r.json()["detail"][0]["loc"] == ["body", "customer_ref"]

        r = await h.http.post(f"/v1/exclusions/{active['id']}/lift")
        assert r.status_code == 200 and r.json()["status"] == "lifted"
        assert r.json()["ended_by"] == "Alice Admin"
        r = await h.http.post(f"/v1/exclusions/{active['id']}/lift")
        assert r.status_code == 409
        await days(h, 2)  # D-7 passed: the ledger still excludes it
        assert templates(h) == []

        await h.ledger.customer("X2", excluded_from_dunning=False)
        await h.quiet()
        await days(h, 1)
        assert templates(h) == ["courtesy_reminder"]


async def test_an_exclusion_names_what_it_is_about_and_ends_after_today(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.one_invoice("X3", "F3", DUE, paris(DUE - timedelta(days=8)))
        r = await h.http.post(
            "/v1/exclusions",
            json={"customer_ref": "X3", "reason": "r", "until": str(DUE - timedelta(days=8))},
        )
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "until"]
        r = await h.http.post(
            "/v1/exclusions", json={"customer_ref": "X3", "invoice_number": "NOPE", "reason": "r"}
        )
        assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["body", "invoice_number"]
        r = await h.http.post("/v1/exclusions", json={"customer_ref": "X3", "reason": ""})
        assert r.status_code == 422
        r = await h.http.post(
            "/v1/exclusions",
            json={"customer_ref": "X3", "invoice_number": "F3", "reason": "credit note coming"},
        )
        assert r.status_code == 201 and r.json()["invoice_number"] == "F3"
        # the ledger's next event about the invoice does not lift it either
        await h.ledger.invoice("X3", "F3", DUE, amount="1300.00", cls=InvoiceUpdated, reason="x")
        await h.quiet()
        await days(h, 2)
        assert templates(h) == []  # the invoice is excluded, the customer is not
        assert (await h.timeline("X3"))["invoices"][0]["excluded"] is True
        r = await h.http.post(f"/v1/exclusions/{r.json()['id']}/lift")
        assert r.status_code == 200
        assert (await h.timeline("X3"))["invoices"][0]["excluded"] is False

"""Profiles read and changed over the API, manual steps, and a tenant's own sending window."""

from __future__ import annotations

from datetime import date, timedelta

from encaisse.contracts.scheduler import TaskCreated
from integration.scheduler.harness import days, paris, running, templates

DUE = date(2026, 3, 16)  # a Monday


async def test_a_profile_is_read_and_changed_and_its_customers_follow(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.one_invoice("Q1", "F1", DUE, paris(DUE + timedelta(days=6)))
        standard = (await h.http.get("/v1/profiles/standard")).json()
        assert (standard["scenario_code"], standard["version"]) == ("standard", 1)
        assert (await h.http.get("/v1/profiles/nope")).status_code == 404
        body = {
            "name": "SMEs on the export path",
            "scenario_code": "export",
            "segments": ["sme", "individual"],
        }
        viewer = {"Authorization": "Bearer viewer-token"}
        assert (
            await h.http.put("/v1/profiles/standard", json=body, headers=viewer)
        ).status_code == 403
        r = await h.http.put("/v1/profiles/standard", json=body)
        assert r.status_code == 200, r.text
        assert (r.json()["version"], r.json()["changed_by"]) == (2, "Alice Admin")
        assert (await h.http.get("/v1/profiles/standard")).json()["scenario_code"] == "export"
        timeline = await h.timeline("Q1")
        assert timeline["invoices"][0]["scenario"] == "export"
        assert "D+28-email" in [p["step"] for p in timeline["planned"]]  # export's, not a letter


async def test_a_manual_step_becomes_a_collectors_task_not_a_message(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        scenario = (await h.http.get("/v1/scenarios/standard")).json()
        for step in scenario["steps"]:
            if step["offset_days"] == 7:
                step["mode"] = "manual"
        r = await h.http.put(
            "/v1/scenarios/standard",
            json={"name": scenario["name"], "steps": scenario["steps"], "change": "D+7 by hand"},
        )
        assert r.status_code == 200, r.text
        await h.one_invoice("M1", "F2", DUE, paris(DUE + timedelta(days=6)))
        await days(h, 1)
        assert templates(h) == []
        assert [t.kind.value for t in h.probe.events(TaskCreated)] == ["manual"]
        [task] = (await h.http.get("/v1/tasks", params={"kind": "manual"})).json()
        assert task["invoice_numbers"] == ["F2"] and task["step"] == "D+7-email"


async def test_a_tenant_that_opens_on_saturdays_gets_its_reminders_on_saturdays(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        due = date(2026, 3, 28)  # a Saturday: D-7 is Saturday 21 March
        await h.one_invoice("S2", "F3", due, paris(date(2026, 3, 20)))
        assert (await h.timeline("S2"))["planned"][0]["due_at"].startswith("2026-03-23")
        settings = (await h.http.get("/v1/settings")).json()
        settings["window"]["weekdays"] = [0, 1, 2, 3, 4, 5]
        assert (await h.http.put("/v1/settings", json=settings)).status_code == 200
        await h.advance(hours=1)  # the run re-times the followers under the new window
        await h.quiet()
        assert templates(h) == []
        assert (await h.timeline("S2"))["planned"][0]["due_at"].startswith("2026-03-21")
        await days(h, 1)  # Saturday 21 March
        assert templates(h) == ["courtesy_reminder"]

"""A tenant stays whole: a refused first request, odd settings, or a poisoned row of one
tenant never breaks that tenant for later requests, nor the day run of the others."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from encaisse.contracts.notifier import SendEmail
from integration.scheduler.harness import Ledger, paris, running

DUE = date(2026, 3, 16)
OTHER = {"Authorization": "Bearer other-admin-token"}


async def test_a_new_tenant_whose_first_request_is_refused_works_in_every_endpoint(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(paris(DUE + timedelta(days=20)))
        r = await h.http.post(
            "/v1/disputes",
            headers=OTHER,
            json={"customer_ref": "NOBODY", "invoice_number": "F0", "reason": "amount_wrong"},
        )
        assert r.status_code == 404, r.text
        r = await h.http.post(
            "/v1/promises",
            headers=OTHER,
            json={
                "customer_ref": "NOBODY",
                "invoice_numbers": ["F0"],
                "promised_date": str(DUE + timedelta(days=25)),
            },
        )
        assert r.status_code == 404, r.text
        settings = await h.http.get("/v1/settings", headers=OTHER)
        assert settings.status_code == 200, settings.text
        assert (await h.http.get("/v1/scenarios/standard", headers=OTHER)).status_code == 200
        profiles = (await h.http.get("/v1/profiles", headers=OTHER)).json()
        assert "standard" in {p["code"] for p in profiles}
        other = Ledger(h.ledger.publisher, tenant="OTHER")
        h.ledger.ids = other.ids  # quiet() counts what this tenant's ledger sent
        await other.customer("O1")
        await other.invoice("O1", "F1", DUE)
        await h.quiet()
        r = await h.http.get("/v1/customers/O1/timeline", headers=OTHER)
        assert r.status_code == 200, r.text
        r = await h.http.post(
            "/v1/disputes",
            headers=OTHER,
            json={"customer_ref": "O1", "invoice_number": "F1", "reason": "amount_wrong"},
        )
        assert r.status_code == 201, r.text


async def test_a_window_with_seconds_is_refused_naming_the_field(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        settings = (await h.http.get("/v1/settings")).json()
        for field, value in (
            ("start", "09:00:30"),
            ("end", "17:59:59.5"),
            ("start", "09:00+02:00"),
        ):
            r = await h.http.put(
                "/v1/settings",
                json=dict(settings, window=dict(settings["window"], **{field: value})),
            )
            assert r.status_code == 422, (value, r.text)
            assert r.json()["detail"][0]["loc"] == ["body", "window", field], r.text
        r = await h.http.get("/v1/settings")
        assert r.status_code == 200 and r.json() == settings


async def test_one_tenants_unreadable_settings_do_not_stop_the_others_day_run(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        other = Ledger(h.ledger.publisher, tenant="OTHER")
        assert (await h.http.get("/v1/settings", headers=OTHER)).status_code == 200
        await h.set_clock(paris(DUE - timedelta(days=10)))
        await h.ledger.customer("A1")
        await h.ledger.invoice("A1", "F1", DUE)
        await other.customer("O1")
        await other.invoice("O1", "G1", DUE)
        h.ledger.ids |= other.ids
        await h.quiet()
        engine = h.app.state.runtime.engine
        async with engine.begin() as conn:  # what an older release or a hand edit left
            await conn.execute(
                text(
                    'UPDATE scheduler.tenants SET "window" = jsonb_set("window", \'{start}\', '
                    "'\"nine\"') WHERE tenant = 'OTHER'"
                )
            )
        await h.advance(days=3)  # D-7: the courtesy reminder
        await h.quiet()
        sent = [c for c in h.probe.commands() if isinstance(c, SendEmail)]
        assert [(c.tenant, c.debtor.customer_ref) for c in sent] == [("ACME", "A1")]
        async with engine.connect() as conn:
            held = await conn.scalar(
                text("SELECT next_due_at FROM scheduler.customers WHERE tenant = 'OTHER'")
            )
        assert held is not None and held > paris(DUE - timedelta(days=7), 9)
        async with engine.begin() as conn:  # repaired: it is dunned on the next run
            await conn.execute(
                text(
                    'UPDATE scheduler.tenants SET "window" = jsonb_set("window", \'{start}\', '
                    "'\"09:00\"') WHERE tenant = 'OTHER'"
                )
            )
        await h.advance(hours=2)
        await h.quiet()
        sent = [c for c in h.probe.commands() if isinstance(c, SendEmail)]
        assert {(c.tenant, c.debtor.customer_ref) for c in sent} == {
            ("ACME", "A1"),
            ("OTHER", "O1"),
        }

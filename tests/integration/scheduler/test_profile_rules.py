"""Profile rules over the API, re-choosing customers; a customer's own scenario; a
profile's policy; the tenant's language in every command."""

from __future__ import annotations

from datetime import date, timedelta

from encaisse.contracts.ledger import PaymentMethod
from integration.scheduler.harness import paris, running

DUE = date(2026, 3, 16)  # a Monday
NOW = paris(DUE - timedelta(days=20))
VIEWER = {"Authorization": "Bearer viewer-token"}


def _scenarios(timeline: dict) -> dict[str, str]:
    return {i["invoice_number"]: i["scenario"] for i in timeline["invoices"]}


async def test_the_default_rules_are_listed_and_a_bad_rule_is_refused_naming_the_field(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        r = await h.http.get("/v1/profile-rules", headers=VIEWER)
        assert r.status_code == 200, r.text
        rules = r.json()["rules"]
        assert [(x["profile"], x["risk_classes"], x["abroad"]) for x in rules[:2]] == [
            ("risky", ["high"], None),
            ("export", [], True),
        ]
        assert [(x["profile"], x["segments"]) for x in rules[2:]] == [
            ("standard", ["sme", "individual"]),
            ("key_account", ["key_account"]),
            ("export", ["export"]),
            ("public_body", ["public"]),
        ]
        assert (
            await h.http.put("/v1/profile-rules", json=r.json(), headers=VIEWER)
        ).status_code == 403
        for rule, loc in (
            ({"profile": "nope"}, ["body", "rules", 1, "profile"]),
            ({"profile": "standard", "scenario": "nope"}, ["body", "rules", 1, "scenario"]),
            ({"profile": "standard", "segments": ["martian"]}, ["body", "rules", 1, "segments", 0]),
            (
                {"profile": "standard", "payment_methods": ["barter"]},
                ["body", "rules", 1, "payment_methods", 0],
            ),
            (
                {"profile": "standard", "countries": ["france"]},
                ["body", "rules", 1, "countries", 0],
            ),
            (
                {"profile": "standard", "outstanding": {"currency": "EUR"}},
                ["body", "rules", 1, "outstanding"],
            ),
        ):
            bad = await h.http.put(
                "/v1/profile-rules", json={"rules": [{"profile": "export"}, rule]}
            )
            assert bad.status_code == 422, bad.text
            assert bad.json()["detail"][0]["loc"] == loc, bad.json()
        assert (await h.http.get("/v1/profile-rules")).json()["rules"] == rules  # unchanged


async def test_rules_choose_on_the_customer_event_and_again_when_they_change(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(NOW)
        await h.ledger.customer("R1", risk_class="high")
        await h.ledger.customer("R2", payment_method=PaymentMethod.DIRECT_DEBIT)
        await h.ledger.customer("R3", risk_class="group")
        for ref in ("R1", "R2", "R3"):
            await h.ledger.invoice(ref, f"F-{ref}", DUE)
        await h.quiet()
        r1 = await h.timeline("R1")
        assert (r1["profile"], _scenarios(r1)) == ("risky", {"F-R1": "risky"})
        assert (await h.timeline("R2"))["profile"] == "standard"
        rules = (await h.http.get("/v1/profile-rules")).json()["rules"]
        mine = [
            {
                "profile": "standard",
                "scenario": "direct_debit",
                "payment_methods": ["direct_debit"],
            },
            {"profile": "key_account", "scenario": "internal_account", "risk_classes": ["group"]},
        ]
        r = await h.http.put("/v1/profile-rules", json={"rules": mine + rules})
        assert r.status_code == 200, r.text
        assert (r.json()["moved"], r.json()["changed_by"]) == (2, "Alice Admin")
        r2, r3 = await h.timeline("R2"), await h.timeline("R3")
        assert (r2["profile"], _scenarios(r2)) == ("standard", {"F-R2": "direct_debit"})
        assert (r3["profile"], _scenarios(r3)) == ("key_account", {"F-R3": "internal_account"})
        assert "D-7-email" not in [p["step"] for p in r2["planned"]]  # no courtesy reminder
        assert {p["channel"] for p in r3["planned"]} == {"email", "internal_escalation"}
        # the customer's next event: chosen again (no longer a direct debit)
        await h.ledger.customer("R2", payment_method=PaymentMethod.TRANSFER)
        await h.quiet()
        r2 = await h.timeline("R2")
        assert (r2["profile"], _scenarios(r2)) == ("standard", {"F-R2": "standard"})
        # a change of the standard profile's scenario does not move a rule's scenario
        standard = (await h.http.get("/v1/profiles/standard")).json()
        body = {k: standard[k] for k in ("name", "segments")} | {"scenario_code": "export"}
        assert (await h.http.put("/v1/profiles/key_account", json=body)).status_code == 200
        assert _scenarios(await h.timeline("R3")) == {"F-R3": "internal_account"}


async def test_an_outstanding_amount_rule_counts_one_currency_and_moves_on_a_new_invoice(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        await h.set_clock(NOW)
        rules = (await h.http.get("/v1/profile-rules")).json()["rules"]
        big = {"profile": "key_account", "outstanding": {"currency": "EUR", "minimum": "5000"}}
        assert (
            await h.http.put("/v1/profile-rules", json={"rules": [big, *rules]})
        ).status_code == 200
        await h.ledger.customer("A1")
        await h.ledger.invoice("A1", "F1", DUE, amount="3000.00")
        await h.ledger.invoice("A1", "F2", DUE, amount="3000.00", currency="USD")
        await h.quiet()
        assert (await h.timeline("A1"))["profile"] == "standard"  # 3,000 EUR + 3,000 USD
        await h.ledger.invoice("A1", "F3", DUE, amount="2000.00")
        await h.quiet()
        timeline = await h.timeline("A1")
        assert timeline["profile"] == "key_account"  # 5,000 EUR now
        assert set(_scenarios(timeline).values()) == {"key_account"}


async def test_a_customer_follows_its_own_scenario_until_it_is_dropped(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        await h.one_invoice("K1", "F1", DUE, NOW)
        r = await h.http.put("/v1/customers/K1/scenario", json={"scenario": "nope"})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "scenario"]
        r = await h.http.put("/v1/customers/K1/scenario", json={"scenario": "internal_account"})
        assert r.status_code == 200, r.text
        timeline = await h.timeline("K1")
        assert (timeline["scenario"], _scenarios(timeline)) == (
            "internal_account",
            {"F1": "internal_account"},
        )
        await h.ledger.invoice("K1", "F2", DUE + timedelta(days=3))
        await h.ledger.customer("K1", risk_class="high")  # its rule says risky: its own wins
        await h.quiet()
        timeline = await h.timeline("K1")
        assert timeline["profile"] == "risky"
        assert _scenarios(timeline) == {"F1": "internal_account", "F2": "internal_account"}
        assert (await h.http.delete("/v1/customers/K1/scenario")).status_code == 204
        timeline = await h.timeline("K1")
        assert (timeline["scenario"], set(_scenarios(timeline).values())) == (None, {"risky"})


async def test_a_profiles_policy_is_read_changed_and_checked(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        risky = (await h.http.get("/v1/profiles/risky")).json()
        assert risky["policy"]["min_gap_days"] == 4 and risky["policy"]["mode"] == "per_customer"
        body = {k: risky[k] for k in ("name", "scenario_code", "segments")}
        for field, value in (("min_gap_days", 61), ("contacts_per_week", 0), ("mode", "never")):
            bad = await h.http.put(
                "/v1/profiles/risky", json=body | {"policy": risky["policy"] | {field: value}}
            )
            assert bad.status_code == 422, bad.text
            assert bad.json()["detail"][0]["loc"] == ["body", "policy", field]
        changed = risky["policy"] | {"thank_you": False, "mode": "per_invoice"}
        r = await h.http.put("/v1/profiles/risky", json=body | {"policy": changed})
        assert r.status_code == 200 and r.json()["policy"] == changed
        r = await h.http.put("/v1/profiles/risky", json=body)  # no policy: the one it has
        assert r.status_code == 200 and r.json()["policy"] == changed


async def test_every_command_carries_the_tenants_language_for_a_debtor_we_do_not_write(
    database_url, amqp_url
):
    async with running(database_url, amqp_url) as h:
        settings = (await h.http.get("/v1/settings")).json()
        assert settings["language"] == "fr"
        await h.one_invoice("L1", "F1", DUE, paris(DUE - timedelta(days=8)), language="de")
        await h.advance(days=1)
        await h.quiet()
        [courtesy] = h.probe.commands()
        assert (courtesy.debtor.language, courtesy.debtor.fallback_language) == ("de", "fr")
        bad = await h.http.put("/v1/settings", json=settings | {"language": "French"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "language"]
        assert (
            await h.http.put("/v1/settings", json=settings | {"language": "en"})
        ).status_code == 200
        await h.ledger.settle("L1", "F1", DUE, DUE - timedelta(days=7), payment_ref="P1")
        await h.quiet()
        thank_you = h.probe.commands()[-1]
        assert (thank_you.template, thank_you.debtor.fallback_language) == ("thank_you", "en")


async def test_a_profile_or_scenario_a_rule_names_cannot_be_deleted(database_url, amqp_url):
    async with running(database_url, amqp_url) as h:
        r = await h.http.delete("/v1/profiles/risky")  # the first default rule names it
        assert r.status_code == 409 and "rules [0]" in r.text
        rules = (await h.http.get("/v1/profile-rules")).json()["rules"]
        mine = {"profile": "standard", "scenario": "direct_debit", "payment_methods": ["cheque"]}
        assert (await h.http.put("/v1/profile-rules", json={"rules": [mine]})).status_code == 200
        r = await h.http.delete("/v1/scenarios/direct_debit")
        assert r.status_code == 409 and "rules [0]" in r.text
        assert (await h.http.delete("/v1/profiles/risky")).status_code == 204  # no rule now
        assert (await h.http.put("/v1/profile-rules", json={"rules": rules[1:]})).status_code == 200
        assert (await h.http.delete("/v1/scenarios/direct_debit")).status_code == 204

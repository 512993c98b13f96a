"""PUT/GET /v1/customers: validation, versions, events, tenants."""

from __future__ import annotations

import pytest

from integration.ledger.helpers import customer_body


async def test_create_update_and_unchanged_put(ledger):
    ref = ledger.ref("C")
    created = await ledger.http.put(f"/v1/customers/{ref}", json=customer_body())
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    assert created.json()["phone"] == "+33123456789"
    same = await ledger.http.put(f"/v1/customers/{ref}", json=customer_body())
    assert same.status_code == 200 and same.json()["version"] == 1
    changed = await ledger.http.put(
        f"/v1/customers/{ref}", json=customer_body(segment="key_account")
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    events = await ledger.events.wait_for(2)
    assert [e.routing_key for e in events] == ["ledger.customer.upserted.v1"] * 2
    assert [e.payload.version for e in events] == [1, 2]
    assert [e.payload.created for e in events] == [True, False]
    assert events[1].payload.segment == "key_account"
    assert events[0].subject == ref and events[0].tenant == ledger.tenant
    assert len(await ledger.events.quiet(0.3)) == 2  # the identical PUT published nothing


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("legal_id", "732829321"),  # bad check digit
        ("legal_id", "12345"),  # neither SIREN nor SIRET length
        ("email", "not-an-email"),
        ("phone", "0123"),
        ("country", "XX"),
        ("segment", "giant"),
        ("timezone", "Mars/Olympus"),
    ],
)
async def test_bad_fields_are_named_and_nothing_is_stored(ledger, field, value):
    ref = ledger.ref("C")
    answer = await ledger.http.put(f"/v1/customers/{ref}", json=customer_body(**{field: value}))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == field
    assert (await ledger.http.get(f"/v1/customers/{ref}")).status_code == 404


async def test_siret_is_accepted_and_roles_apply(ledger):
    ref = ledger.ref("C")
    ok = await ledger.http.put(
        f"/v1/customers/{ref}", json=customer_body(legal_id="73282932000074")
    )
    assert ok.status_code == 201
    viewer = {"Authorization": "Bearer t-viewer"}
    refused = await ledger.http.put(f"/v1/customers/{ref}", json=customer_body(), headers=viewer)
    assert refused.status_code == 403
    assert (await ledger.http.get(f"/v1/customers/{ref}", headers=viewer)).status_code == 200


async def test_another_tenants_customer_does_not_exist(ledger):
    ref = ledger.ref("C")
    await ledger.http.put(f"/v1/customers/{ref}", json=customer_body())
    assert (await ledger.other.get(f"/v1/customers/{ref}")).status_code == 404
    mine = await ledger.other.put(f"/v1/customers/{ref}", json=customer_body(name="Autre"))
    assert mine.status_code == 201  # same ref, another tenant: another customer
    assert (await ledger.http.get(f"/v1/customers/{ref}")).json()["name"] == "Boulangerie Martin"

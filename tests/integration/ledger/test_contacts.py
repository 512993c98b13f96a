"""A customer's contacts with roles and its risk class (API and import), and the dunning
contact a collector collects on a call (``ledger.record_dunning_contact.v1``): kept apart
from the record, so a re-import leaves it; published in ``CustomerUpserted.contacts``."""

from __future__ import annotations

import asyncio
import json

import aio_pika

from encaisse.bus.publisher import Publisher
from encaisse.contracts import Envelope
from encaisse.contracts.ledger import ContactRole, RecordDunningContact
from integration.ledger.helpers import customer_body

CSV = {"Content-Type": "text/csv"}
NDJSON = {"Content-Type": "application/x-ndjson"}
UPSERTED = "ledger.customer.upserted.v1"

FINANCE = {
    "role": "finance_director",
    "name": "Marie Curie",
    "email": "daf@martin.example",
    "phone": "+33612345678",
    "hours": "Mon-Fri 9-12",
    "preferred_channel": "email",
}
PAYABLE = {"role": "accounts_payable", "email": "fournisseurs@martin.example"}


async def _until(check, timeout: float = 10.0):
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(0.05)
    return result


def _upserted(events):
    return [e.payload for e in events if e.routing_key == UPSERTED]


async def test_contacts_and_risk_class_are_stored_answered_and_published(ledger):
    ref = ledger.ref("C")
    body = customer_body(contacts=[FINANCE, PAYABLE], risk_class="high")
    created = await ledger.http.put(f"/v1/customers/{ref}", json=body)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["risk_class"] == "high" and answer["dunning_contact"] is None
    assert [c["role"] for c in answer["contacts"]] == ["finance_director", "accounts_payable"]
    assert answer["contacts"][0]["hours"] == "Mon-Fri 9-12"
    same = await ledger.http.put(f"/v1/customers/{ref}", json=body)
    assert same.json()["version"] == 1  # the same contacts: unchanged
    fewer = await ledger.http.put(f"/v1/customers/{ref}", json=customer_body(contacts=[PAYABLE]))
    assert fewer.json()["version"] == 2 and fewer.json()["risk_class"] is None
    first, second = _upserted(await ledger.events.wait_for(2))
    assert first.risk_class == "high"
    by_role = {c.role: c for c in first.contacts}
    assert by_role[ContactRole.FINANCE_DIRECTOR].email == "daf@martin.example"
    assert by_role[ContactRole.FINANCE_DIRECTOR].phone == "+33612345678"
    assert by_role[ContactRole.FINANCE_DIRECTOR].preferred_channel == "email"
    assert [c.role for c in second.contacts] == [ContactRole.ACCOUNTS_PAYABLE]


async def test_bad_contacts_are_refused_naming_the_field(ledger):
    ref = ledger.ref("C")
    for contacts, loc in [
        ([{**FINANCE, "email": "nope"}], ["contacts", 0, "email"]),
        ([PAYABLE, {**FINANCE, "phone": "0612"}], ["contacts", 1, "phone"]),
        ([{"role": "billing", "email": "b@x.example"}], ["contacts", 0, "role"]),
        ([{"role": "dunning", "email": "b@x.example"}], ["contacts", 0, "role"]),
        ([{"role": "buyer", "name": "Nobody"}], ["contacts", 0]),
        ([FINANCE, {**FINANCE, "email": "other@x.example"}], ["contacts"]),
    ]:
        answer = await ledger.http.put(
            f"/v1/customers/{ref}", json=customer_body(contacts=contacts)
        )
        assert answer.status_code == 422, contacts
        assert answer.json()["detail"][0]["loc"][1:] == loc, answer.json()
    answer = await ledger.http.put(f"/v1/customers/{ref}", json=customer_body(risk_class="x" * 33))
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][-1] == "risk_class"
    assert (await ledger.http.get(f"/v1/customers/{ref}")).status_code == 404


async def test_the_import_takes_contacts_as_columns_and_names_the_column_refused(ledger):
    a, b, c = ledger.ref("C"), ledger.ref("C"), ledger.ref("C")
    text = "\n".join(
        [
            "ref,name,segment,country,email,risk_class,finance_director_name,"
            "finance_director_email,finance_director_phone,finance_director_hours,"
            "buyer_email,buyer_preferred_channel",
            f"{a},Alpha,sme,FR,a@alpha.example,low,Marie Curie,daf@alpha.example,"
            "+33612345678,Mon-Fri 9-12,,",
            f"{b},Beta,sme,FR,,,,,,,achats@beta.example,sms",
            f"{c},Gamma,sme,FR,,,,daf-at-gamma,,,,",
        ]
    )
    report = (await ledger.http.post("/v1/imports/customers", content=text, headers=CSV)).json()
    assert (report["created"], report["rejected"]) == (2, 1), report
    assert report["rejections"][0]["line"] == 4
    assert report["rejections"][0]["field"] == "finance_director_email"
    alpha = (await ledger.http.get(f"/v1/customers/{a}")).json()
    assert alpha["risk_class"] == "low"
    assert alpha["contacts"] == [
        {
            "role": "finance_director",
            "name": "Marie Curie",
            "email": "daf@alpha.example",
            "phone": "+33612345678",
            "hours": "Mon-Fri 9-12",
            "preferred_channel": None,
        }
    ]
    beta = (await ledger.http.get(f"/v1/customers/{b}")).json()
    assert [(p["role"], p["email"], p["preferred_channel"]) for p in beta["contacts"]] == [
        ("buyer", "achats@beta.example", "sms")
    ]
    again = (await ledger.http.post("/v1/imports/customers", content=text, headers=CSV)).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    ndjson = json.dumps({"ref": c, **customer_body(contacts=[PAYABLE])}) + "\n"
    report = (
        await ledger.http.post("/v1/imports/customers", content=ndjson, headers=NDJSON)
    ).json()
    assert report["created"] == 1, report
    gamma = (await ledger.http.get(f"/v1/customers/{c}")).json()
    assert [p["role"] for p in gamma["contacts"]] == ["accounts_payable"]


def _command(tenant: str, ref: str, key: str, **fields) -> Envelope:
    cmd = RecordDunningContact(
        tenant=tenant, idempotency_key=key, customer_ref=ref, collected_by="colin", **fields
    )
    return Envelope(payload=cmd, subject=ref)


async def test_a_collected_contact_is_kept_published_and_survives_a_reimport(ledger):
    ref = ledger.ref("C")
    csv_line = f"ref,name,segment,country,email,finance_director_email\n{ref},Alpha,sme,FR,,"
    await ledger.http.post("/v1/imports/customers", content=csv_line + "\n", headers=CSV)
    collected = _command(
        ledger.tenant, ref, "task-1:email", email="compta@alpha.example", name="Paul", task_id="t1"
    )
    connection = await aio_pika.connect(ledger.amqp_url)
    try:
        publisher = Publisher(connection)
        for envelope in (collected, collected):  # delivered twice: kept and published once
            await publisher.publish_envelope(envelope)

        async def kept():
            answer = (await ledger.http.get(f"/v1/customers/{ref}")).json()
            return answer if answer["dunning_contact"] else None

        customer = await _until(kept)
        assert customer["email"] is None  # the record's own email stays the import's
        assert customer["version"] == 2
        dunning = customer["dunning_contact"]
        assert (dunning["email"], dunning["name"], dunning["collected_by"]) == (
            "compta@alpha.example",
            "Paul",
            "colin",
        )
        assert dunning["task_id"] == "t1" and dunning["collected_at"]
        assert customer["contacts"][-1]["role"] == "dunning"
        # the same contact again under another message: nothing new, nothing published
        await publisher.publish_envelope(
            _command(ledger.tenant, ref, "task-2:email", email="compta@alpha.example")
        )
        # a phone collected later keeps the email collected before
        await publisher.publish_envelope(
            _command(ledger.tenant, ref, "task-3:phone", phone="+33 6 12 34 56 78")
        )

        async def with_phone():
            answer = (await ledger.http.get(f"/v1/customers/{ref}")).json()
            return answer if answer["dunning_contact"].get("phone") else None

        customer = await _until(with_phone)
        assert customer["version"] == 3
        assert customer["dunning_contact"]["phone"] == "+33612345678"
        assert customer["dunning_contact"]["email"] == "compta@alpha.example"
    finally:
        await connection.close()
    # the accounting system's next import, other values: the collected contact stays
    reimport = f"{csv_line}\n{ref},Alpha SA,key_account,FR,old@alpha.example,daf@alpha.example\n"
    report = (await ledger.http.post("/v1/imports/customers", content=reimport, headers=CSV)).json()
    assert report["updated"] == 1, report
    customer = (await ledger.http.get(f"/v1/customers/{ref}")).json()
    assert (customer["name"], customer["email"]) == ("Alpha SA", "old@alpha.example")
    assert customer["dunning_contact"]["email"] == "compta@alpha.example"
    await ledger.events.wait_for(4)
    events = _upserted(await ledger.events.quiet(0.5))
    assert [e.version for e in events] == [1, 2, 3, 4]  # the duplicates published nothing
    dunning = [[c for c in e.contacts if c.role is ContactRole.DUNNING] for e in events]
    assert dunning[0] == []
    assert dunning[1][0].email == "compta@alpha.example" and dunning[1][0].phone is None
    assert (dunning[2][0].email, dunning[2][0].phone) == ("compta@alpha.example", "+33612345678")
    assert dunning[3] == dunning[2]
    assert [c.role for c in events[3].contacts] == [
        ContactRole.FINANCE_DIRECTOR,
        ContactRole.DUNNING,
    ]


async def test_a_command_the_ledger_cannot_keep_is_a_dead_letter(ledger):
    ref = ledger.ref("C")
    await ledger.http.put(f"/v1/customers/{ref}", json=customer_body())
    unknown = _command(ledger.tenant, ledger.ref("NOPE"), "k1", email="a@b.example")
    malformed = _command(ledger.tenant, ref, "k2", email="not-an-email")
    empty = _command(ledger.tenant, ref, "k3")
    connection = await aio_pika.connect(ledger.amqp_url)
    try:
        publisher = Publisher(connection)
        for envelope in (unknown, malformed, empty):
            await publisher.publish_envelope(envelope)
        channel = await connection.channel()
        dead = await channel.declare_queue("ledger.commands.dead", passive=True)
        errors = []
        for _ in range(3):

            async def dead_letter():
                return await dead.get(no_ack=True, fail=False)

            message = await _until(dead_letter)
            error = message.headers["x-encaisse-error"]
            errors.append(error.decode() if isinstance(error, bytes) else error)
    finally:
        await connection.close()
    assert any("customer_ref" in e for e in errors)
    assert any("email" in e and "valid email" in e for e in errors)
    assert any("an email or a phone" in e for e in errors)
    customer = (await ledger.http.get(f"/v1/customers/{ref}")).json()
    assert customer["dunning_contact"] is None and customer["version"] == 1

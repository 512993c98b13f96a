"""Letters end to end inside the service: command in, PDF stored, sandbox lifecycle, events out.

Every fate the sandbox plays, step by step: ``test_fates.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from pypdf import PdfReader

from encaisse.bus.deadletters import DeadLetters
from encaisse.bus.publisher import connect
from encaisse.contracts.ledger import PostalAddress
from encaisse.contracts.letters import LetterKind
from encaisse.kit.links import verify_link
from encaisse.letters.sample import sample_notice
from encaisse.letters.usecases.letters import letter_id_for
from integration.letters.conftest import LINK_KEYS, letters_settings
from support.http import free_port, serve
from support.services import service_app

TENANT = "ACME"


def notice(key: str, name: str = "Boulangerie Lefèvre SARL", **changes):
    command = sample_notice(tenant=TENANT, key=key)
    debtor = command.debtor.model_copy(update={"name": name})
    return command.model_copy(update={"debtor": debtor, **changes})


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_a_formal_notice_is_rendered_posted_delivered_and_proven(bus, sandbox, letters):
    command = notice("notice-delivered")
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    await bus.send(command)
    await bus.events.wait(lambda: bus.events.of(letter_id) == ["posted", "delivered"])
    posted, delivered = [e.payload for e in bus.events.received]
    assert posted.tracking_number.startswith("1A")
    assert posted.cost.amount == delivered.cost.amount > 0
    assert (posted.version, delivered.version) == (2, 3)
    assert delivered.case_id == "case-42" and delivered.command_key == "notice-delivered"

    listed = (await letters.get("/v1/letters", params={"customer": "C-0042"})).json()
    assert [(x["id"], x["status"]) for x in listed] == [(letter_id, "delivered")]
    assert listed[0]["summary"]["totals"] == {"EUR": "28181.74"}

    pdf = await letters.get(f"/v1/letters/{letter_id}/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == listed[0]["pdf_sha256"]
    assert pdf.headers["X-Content-SHA256"] == listed[0]["pdf_sha256"]
    text = text_of(pdf.content)
    for expected in (
        "Boulangerie Lefèvre SARL",
        "12 rue de l'Église",
        "69002 LYON",
        "Mise en demeure de payer",
        "FA-2024-0117",
        "FA-2024-0342",
        "10 000,00 €",
        "480,68 €",
        "156,92 €",
        "78,47 €",
        "120,00 €",
        "716,07 €",
        "28 181,74 €",
        "10 juin 2024",
        "LETTRE RECOMMANDÉE",
    ):
        assert expected in text, expected
    link = "".join(text.split("litige :")[1].split())[:400]
    token = link.split("/access/")[1].split("Veuillez")[0]
    claims = verify_link(LINK_KEYS, token, now=datetime.now(UTC))
    assert (claims.tenant, claims.customer_ref) == (TENANT, "C-0042")

    proofs = (await letters.get(f"/v1/letters/{letter_id}/proofs")).json()
    assert [p["kind"] for p in proofs] == ["deposit", "receipt"]
    for proof in proofs:
        body = (await letters.get(proof["url"])).content
        assert hashlib.sha256(body).hexdigest() == proof["sha256"]
    assert "Avis de réception signé" in text_of((await letters.get(proofs[1]["url"])).content)
    [sending] = await sandbox.sendings()
    assert sending["idempotency_key"] == letter_id and sending["status"] == "delivered"


async def test_a_simple_letter_is_posted_and_nothing_more(bus, sandbox, letters):
    command = notice(
        "reminder-1", template="reminder_letter", kind=LetterKind.SIMPLE, formal_notice=None
    )
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    await bus.send(command)
    await bus.events.wait(lambda: bus.events.of(letter_id) == ["posted"])
    assert bus.events.received[0].payload.cost.amount == Decimal("1.29")
    letter = (await letters.get(f"/v1/letters/{letter_id}")).json()
    assert letter["status"] == "posted" and letter["template"] == "reminder_letter"
    text = text_of((await letters.get(f"/v1/letters/{letter_id}/pdf")).content)
    assert "Relance" in text and "RECOMMANDÉE" not in text and "Pénalités" not in text


async def test_a_letter_is_dated_by_the_day_its_sender_decided_it(bus, sandbox, letters):
    """In a simulation the scheduler's clock is not the wall clock: the letter's date, its
    penalties and its deadline all come from the command, so they agree."""
    base = notice("notice-dated")
    decided = date(2025, 7, 15)
    command = base.model_copy(
        update={
            "dated_on": decided,
            "formal_notice": (
                base.formal_notice.model_copy(
                    update={"penalties_computed_on": decided, "payment_deadline": date(2025, 7, 23)}
                )
            ),
        }
    )
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    await bus.send(command)
    await bus.events.wait(lambda: "posted" in bus.events.of(letter_id))
    text = text_of((await letters.get(f"/v1/letters/{letter_id}/pdf")).content)
    assert "Paris, le 15 juillet 2025" in " ".join(text.split())
    assert "23 juillet 2025" in " ".join(text.split())


async def test_an_address_that_cannot_fit_is_refused_with_an_event(bus, sandbox, letters):
    too_long = PostalAddress(
        lines=("Zone industrielle des Grands Champs Nord Est",),
        postal_code="69002",
        city="Lyon",
        country="FR",
    )
    command = notice("notice-bad-address", address=too_long)
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    await bus.send(command)
    await bus.events.wait(lambda: bus.events.of(letter_id) == ["failed"])
    failed = bus.events.received[0].payload
    assert failed.reason == "address_invalid"
    assert "line 2 has 44 characters, at most 38" in failed.detail
    assert await sandbox.sendings() == []
    letter = (await letters.get(f"/v1/letters/{letter_id}")).json()
    assert letter["status"] == "failed" and letter["pdf_sha256"] is None
    assert (await letters.get(f"/v1/letters/{letter_id}/pdf")).status_code == 404


async def test_a_command_sent_twice_makes_one_letter_and_one_sending(bus, sandbox, letters):
    command = notice("notice-twice")
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    await bus.send(command)
    await bus.send(command)  # a new message id, the same idempotency key
    await bus.events.wait(lambda: bus.events.of(letter_id) == ["posted", "delivered"])
    listed = (await letters.get("/v1/letters", params={"customer": "C-0042"})).json()
    assert [x["id"] for x in listed] == [letter_id]
    assert len(await sandbox.sendings()) == 1


async def test_the_api_names_bad_input_and_hides_other_tenants(bus, sandbox, letters):
    command = notice("notice-api")
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    await bus.send(command)
    await bus.events.wait(lambda: "posted" in bus.events.of(letter_id))
    missing = await letters.get("/v1/letters")
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == [
        "query",
        "customer",
    ]
    other = {"Authorization": "Bearer other-admin-token"}
    assert (await letters.get(f"/v1/letters/{letter_id}", headers=other)).status_code == 404
    assert (
        await letters.get("/v1/letters", params={"customer": "C-0042"}, headers=other)
    ).json() == []
    assert (
        await letters.get(f"/v1/letters/{letter_id}", headers={"Authorization": ""})
    ).status_code == 401
    assert (await letters.get(f"/v1/letters/{letter_id}/proofs/nothing")).status_code == 404


async def test_a_letter_that_cannot_be_written_goes_to_the_dead_letter_queue(
    bus, sandbox, letters, amqp_url
):
    await bus.send(notice("notice-poem", template="poem"))
    connection = await connect(amqp_url)
    try:
        dead = DeadLetters(connection)
        async with asyncio.timeout(20):
            while (await dead.counts(["letters.commands"]))["letters.commands.dead"] != 1:
                await asyncio.sleep(0.1)
        [letter] = await dead.show("letters.commands")
        assert "no letter template 'poem'" in letter.error
    finally:
        await connection.close()
    assert await sandbox.sendings() == []
    assert (await letters.get("/v1/letters", params={"customer": "C-0042"})).json() == []


async def test_the_provider_s_webhook_alone_carries_the_lifecycle(
    bus, sandbox, no_letters, database_url, amqp_url, tmp_path
):
    port = free_port()
    settings = {
        **letters_settings(sandbox.url, tmp_path / "store", port),
        "postal_poll_seconds": "3600",
    }  # no polling after the first look
    app = await service_app("letters", database_url, amqp_url, **settings)
    async with serve(app, port):
        command = notice("notice-webhook")
        letter_id = letter_id_for(TENANT, command.idempotency_key)
        await bus.send(command)
        await bus.events.wait(lambda: bus.events.of(letter_id) == ["posted", "delivered"])

"""A letter the dispatcher cannot hand over does not hold up the letters behind it."""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from encaisse.letters.usecases.letters import letter_id_for
from integration.letters.test_lifecycle import TENANT, notice


async def _a_ready_letter_whose_pdf_is_gone(database_url: str) -> str:
    letter_id = letter_id_for(TENANT, "lost-pdf")
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO letters.letters (id, tenant, command_key, customer_ref, kind,"
                " template, language, status, recipient, summary, pdf_key, pdf_sha256,"
                " created_at) VALUES"
                " (:id, :tenant, 'lost-pdf', 'C-0001', 'registered', 'formal_notice', 'fr',"
                " 'ready',"
                " CAST(:recipient AS jsonb), '{}', :key, :digest, now() - interval '1 hour')"
            ),
            {
                "id": letter_id,
                "tenant": TENANT,
                "key": f"{TENANT}/{letter_id}/gone.pdf",
                "digest": "0" * 64,
                "recipient": json.dumps(
                    {"lines": ["ACME", "1 rue B", "75001 PARIS"], "country": "FR"}
                ),
            },
        )
    await engine.dispose()
    return letter_id


async def test_the_oldest_letter_failing_to_dispatch_does_not_block_the_next(
    bus, sandbox, letters, database_url
):
    stuck = await _a_ready_letter_whose_pdf_is_gone(database_url)
    command = notice("notice-behind")
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    await bus.send(command)
    await bus.events.wait(lambda: bus.events.of(letter_id) == ["posted", "delivered"])
    assert [s["idempotency_key"] for s in await sandbox.sendings()] == [letter_id]
    assert (await letters.get(f"/v1/letters/{stuck}")).json()["status"] == "ready"

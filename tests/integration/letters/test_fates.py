"""Every fate the postal sandbox plays, over HTTP: the provider's steps, our events in
order and each once, the letter's record, and its proofs with their SHA-256."""

from __future__ import annotations

import asyncio
import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from encaisse.letters.sandbox.app import PER_EXTRA_PAGE, PRICES
from encaisse.letters.usecases.letters import letter_id_for
from integration.letters.test_lifecycle import TENANT, notice, text_of

RETURN = ("accepted", "posted", "returned")
FATES = [
    # fate, the provider's steps, our events, status, proofs, reason, words in the last proof
    ("accepted", ("accepted",), (), "submitted", (), None, None),
    (
        "posted",
        ("accepted", "posted"),
        ("posted",),
        "posted",
        ("deposit",),
        None,
        "Preuve de dépôt",
    ),
    (
        "delivered",
        ("accepted", "posted", "delivered"),
        ("posted", "delivered"),
        "delivered",
        ("deposit", "receipt"),
        None,
        "Avis de réception signé",
    ),
    (
        "returned",
        RETURN,
        ("posted", "returned"),
        "returned",
        ("deposit", "return"),
        "address_unknown",
        "n'habite pas à l'adresse indiquée",
    ),
    (
        "refused",
        RETURN,
        ("posted", "returned"),
        "returned",
        ("deposit", "return"),
        "refused",
        "refusé par le destinataire",
    ),
    (
        "not_collected",
        RETURN,
        ("posted", "returned"),
        "returned",
        ("deposit", "return"),
        "not_collected",
        "pli avisé et non réclamé",
    ),
    ("failed", ("accepted", "failed"), ("failed",), "failed", (), "provider_error", None),
]


async def _applied(database_url: str, letter_id: str) -> int:
    """How many of the provider's steps the tracker has taken in (0 before submission)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return (
                await conn.scalar(
                    text("SELECT provider_events_applied FROM letters.letters WHERE id = :id"),
                    {"id": letter_id},
                )
            ) or 0
    finally:
        await engine.dispose()


def _text(pdf: bytes) -> str:
    return " ".join(text_of(pdf).split())


@pytest.mark.parametrize(
    ("fate", "steps", "ours", "status", "proofs", "reason", "words"),
    FATES,
    ids=[o[0] for o in FATES],
)
async def test_each_fate_in_order_as_events(
    bus, sandbox, letters, database_url, fate, steps, ours, status, proofs, reason, words
):
    await sandbox.choose("Nomade", fate)
    command = notice(f"notice-{fate}", name="Nomade SARL")
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    await bus.send(command)
    async with asyncio.timeout(30):
        while True:
            sendings = await sandbox.sendings()
            played = tuple(e["type"] for s in sendings for e in s["events"])
            if (
                played == steps
                and tuple(bus.events.of(letter_id)) == ours
                and await _applied(database_url, letter_id) == len(steps)
            ):
                break
            await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # several steps and polls later: nothing more, nothing twice
    assert tuple(bus.events.of(letter_id)) == ours
    [sending] = await sandbox.sendings()
    assert sending["idempotency_key"] == letter_id

    letter = (await letters.get(f"/v1/letters/{letter_id}")).json()
    assert (letter["status"], letter["reason"]) == (status, reason)
    reports = [e.payload for e in bus.events.received]
    assert [r.version for r in reports] == list(range(2, 2 + len(ours)))
    assert [r.reason for r in reports if hasattr(r, "reason")] == ([reason] if reason else [])
    if "posted" in ours:
        cost = PRICES["registered_ar"] + PER_EXTRA_PAGE * (letter["pages"] - 1)
        assert [r.cost.amount for r in reports] == [cost] * len(ours)
        assert Decimal(letter["cost_amount"]) == cost and letter["cost_currency"] == "EUR"
        assert reports[0].tracking_number == letter["tracking_number"] != ""
    else:
        assert [r.cost for r in reports] == [None] * len(ours)

    listed = (await letters.get(f"/v1/letters/{letter_id}/proofs")).json()
    assert tuple(p["kind"] for p in listed) == proofs
    pdf_sha256 = letter["pdf_sha256"]
    for proof in listed:
        document = await letters.get(proof["url"])
        assert document.headers["X-Content-SHA256"] == proof["sha256"]
        assert hashlib.sha256(document.content).hexdigest() == proof["sha256"]
        content = _text(document.content)
        assert letter["tracking_number"] in content and pdf_sha256 in content
    if words:
        assert words in _text((await letters.get(listed[-1]["url"])).content)

"""How often the tracker asks the provider: a posted simple letter never again, a sending
that does not change less and less often (polls counted by the sandbox)."""

from __future__ import annotations

import asyncio
import time

from encaisse.contracts.letters import LetterKind
from encaisse.letters.usecases.letters import letter_id_for
from integration.letters.test_lifecycle import TENANT, notice


async def _reads(sandbox, sending_key: str) -> int:
    [sending] = [s for s in await sandbox.sendings() if s["idempotency_key"] == sending_key]
    return sending["reads"]


async def test_a_posted_simple_letter_is_not_polled_and_an_idle_sending_backs_off(
    bus, sandbox, letters
):
    await sandbox.choose("Attente", "accepted")  # accepted, never posted: followed forever
    simple = notice(
        "track-simple", template="reminder_letter", kind=LetterKind.SIMPLE, formal_notice=None
    )
    idle = notice("track-idle", name="Attente Longue SA")
    simple_id, idle_id = (letter_id_for(TENANT, c.idempotency_key) for c in (simple, idle))
    await bus.send(simple)
    await bus.events.wait(lambda: bus.events.of(simple_id) == ["posted"])
    await bus.send(idle)
    after_posting = await _reads(sandbox, simple_id)

    seen: list[float] = []  # when the idle sending's read count reached 1, 2, 3...
    async with asyncio.timeout(30):
        while len(seen) < 5:
            reads = (
                await _reads(sandbox, idle_id)
                if any(s["idempotency_key"] == idle_id for s in await sandbox.sendings())
                else 0
            )
            seen.extend([time.monotonic()] * (reads - len(seen)))
            await asyncio.sleep(0.05)

    # polls every 0.2 s at first, then 0.4, 0.8, 1.6 s apart while nothing changes
    assert seen[4] - seen[3] >= 1.5
    assert await _reads(sandbox, simple_id) == after_posting

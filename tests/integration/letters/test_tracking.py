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
            sendings = {s["idempotency_key"]: s["reads"] for s in await sandbox.sendings()}
            reads = sendings.get(idle_id, 0)
            seen.extend([time.monotonic()] * (reads - len(seen)))
            await asyncio.sleep(0.05)

    # polls every 0.2 s at first, then 0.4, 0.8, 1.6 s apart while nothing changes: 2.4 s
    # from the third read to the fifth (without the back-off, 0.4 s). A read is seen up to
    # one turn of this loop late (a loaded machine made one turn 0.2 s), which shortened
    # the measure of a single gap below 1.5 s; two gaps leave room for it.
    assert seen[4] - seen[2] >= 2.0
    assert await _reads(sandbox, simple_id) == after_posting

"""A crash between the provider's answer and our record: one sending after restart.

The service runs as a real process (``python -m encaisse.letters``); a test hook
kills it with SIGKILL right after the provider accepted the submission, before
the letter's row says so. The restarted service reconciles with the idempotency
key and carries on; the sandbox never sees a second sending.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from encaisse.letters.usecases.letters import letter_id_for
from integration.letters.conftest import letters_settings
from integration.letters.test_lifecycle import TENANT, notice
from support.http import free_port, wait_ready
from support.services import settings_env


async def _start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "encaisse.letters",
        env=dict(os.environ, **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


# A process's start (imports, database, broker) takes 5 to 25 s on a loaded two-core
# machine: each phase waits on its own condition, with room for that.
START_SECONDS = 90.0


async def _ready(port: int) -> None:
    await wait_ready(f"http://127.0.0.1:{port}", timeout=START_SECONDS)


async def _status(database_url: str, letter_id: str) -> tuple[str, str | None]:
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT status, provider_sending_id FROM letters.letters WHERE id = :id"),
                {"id": letter_id},
            )
        ).one()
    await engine.dispose()
    return row.status, row.provider_sending_id


async def test_killed_after_submit_then_restarted_sends_once(
    database_url, amqp_url, bus, sandbox, no_letters, tmp_path
):
    port = free_port()
    env = settings_env(
        database_url, amqp_url, **letters_settings(sandbox.url, tmp_path / "crash-store", port)
    )
    crashing = await _start({**env, "ENCAISSE_TEST_CRASH_AFTER_SUBMIT": "true"})
    await _ready(port)
    command = notice("notice-crash")
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    await bus.send(command)
    async with asyncio.timeout(60):
        output, _ = await crashing.communicate()
    assert crashing.returncode == -signal.SIGKILL, output.decode()[-2000:]
    [sending] = await sandbox.sendings()
    assert sending["status"] in ("submitted", "accepted", "posted", "delivered")
    assert await _status(database_url, letter_id) == ("ready", None)  # never recorded

    restarted = await _start(env)
    try:
        # the wait for its events starts once it serves, not while it imports
        await _ready(port)
        await bus.events.wait(lambda: bus.events.of(letter_id) == ["posted", "delivered"])
        assert await _status(database_url, letter_id) == ("delivered", sending["id"])
        assert [s["id"] for s in await sandbox.sendings()] == [sending["id"]]
    finally:
        restarted.terminate()
        await restarted.communicate()

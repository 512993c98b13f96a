"""The notifier killed (SIGKILL) in the middle of sending, then restarted: one email.

The service runs as a subprocess (``python -m encaisse.notifier``); the SMTP
server in the test kills it at the chosen moment: before the recipients are
accepted, once the server has the message (before its 250), or after the 250
reached the notifier and before it recorded the email as sent.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from notifier_helpers import Bus, email_command, eventually, notifier_settings
from sqlalchemy import text

from encaisse.bus.publisher import connect
from encaisse.kit.db import make_engine
from encaisse.kit.runtime import declare_topology
from support.http import free_port, wait_ready
from support.services import migrate, settings_env


@asynccontextmanager
async def notifier_process(
    database_url, amqp_url, smtp
) -> AsyncIterator[tuple[asyncio.subprocess.Process, httpx.AsyncClient]]:
    port = free_port()
    env = dict(
        os.environ,
        **settings_env(database_url, amqp_url, **notifier_settings(smtp, send_lease_seconds=2)),
        ENCAISSE_HTTP_PORT=str(port),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "encaisse.notifier",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    http = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": "Bearer admin-token"}
    )
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
        yield proc, http
    finally:
        await http.aclose()
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()


def _kill(proc: asyncio.subprocess.Process):
    def kill() -> None:
        os.kill(proc.pid, signal.SIGKILL)

    return kill


async def test_killed_after_the_server_received_the_email_sends_it_once(
    database_url, amqp_url, smtp
):
    await migrate("notifier", database_url)
    async with notifier_process(database_url, amqp_url, smtp) as (proc, _), Bus(amqp_url) as bus:
        smtp.on_data = _kill(proc)  # the server has the message; the sender never hears 250
        await bus.send(email_command())
        await asyncio.wait_for(proc.wait(), 20)
        assert proc.returncode == -signal.SIGKILL
        assert len(smtp.received) == 1
        smtp.on_data = None
        async with notifier_process(database_url, amqp_url, smtp) as (_, http):
            await eventually(lambda: bus.of_type("message.uncertain.v1"))
            await asyncio.sleep(1.0)
            evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
    assert len(smtp.received) == 1, "sent once, not again after the restart"
    assert [(m["status"], m["uncertain"]) for m in evidence] == [("sent", True)]
    assert len(bus.of_type("message.uncertain.v1")) == 1, "reported uncertain, for a person"
    assert bus.of_type("message.sent.v1") == [], "not reported as surely sent"


async def test_killed_after_the_250_before_recording_it_sends_it_once(database_url, amqp_url, smtp):
    """The row is held locked from here while the server answers 250, so the notifier's
    ``sent`` update waits on it; the process is killed while it waits."""
    await migrate("notifier", database_url)
    at_data, locked = threading.Event(), threading.Event()
    smtp.on_data = lambda: (at_data.set(), locked.wait(20))  # then the server answers 250
    engine = make_engine(database_url, pool_size=2)
    try:
        async with (
            notifier_process(database_url, amqp_url, smtp) as (proc, _),
            Bus(amqp_url) as bus,
            engine.connect() as holder,
            engine.connect() as watch,
        ):
            await bus.send(email_command())
            assert await asyncio.to_thread(at_data.wait, 20)
            await holder.begin()
            held = await holder.scalar(
                text("SELECT status FROM notifier.messages WHERE status = 'sending' FOR UPDATE")
            )
            assert held == "sending"
            locked.set()
            waiting = text(  # mark_sent's update (the only one setting provider_ref)
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND starts_with(query, 'UPDATE notifier.messages') "
                "AND position('provider_ref' in query) > 0"
            )
            async with asyncio.timeout(20):
                while not await watch.scalar(waiting):
                    await watch.rollback()  # pg_stat_activity is read once per transaction
                    await asyncio.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)  # the 250 arrived; "sent" was never committed
            await asyncio.wait_for(proc.wait(), 20)
            await holder.rollback()
            smtp.on_data = None
            assert len(smtp.received) == 1 and not bus.of_type("message.sent.v1")
            async with notifier_process(database_url, amqp_url, smtp) as (_, http):
                await eventually(lambda: bus.of_type("message.uncertain.v1"))
                await asyncio.sleep(1.0)
                evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
    finally:
        await engine.dispose()
    assert len(smtp.received) == 1, "sent once, not again after the restart"
    assert [(m["status"], m["uncertain"]) for m in evidence] == [("sent", True)]
    assert len(bus.of_type("message.uncertain.v1")) == 1
    assert bus.of_type("message.sent.v1") == []


async def test_killed_before_data_sends_it_after_the_restart(database_url, amqp_url, smtp):
    await migrate("notifier", database_url)
    async with notifier_process(database_url, amqp_url, smtp) as (proc, _), Bus(amqp_url) as bus:
        smtp.on_rcpt = _kill(proc)  # recipients not yet accepted: nothing was sent
        await bus.send(email_command())
        await asyncio.wait_for(proc.wait(), 20)
        assert smtp.received == []
        smtp.on_rcpt = None
        async with notifier_process(database_url, amqp_url, smtp) as (_, http):
            await eventually(lambda: bus.of_type("message.sent.v1"))
            await asyncio.sleep(1.0)
            evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
    assert len(smtp.received) == 1
    assert [(m["status"], m["uncertain"], m["attempts"]) for m in evidence] == [("sent", False, 2)]


async def test_hundreds_of_emails_through_several_kills_none_is_lost_silently(
    database_url, amqp_url, smtp
):
    """300 emails, the notifier killed three times while sending. Each email reaches the
    server exactly once and is reported sent, or is reported uncertain (a person checks);
    none is sent twice, none is reported sent that the server never got."""
    total = 300
    await migrate("notifier", database_url)
    connection = await connect(amqp_url)
    await declare_topology(connection)  # as `migrate` does: the commands wait in their queue
    await connection.close()
    async with Bus(amqp_url) as bus:
        for i in range(total):
            await bus.send(
                email_command(f"case-1/step-{i:03d}/2026-02-20", to=(f"ap{i:03d}@client.example",))
            )
        for _ in range(3):
            async with notifier_process(database_url, amqp_url, smtp) as (proc, _):
                seen = len(smtp.received)
                await eventually(lambda seen=seen: len(smtp.received) >= min(seen + 40, total), 30)
                os.kill(proc.pid, signal.SIGKILL)
                await asyncio.wait_for(proc.wait(), 20)
        async with notifier_process(database_url, amqp_url, smtp) as (_, http):
            reported = ("message.sent.v1", "message.uncertain.v1", "message.failed.v1")
            await eventually(
                lambda: len({e.message_id for k in reported for e in bus.of_type(k)}) >= total, 60
            )
            await asyncio.sleep(1.0)
        engine = make_engine(database_url, pool_size=1)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT recipient, status, uncertain FROM notifier.messages")
                )
            ).all()
        await engine.dispose()
    received = [m["To"] for m in smtp.received]
    assert len(rows) == total and len(set(received)) == len(received), "none sent twice"
    uncertain = {e.recipient for e in bus.of_type("message.uncertain.v1")}
    sure = {e.recipient for e in bus.of_type("message.sent.v1")}
    assert not bus.of_type("message.failed.v1") and not (uncertain & sure)
    assert sure | uncertain == {r.recipient for r in rows}, "each one reported"
    assert sure <= set(received), "what is reported sent, the server has"
    assert set(received) - sure <= uncertain, "the rest is reported uncertain"
    assert {r.recipient for r in rows if r.uncertain} == uncertain
    assert all(r.status == "sent" for r in rows)

"""The service's one clock: a letter whose command has no date is dated by the runtime's
clock (a ``SettableClock`` handed to ``build_app``), and so is its portal link."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from encaisse.kit.clock import SettableClock
from encaisse.kit.links import InvalidLink, verify_link
from encaisse.letters.usecases.letters import letter_id_for
from integration.letters.conftest import LINK_KEYS, letters_settings
from integration.letters.test_lifecycle import TENANT, notice, text_of
from support.http import free_port, serve
from support.services import service_app

WRITTEN = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


async def test_a_letter_without_a_date_is_dated_by_the_runtime_s_clock(
    bus, sandbox, no_letters, database_url, amqp_url, tmp_path
):
    port = free_port()
    app = await service_app(
        "letters",
        database_url,
        amqp_url,
        clock=SettableClock(WRITTEN),
        **letters_settings(sandbox.url, tmp_path / "store", port),
    )
    command = notice("notice-undated", dated_on=None)
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    async with (
        serve(app, port) as url,
        httpx.AsyncClient(
            base_url=url, headers={"Authorization": "Bearer collector-token"}, timeout=30
        ) as http,
    ):
        await bus.send(command)
        async with asyncio.timeout(30):
            while (await http.get(f"/v1/letters/{letter_id}")).status_code != 200:
                await asyncio.sleep(0.1)
        text = " ".join(text_of((await http.get(f"/v1/letters/{letter_id}/pdf")).content).split())
    assert "Paris, le 14 mars 2025" in text
    token = "".join(text.split("litige :")[1].split())[:400].split("/access/")[1]
    token = token.split("Veuillez")[0]
    claims = verify_link(LINK_KEYS, token, now=WRITTEN)  # signed at the clock's time
    assert (claims.tenant, claims.customer_ref) == (TENANT, "C-0042")
    with pytest.raises(InvalidLink):
        verify_link(LINK_KEYS, token, now=WRITTEN + timedelta(days=61))  # 60 days from then

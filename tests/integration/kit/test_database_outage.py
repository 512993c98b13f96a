"""A database outage answers 503 with the usual JSON body and a Retry-After, then recovers."""

from __future__ import annotations

import asyncio

import pytest

from support.http import client
from support.own_postgres import own_postgres
from support.services import service_app

VIEWER = {"Authorization": "Bearer viewer-token"}


@pytest.mark.slow
async def test_a_database_outage_answers_503_with_retry_after_then_recovers(amqp_url):
    with own_postgres() as pg:
        app = await service_app("ledger", pg.url, amqp_url)
        async with client(app) as http:
            assert (await http.get("/v1/receivables/aging", headers=VIEWER)).status_code == 200
            await asyncio.to_thread(pg.stop)
            for _ in range(2):  # a connection cut in the pool, then a new one refused
                down = await http.get("/v1/receivables/aging", headers=VIEWER)
                assert down.status_code == 503, down.text
                assert down.headers["Retry-After"].isdigit()
                assert down.headers["content-type"] == "application/json"
                [error] = down.json()["detail"]
                assert error["type"] == "service_unavailable" and error["loc"] == []
                assert "database" in error["msg"]
            ready = await http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["database"] is False
            await asyncio.to_thread(pg.start)
            async with asyncio.timeout(30):
                while (await http.get("/v1/receivables/aging", headers=VIEWER)).status_code != 200:
                    await asyncio.sleep(0.2)

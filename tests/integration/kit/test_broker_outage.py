"""A broker that is down: a service starts anyway and says it is not ready; it is ready
again when the broker is back, and reports the outage on /readyz while it lasts."""

from __future__ import annotations

import asyncio

import aio_pika

from integration.ledger.helpers import customer_body
from support.http import client
from support.own_rabbitmq import own_rabbitmq
from support.services import service_app


async def _ready(http, want: bool, timeout: float = 60.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            answer = await http.get("/readyz")
            if (answer.status_code == 200) == want:
                return answer.json()
            await asyncio.sleep(0.2)


async def test_a_service_started_while_the_broker_is_down_serves_and_connects_later(database_url):
    with own_rabbitmq() as rabbit:
        rabbit.stop()
        app = await service_app("ledger", database_url, rabbit.url)
        async with client(app, "admin-token") as http:
            assert (await http.get("/healthz")).status_code == 200
            down = await _ready(http, False, 5)
            assert down["checks"] == {"database": True, "broker": False}
            made = await http.put("/v1/customers/OUTAGE-1", json=customer_body())
            assert made.status_code == 201, made.text  # kept in the outbox meanwhile
            rabbit.start()
            up = await _ready(http, True)
            assert up["checks"] == {"database": True, "broker": True}
            connection = await aio_pika.connect(rabbit.url)
            try:
                channel = await connection.channel()
                queue = await channel.declare_queue(exclusive=True)
                await queue.bind("encaisse.events", "ledger.customer.#")
                again = await http.put("/v1/customers/OUTAGE-2", json=customer_body())
                assert again.status_code == 201
                message = await queue.get(timeout=30, fail=False)
                async with asyncio.timeout(30):
                    while message is None:
                        await asyncio.sleep(0.2)
                        message = await queue.get(fail=False)
                assert message.headers["ce-subject"] in ("OUTAGE-1", "OUTAGE-2")
            finally:
                await connection.close()
            rabbit.stop()  # an outage while running: not ready while it lasts
            during = await _ready(http, False, 30)
            assert during["checks"]["broker"] is False
            rabbit.start()
            await _ready(http, True)

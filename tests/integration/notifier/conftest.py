"""The notifier against real servers: an SMTP server in the test process (aiosmtpd),
the run's PostgreSQL database, a RabbitMQ vhost per test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))

from notifier_helpers import SmtpServer

from encaisse.kit.db import make_engine
from support.http import free_port
from support.services import migrate


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
async def clean_notifier(database_url: str) -> None:
    """Tests share the run's database: start each from an empty notifier schema."""
    await migrate("notifier", database_url)
    engine = make_engine(database_url, pool_size=1)
    async with engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE notifier.messages, notifier.outbox, notifier.inbox, notifier.templates")
        )
    await engine.dispose()

"""Fixtures for every test: this run's own database and RabbitMQ vhosts.

See ``support/servers.py`` for how the servers are found.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack

import asyncpg
import pytest

from support.servers import Servers, Vhosts, asyncpg_url, find_servers, with_database

# Services under test run with their development secrets and switches (simulation, test
# hooks); a test of production settings sets ENCAISSE_ENV itself.
os.environ.setdefault("ENCAISSE_ENV", "development")


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    with ExitStack() as stack:
        try:
            found = find_servers(stack)
        except RuntimeError as exc:
            pytest.exit(str(exc), returncode=3)
        yield found


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _scratch_database(servers: Servers) -> AsyncIterator[str]:
    name = f"encaisse_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_plain(servers.postgres_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield asyncpg_url(with_database(servers.postgres_url, name))
    admin = await asyncpg.connect(_plain(servers.postgres_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def database_url(servers: Servers) -> AsyncIterator[str]:
    """A database of this run's own, dropped at the end. Tests keep apart by tenant or key."""
    async for url in _scratch_database(servers):
        yield url


@pytest.fixture
async def fresh_database_url(servers: Servers) -> AsyncIterator[str]:
    """A database of this test's own, for a test that needs a tenant no other test touched."""
    async for url in _scratch_database(servers):
        yield url


@pytest.fixture(scope="session")
def vhost_manager(servers: Servers) -> Vhosts:
    return Vhosts(servers)


@pytest.fixture
def vhosts(vhost_manager: Vhosts) -> Iterator[Callable[[], str]]:
    """A factory of fresh vhosts (URL returned), deleted when the test ends.

    Deleted per test, not per run: a run makes hundreds of vhosts, each with a
    dozen quorum queues, and a broker holding them all at once slows to a crawl.
    """
    made: list[str] = []

    def new() -> str:
        name, url = vhost_manager.create()
        made.append(name)
        return url

    yield new
    for name in made:
        vhost_manager.delete(name)


@pytest.fixture
async def amqp_url(vhosts: Callable[[], str]) -> str:
    """A vhost of this test's own."""
    return await asyncio.to_thread(vhosts)

"""Fixtures of the portal's integration tests (helpers in ``portal_support``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from integration.portal.portal_support import Portal, running_portal


@pytest.fixture
async def portal(database_url: str, amqp_url: str) -> AsyncIterator[Portal]:
    async with running_portal(database_url, amqp_url) as running:
        yield running

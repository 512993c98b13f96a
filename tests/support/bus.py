"""A throwaway service schema for bus tests: widgets, outbox and inbox tables."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from encaisse.bus.tables import inbox_table, outbox_table
from encaisse.contracts import Event
from encaisse.kit.db import make_engine, make_sessions, service_metadata


class WidgetMade(Event):
    """Test-only event."""

    routing_key: ClassVar[str] = "bustest.widget.made.v1"

    widget_id: int


@dataclass
class TestSchema:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    metadata: MetaData
    widgets: Table
    outbox: Table
    inbox: Table


@asynccontextmanager
async def scratch_schema(database_url: str) -> AsyncIterator[TestSchema]:
    schema = f"bustest_{uuid.uuid4().hex[:8]}"
    metadata = service_metadata(schema)
    widgets = Table(
        "widgets",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50), nullable=False),
        Column("seen", Integer, nullable=False, server_default="0"),
    )
    outbox, inbox = outbox_table(metadata), inbox_table(metadata)
    engine = make_engine(database_url, pool_size=5)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    try:
        yield TestSchema(engine, make_sessions(engine), metadata, widgets, outbox, inbox)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()

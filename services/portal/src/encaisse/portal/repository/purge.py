"""The access tables' clean-up: expired rows deleted in batches, one short transaction each,
skipping rows another replica's clean-up holds (two portals never wait for each other)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ColumnElement, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from encaisse.portal import db


async def expired_sessions(
    sessions: async_sessionmaker[AsyncSession], before: datetime, batch_size: int
) -> int:
    return await _in_batches(
        sessions, db.sessions.c.token_hash, db.sessions.c.expires_at <= before, batch_size
    )


async def expired_used_links(
    sessions: async_sessionmaker[AsyncSession], before: datetime, batch_size: int
) -> int:
    return await _in_batches(
        sessions, db.used_links.c.token_hash, db.used_links.c.expires_at <= before, batch_size
    )


async def old_link_requests(
    sessions: async_sessionmaker[AsyncSession], before: datetime, batch_size: int
) -> int:
    return await _in_batches(
        sessions, db.link_requests.c.id, db.link_requests.c.requested_at <= before, batch_size
    )


async def _in_batches(
    sessions: async_sessionmaker[AsyncSession],
    key: Column,
    expired: ColumnElement[bool],
    batch_size: int,
) -> int:
    """How many rows went, ``batch_size`` at a time."""
    table: Table = key.table
    total = 0
    while True:
        batch = (
            select(key)
            .where(expired)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        async with sessions() as session, session.begin():
            done = await session.execute(delete(table).where(key.in_(batch)))
            deleted = done.rowcount  # type: ignore[attr-defined]  # a CursorResult for a DML
        total += deleted
        if deleted < batch_size:
            return total

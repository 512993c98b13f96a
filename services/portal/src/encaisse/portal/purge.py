"""Clean-up of the access tables: what can no longer matter is deleted, in batches.

- a session past its expiry (``find_session`` refuses it anyway);
- a used link past its own expiry (``verify_link`` refuses the link before its row is
  read): each row keeps the expiry its link carried, so links signed by the notifier
  or letters with a longer lifetime than the portal's own are kept as long as needed;
- a link request older than the rate limit's window.

Each is kept an hour longer (``MARGIN``), for portals whose clocks differ a little:
one a little behind must still find a link spent. Each batch is one short transaction;
rows locked by another replica's clean-up are skipped, so two portals never wait for
each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, ColumnElement, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from encaisse.portal import db
from encaisse.portal.api.link_requests import WINDOW
from encaisse.portal.settings import PortalSettings

log = logging.getLogger(__name__)
MARGIN = timedelta(hours=1)


@dataclass(frozen=True)
class Purged:
    sessions: int = 0
    used_links: int = 0
    link_requests: int = 0

    @property
    def total(self) -> int:
        return self.sessions + self.used_links + self.link_requests


async def purge(
    sessions: async_sessionmaker[AsyncSession], now: datetime, batch_size: int = 1000
) -> Purged:
    """Delete what had expired an hour before ``now``; how many rows of each table went."""
    before = now - MARGIN
    return Purged(
        sessions=await _in_batches(
            sessions, db.sessions.c.token_hash, db.sessions.c.expires_at <= before, batch_size
        ),
        used_links=await _in_batches(
            sessions, db.used_links.c.token_hash, db.used_links.c.expires_at <= before, batch_size
        ),
        link_requests=await _in_batches(
            sessions,
            db.link_requests.c.id,
            db.link_requests.c.requested_at <= before - WINDOW,
            batch_size,
        ),
    )


async def _in_batches(
    sessions: async_sessionmaker[AsyncSession],
    key: Column,
    expired: ColumnElement[bool],
    batch_size: int,
) -> int:
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


async def purge_now(
    sessions: async_sessionmaker[AsyncSession],
    settings: PortalSettings,
    clock: Callable[[], datetime],
) -> None:
    """One clean-up at the portal's own time (``clock``); the runtime runs it every
    interval (``encaisse.kit.runtime.every``)."""
    done = await purge(sessions, clock(), settings.portal_purge_batch_size)
    if done.total:
        log.info("access purge: %s", done)

"""Clean-up of the access tables: what can no longer matter is deleted, in batches.

- a session past its expiry (``find_session`` refuses it anyway);
- a used link past its own expiry (``verify_link`` refuses the link before its row is
  read): each row keeps the expiry its link carried, so links signed by the notifier
  or letters with a longer lifetime than the portal's own are kept as long as needed;
- a link request older than the rate limit's window.

Each is kept an hour longer (``PURGE_MARGIN``), for portals whose clocks differ a
little: one a little behind must still find a link spent. Each batch is one short
transaction; rows locked by another replica's clean-up are skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from encaisse.kit.clock import Clock
from encaisse.portal.domain.access import LINK_REQUEST_WINDOW, PURGE_MARGIN
from encaisse.portal.repository import purge as repository

log = logging.getLogger(__name__)


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
    before = now - PURGE_MARGIN
    return Purged(
        sessions=await repository.expired_sessions(sessions, before, batch_size),
        used_links=await repository.expired_used_links(sessions, before, batch_size),
        link_requests=await repository.old_link_requests(
            sessions, before - LINK_REQUEST_WINDOW, batch_size
        ),
    )


async def purge_now(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, batch_size: int
) -> None:
    """One clean-up at the portal's own time; the runtime runs it every interval
    (``Runtime.every``)."""
    done = await purge(sessions, clock.now(), batch_size)
    if done.total:
        log.info("access purge: %s", done)

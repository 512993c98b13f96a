"""Asking for a new link by email: the rate limit's count, and whom an address reaches."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.portal import db


async def take_link_request(
    session: AsyncSession,
    address_hash: str,
    client_hash: str,
    now: datetime,
    window: timedelta,
    limit: int,
) -> bool:
    """Record a link request unless the address or the client asked too often within
    ``window`` (``limit`` per address, five times that per client); False when refused.

    One request at a time per address (an advisory lock), so two concurrent asks cannot
    both slip through."""
    r = db.link_requests.c
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(address_hash))))
    recent = await session.execute(
        select(
            func.count().filter(r.address_hash == address_hash),
            func.count().filter(r.client_hash == client_hash),
        ).where(
            r.requested_at > now - window,
            r.requested_at <= now,
            or_(r.address_hash == address_hash, r.client_hash == client_hash),
        )
    )
    by_address, by_client = recent.one()
    if by_address >= limit or by_client >= limit * 5:
        return False
    await session.execute(
        db.link_requests.insert().values(
            address_hash=address_hash, client_hash=client_hash, requested_at=now
        )
    )
    return True


async def customers_by_email(session: AsyncSession, address: str) -> list[Any]:
    c = db.customers.c
    rows = await session.execute(
        select(c.tenant, c.customer_ref, c.name, c.language, c.timezone, c.country).where(
            func.lower(c.email) == address
        )
    )
    return list(rows.all())

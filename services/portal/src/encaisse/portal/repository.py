"""The SQL the portal's actions run: checkouts, link requests, tenant settings.

(What its pages read is in ``queries``; sessions and links in ``access``; the read
model's writes in ``readmodel``.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.portal import db


async def save_promise_limit(s: AsyncSession, tenant: str, promise_max_days: int) -> None:
    await s.execute(
        insert(db.tenant_settings)
        .values(tenant=tenant, promise_max_days=promise_max_days)
        .on_conflict_do_update(
            index_elements=["tenant"], set_={"promise_max_days": promise_max_days}
        )
    )


async def add_checkout(
    s: AsyncSession,
    checkout_id: str,
    tenant: str,
    customer_ref: str,
    amount: Decimal,
    currency: str,
    provider: str,
    allocations: list[dict[str, str]],
) -> None:
    await s.execute(
        db.checkouts.insert().values(
            checkout_id=checkout_id,
            tenant=tenant,
            customer_ref=customer_ref,
            amount=amount,
            currency=currency,
            status="pending",
            provider=provider,
            allocations=allocations,
        )
    )


async def locked_checkout(s: AsyncSession, checkout_id: str) -> Row[Any] | None:
    k = db.checkouts.c
    return (
        await s.execute(select(db.checkouts).where(k.checkout_id == checkout_id).with_for_update())
    ).first()


async def complete(
    s: AsyncSession, checkout_id: str, status: str, provider_ref: str, now: datetime
) -> None:
    await s.execute(
        db.checkouts.update()
        .where(db.checkouts.c.checkout_id == checkout_id)
        .values(status=status, provider_ref=provider_ref, completed_at=now)
    )


async def customer_checkout(
    s: AsyncSession, tenant: str, customer_ref: str, checkout_id: str
) -> Row[Any] | None:
    k = db.checkouts.c
    return (
        await s.execute(
            select(db.checkouts).where(
                k.checkout_id == checkout_id, k.tenant == tenant, k.customer_ref == customer_ref
            )
        )
    ).first()


async def take_link_request(
    s: AsyncSession,
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
    await s.execute(select(func.pg_advisory_xact_lock(func.hashtext(address_hash))))
    recent = await s.execute(
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
    await s.execute(
        db.link_requests.insert().values(
            address_hash=address_hash, client_hash=client_hash, requested_at=now
        )
    )
    return True


async def customers_by_email(s: AsyncSession, address: str) -> list[Any]:
    c = db.customers.c
    rows = await s.execute(
        select(c.tenant, c.customer_ref, c.name, c.language, c.timezone, c.country).where(
            func.lower(c.email) == address
        )
    )
    return list(rows.all())

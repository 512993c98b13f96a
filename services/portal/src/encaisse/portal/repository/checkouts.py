"""Checkouts: a payment started in the portal, pending until the provider's answer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.portal import db
from encaisse.portal.domain.access import PortalSession


async def add_checkout(
    session: AsyncSession,
    checkout_id: str,
    who: PortalSession,
    amount: Decimal,
    currency: str,
    provider: str,
    allocations: list[dict[str, str]],
) -> None:
    await session.execute(
        db.checkouts.insert().values(
            checkout_id=checkout_id,
            tenant=who.tenant,
            customer_ref=who.customer_ref,
            amount=amount,
            currency=currency,
            status="pending",
            provider=provider,
            allocations=allocations,
        )
    )


async def locked_checkout(session: AsyncSession, checkout_id: str) -> Row[Any] | None:
    """The checkout, locked until the transaction ends (its result is recorded once)."""
    k = db.checkouts.c
    return (
        await session.execute(
            select(db.checkouts).where(k.checkout_id == checkout_id).with_for_update()
        )
    ).first()


async def mark_completed(
    session: AsyncSession, checkout_id: str, status: str, provider_ref: str, now: datetime
) -> None:
    await session.execute(
        db.checkouts.update()
        .where(db.checkouts.c.checkout_id == checkout_id)
        .values(status=status, provider_ref=provider_ref, completed_at=now)
    )


async def customer_checkout(
    session: AsyncSession, who: PortalSession, checkout_id: str
) -> Row[Any] | None:
    k = db.checkouts.c
    return (
        await session.execute(
            select(db.checkouts).where(
                k.checkout_id == checkout_id,
                k.tenant == who.tenant,
                k.customer_ref == who.customer_ref,
            )
        )
    ).first()

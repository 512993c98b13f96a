"""Reading messages as evidence: one customer's, one by id, one by any of its references."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.notifier.db import messages


async def of_customer(
    session: AsyncSession, tenant: str, customer_ref: str, limit: int
) -> list[Row[Any]]:
    """A customer's messages, newest first."""
    rows = await session.execute(
        select(messages)
        .where(messages.c.tenant == tenant, messages.c.customer_ref == customer_ref)
        .order_by(messages.c.created_at.desc(), messages.c.id)
        .limit(limit)
    )
    return list(rows)


async def one(session: AsyncSession, tenant: str, message_id: str) -> Row[Any] | None:
    return (
        await session.execute(
            select(messages).where(messages.c.tenant == tenant, messages.c.id == message_id)
        )
    ).first()


async def find_by_reference(
    session: AsyncSession,
    *,
    message_id: str | None = None,
    header_message_id: str | None = None,
    provider_ref: str | None = None,
) -> Row[Any] | None:
    conditions = []
    if message_id:
        conditions.append(messages.c.id == message_id)
    if header_message_id:
        conditions.append(messages.c.header_message_id == header_message_id)
    if provider_ref:
        conditions.append(messages.c.provider_ref == provider_ref)
    if not conditions:
        return None
    return (await session.execute(select(messages).where(or_(*conditions)).limit(1))).first()

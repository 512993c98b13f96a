"""Reading messages as evidence: one customer's, one by id, one by any of its references."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, or_, select

from encaisse.notifier.db import messages
from encaisse.notifier.repository.messages import Db


async def of_customer(db: Db, tenant: str, customer_ref: str, limit: int) -> list[Row[Any]]:
    """A customer's messages, newest first."""
    rows = await db.execute(
        select(messages)
        .where(messages.c.tenant == tenant, messages.c.customer_ref == customer_ref)
        .order_by(messages.c.created_at.desc(), messages.c.id)
        .limit(limit)
    )
    return list(rows)


async def one(db: Db, tenant: str, message_id: str) -> Row[Any] | None:
    return (
        await db.execute(
            select(messages).where(messages.c.tenant == tenant, messages.c.id == message_id)
        )
    ).first()


async def find_by_reference(
    db: Db,
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
    return (await db.execute(select(messages).where(or_(*conditions)).limit(1))).first()

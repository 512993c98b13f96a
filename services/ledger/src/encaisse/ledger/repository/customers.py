"""Rows of ``ledger.customers``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.ledger import db

c = db.customers


async def insert_customer(
    session: AsyncSession, tenant: str, ref: str, record: dict[str, Any]
) -> RowMapping | None:
    """The new customer's row at version 1, or None when ``ref`` exists."""
    result = await session.execute(
        insert(c)
        .values(tenant=tenant, ref=ref, version=1, **record)
        .on_conflict_do_nothing()
        .returning(*c.columns)
    )
    return result.mappings().first()


async def lock_customer(session: AsyncSession, tenant: str, ref: str) -> RowMapping:
    result = await session.execute(
        select(c).where(c.c.tenant == tenant, c.c.ref == ref).with_for_update()
    )
    return result.mappings().one()


async def update_customer(
    session: AsyncSession, tenant: str, ref: str, record: dict[str, Any]
) -> RowMapping:
    """The changed row, its version bumped."""
    result = await session.execute(
        c.update()
        .where(c.c.tenant == tenant, c.c.ref == ref)
        .values(version=c.c.version + 1, updated_at=func.now(), **record)
        .returning(*c.columns)
    )
    return result.mappings().one()


async def get_customer(session: AsyncSession, tenant: str, ref: str) -> RowMapping | None:
    result = await session.execute(select(c).where(c.c.tenant == tenant, c.c.ref == ref))
    return result.mappings().first()


async def customer_exists(session: AsyncSession, tenant: str, ref: str) -> bool:
    count = await session.scalar(select(func.count()).where(c.c.tenant == tenant, c.c.ref == ref))
    return count == 1

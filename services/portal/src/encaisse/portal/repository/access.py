"""Spent links, debtors' sessions and revocations, each kept by the SHA-256 of its token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.kit.links import LinkClaims
from encaisse.portal import db


async def revoked_before(session: AsyncSession, tenant: str, customer_ref: str) -> datetime | None:
    revoked: datetime | None = await session.scalar(
        select(db.revocations.c.revoked_before).where(
            db.revocations.c.tenant == tenant, db.revocations.c.customer_ref == customer_ref
        )
    )
    return revoked


async def link_spent(session: AsyncSession, link_hash: str) -> bool:
    found = await session.scalar(
        select(db.used_links.c.token_hash).where(db.used_links.c.token_hash == link_hash)
    )
    return found is not None


async def spend_link(
    session: AsyncSession, link_hash: str, claims: LinkClaims, now: datetime
) -> bool:
    """Record the link as used, keeping the expiry it carries; False when it already was
    (once, even under concurrent clicks: the primary key decides)."""
    spent = await session.execute(
        insert(db.used_links)
        .values(
            token_hash=link_hash,
            tenant=claims.tenant,
            customer_ref=claims.customer_ref,
            expires_at=claims.expires_at,
            used_at=now,
        )
        .on_conflict_do_nothing()
        .returning(db.used_links.c.token_hash)
    )
    return spent.first() is not None


async def add_session(
    session: AsyncSession,
    session_hash: str,
    tenant: str,
    customer_ref: str,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    await session.execute(
        db.sessions.insert().values(
            token_hash=session_hash,
            tenant=tenant,
            customer_ref=customer_ref,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


async def live_session(session: AsyncSession, session_hash: str, now: datetime) -> Any:
    """The debtor's session (tenant, customer_ref, created_at) unless it expired."""
    k = db.sessions.c
    return (
        await session.execute(
            select(k.tenant, k.customer_ref, k.created_at).where(
                k.token_hash == session_hash, k.expires_at > now
            )
        )
    ).first()


async def end_session(session: AsyncSession, session_hash: str) -> None:
    await session.execute(delete(db.sessions).where(db.sessions.c.token_hash == session_hash))


async def revoke(session: AsyncSession, tenant: str, customer_ref: str, now: datetime) -> None:
    """Every link issued and every session opened up to now stops working."""
    stmt = insert(db.revocations).values(
        tenant=tenant, customer_ref=customer_ref, revoked_before=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["tenant", "customer_ref"], set_={"revoked_before": now}
        )
    )
    await session.execute(
        delete(db.sessions).where(
            db.sessions.c.tenant == tenant, db.sessions.c.customer_ref == customer_ref
        )
    )

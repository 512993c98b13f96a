"""All SQL of the letters service: letters and their proofs (tables in ``db``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.letters import db
from encaisse.letters.domain.lifecycle import POSTED, READY, REGISTERED, SUBMITTED

letters, proofs = db.letters, db.proofs
Record = Row[Any]
"""A row of ``letters`` or ``proofs``, its columns as attributes. With ``AsyncSession``, the
types the routes name without importing SQLAlchemy."""


# -- a letter's command --------------------------------------------------------------------


async def lock_command(session: AsyncSession, tenant: str, command_key: str) -> None:
    """Two deliveries of one command (new message ids, same key) wait for each other here,
    until the end of the transaction."""
    await session.execute(
        select(
            func.pg_advisory_xact_lock(func.hashtextextended(f"letters:{tenant}:{command_key}", 0))
        )
    )


async def letter_of_command(session: AsyncSession, tenant: str, command_key: str) -> str | None:
    found: str | None = await session.scalar(
        select(letters.c.id).where(letters.c.tenant == tenant, letters.c.command_key == command_key)
    )
    return found


async def add_letter(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Record a letter; False when its command already has one."""
    inserted = await session.execute(
        pg_insert(letters)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant", "command_key"])
        .returning(letters.c.id)
    )
    return inserted.first() is not None


async def letter(session: AsyncSession, letter_id: str, tenant: str | None = None) -> Record | None:
    """A letter by id (of ``tenant`` when given)."""
    query = select(letters).where(letters.c.id == letter_id)
    if tenant is not None:
        query = query.where(letters.c.tenant == tenant)
    return (await session.execute(query)).first()


async def letters_of_customer(
    session: AsyncSession, tenant: str, customer_ref: str, limit: int
) -> Sequence[Record]:
    """A customer's letters, newest first."""
    return (
        await session.execute(
            select(letters)
            .where(letters.c.tenant == tenant, letters.c.customer_ref == customer_ref)
            .order_by(letters.c.created_at.desc())
            .limit(limit)
        )
    ).all()


# -- handing letters to the provider -------------------------------------------------------


async def lock_next_ready(session: AsyncSession, resting: Sequence[str]) -> Record | None:
    """The oldest ready letter not resting, locked (``FOR UPDATE SKIP LOCKED``: replicas
    share the work)."""
    return (
        await session.execute(
            select(letters)
            .where(letters.c.status == READY, letters.c.id.not_in(resting))
            .order_by(letters.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).first()


async def update_letter(session: AsyncSession, letter_id: str, **values: Any) -> None:
    await session.execute(update(letters).where(letters.c.id == letter_id).values(**values))


# -- following sendings --------------------------------------------------------------------


def _followed() -> ColumnElement[bool]:
    """``lifecycle.followed`` in SQL."""
    return or_(
        letters.c.status == SUBMITTED,
        and_(letters.c.status == POSTED, letters.c.kind == REGISTERED),
    )


async def letters_to_poll(session: AsyncSession, now: datetime, limit: int) -> Sequence[str]:
    """The followed letters whose next poll has come, the longest waiting first."""
    return (
        await session.scalars(
            select(letters.c.id)
            .where(
                _followed(),
                or_(letters.c.next_poll_at.is_(None), letters.c.next_poll_at <= now),
            )
            .order_by(letters.c.next_poll_at.nulls_first())
            .limit(limit)
        )
    ).all()


async def letter_of_sending(session: AsyncSession, sending_id: str) -> str | None:
    found: str | None = await session.scalar(
        select(letters.c.id).where(letters.c.provider_sending_id == sending_id)
    )
    return found


async def lock_followed(session: AsyncSession, letter_id: str) -> Record | None:
    """The letter, locked, while the provider can still tell something about it."""
    return (
        await session.execute(
            select(letters)
            .where(letters.c.id == letter_id, _followed())
            .with_for_update(skip_locked=True)
        )
    ).first()


# -- proofs --------------------------------------------------------------------------------


async def add_proof(session: AsyncSession, values: dict[str, Any]) -> None:
    """Record a proof; one of each kind a letter, the first kept."""
    await session.execute(
        pg_insert(proofs)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["letter_id", "kind"])
    )


async def proofs_of(session: AsyncSession, letter_id: str) -> Sequence[Record]:
    return (
        await session.execute(
            select(proofs).where(proofs.c.letter_id == letter_id).order_by(proofs.c.id)
        )
    ).all()


async def proof(session: AsyncSession, letter_id: str, kind: str) -> Record | None:
    return (
        await session.execute(
            select(proofs).where(proofs.c.letter_id == letter_id, proofs.c.kind == kind)
        )
    ).first()

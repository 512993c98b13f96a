"""Reading what was sent, as evidence: a customer's messages, one message."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.kit.failures import NotFound
from encaisse.notifier import repository as repo
from encaisse.notifier.repository import MessageRow


async def messages_of_customer(
    session: AsyncSession, tenant: str, customer_ref: str, limit: int
) -> list[MessageRow]:
    """A customer's messages, newest first."""
    return await repo.of_customer(session, tenant, customer_ref, limit)


async def message(session: AsyncSession, tenant: str, message_id: str) -> MessageRow:
    row = await repo.one(session, tenant, message_id)
    if row is None:
        raise NotFound("message_id", "no such message")
    return row

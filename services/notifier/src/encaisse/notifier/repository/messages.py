"""Reading and changing messages; every change others must know stages its one event.

State machine of a message (``messages.status``)::

    queued --claim (lease)--> queued+leased --recipients accepted--> sending
    sending --250--> sent --provider says so--> delivered | failed (bounce)
    queued+leased --4xx / connection--> queued (next_attempt_at later) | failed
    queued+leased --5xx--> failed
    sending (owner's lease expired: it died during DATA) --reconcile--> sent, uncertain
    (reported as MessageUncertain, not MessageSent: nobody knows it left)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.outbox import stage
from encaisse.contracts import Envelope, Message
from encaisse.contracts.notifier import (
    Channel,
    FailureReason,
    MessageDelivered,
    MessageFailed,
    MessageSent,
    MessageUncertain,
)
from encaisse.notifier.db import messages, outbox

MessageRow = Row[Any]
"""A row of ``notifier.messages``, as the sending pool and the use cases hold it."""


async def insert_message(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Insert unless the tenant already has a message for this command key; True if new."""
    inserted = await session.execute(
        pg_insert(messages)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["tenant", "command_key"])
        .returning(messages.c.id)
    )
    return inserted.first() is not None


def message_event(
    row: Row[Any], kind: str, *, reason: FailureReason | None = None, detail: str = ""
) -> Message:
    """The event telling what just happened to ``row`` (already at its new version)."""
    common = dict(
        tenant=row.tenant,
        version=row.version,
        message_id=row.id,
        command_key=row.command_key,
        channel=Channel(row.channel),
        customer_ref=row.customer_ref,
        case_id=row.case_id,
        step=row.step,
        recipient=row.recipient,
    )
    if kind == "sent":
        return MessageSent(**common)
    if kind == "delivered":
        return MessageDelivered(**common)
    if kind == "uncertain":
        return MessageUncertain(**common, detail=detail[:2000])
    return MessageFailed(
        **common, reason=reason or FailureReason.PROVIDER_ERROR, detail=detail[:2000]
    )


async def stage_event(
    session: AsyncSession,
    row: Row[Any],
    kind: str,
    *,
    reason: FailureReason | None = None,
    detail: str = "",
) -> None:
    """Stage the event about ``row`` in the outbox, in the command's correlation."""
    payload = message_event(row, kind, reason=reason, detail=detail)
    envelope = Envelope(
        payload=payload,
        subject=row.id,
        correlation_id=row.correlation_id,
        causation_id=row.causation_id,
    )
    await stage(session, outbox, [envelope])


async def claim(session: AsyncSession, *, batch: int, lease: timedelta) -> list[Row[Any]]:
    """Lease a batch of due messages (other senders skip them until the lease ends)."""
    due = (
        select(messages.c.id)
        .where(
            messages.c.status == "queued",
            messages.c.next_attempt_at <= func.now(),
            or_(messages.c.leased_until.is_(None), messages.c.leased_until < func.now()),
        )
        .order_by(messages.c.next_attempt_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = await session.execute(
        update(messages)
        .where(messages.c.id.in_(due))
        .values(
            leased_until=func.now() + lease, attempts=messages.c.attempts + 1, updated_at=func.now()
        )
        .returning(*messages.c)
    )
    return list(rows)


def _owned(row: Row[Any]) -> Any:
    return and_(messages.c.id == row.id, messages.c.leased_until == row.leased_until)


async def mark_sending(
    session: AsyncSession, row: Row[Any], attachments: list[dict[str, Any]]
) -> bool:
    """Record that DATA starts; False if the lease was lost (another sender has it)."""
    result = await session.execute(
        update(messages)
        .where(_owned(row), messages.c.status == "queued")
        .values(status="sending", attachments=attachments, updated_at=func.now())
    )
    return result.rowcount == 1  # type: ignore[attr-defined]  # a CursorResult for a DML


async def _transition(session: AsyncSession, where: Any, **values: Any) -> Row[Any] | None:
    result = await session.execute(
        update(messages)
        .where(where)
        .values(version=messages.c.version + 1, updated_at=func.now(), leased_until=None, **values)
        .returning(*messages.c)
    )
    return result.first()


async def mark_sent(
    session: AsyncSession,
    row: Row[Any],
    *,
    provider_ref: str | None = None,
    note: str | None = None,
    uncertain: bool = False,
) -> None:
    done = await _transition(
        session,
        and_(messages.c.id == row.id, messages.c.status.in_(("queued", "sending"))),
        status="sent",
        sent_at=func.now(),
        provider_ref=provider_ref,
        last_error=note,
        uncertain=uncertain,
    )
    if done is not None:
        await stage_event(session, done, "uncertain" if uncertain else "sent", detail=note or "")


async def mark_failed(
    session: AsyncSession,
    message_id: str,
    reason: FailureReason,
    detail: str,
    *,
    statuses: tuple[str, ...] = ("queued", "sending"),
) -> bool:
    done = await _transition(
        session,
        and_(messages.c.id == message_id, messages.c.status.in_(statuses)),
        status="failed",
        failure_reason=reason.value,
        failure_detail=detail[:4000],
    )
    if done is not None:
        await stage_event(session, done, "failed", reason=reason, detail=detail)
    return done is not None


async def mark_delivered(session: AsyncSession, message_id: str) -> bool:
    done = await _transition(
        session, and_(messages.c.id == message_id, messages.c.status == "sent"), status="delivered"
    )
    if done is not None:
        await stage_event(session, done, "delivered")
    return done is not None


async def note(session: AsyncSession, message_id: str, text: str) -> None:
    """Keep a fact in the evidence that changes neither the status nor the events."""
    await session.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(last_error=text[:4000], updated_at=func.now())
    )


async def reschedule(session: AsyncSession, row: Row[Any], delay: timedelta, error: str) -> None:
    """Queue the message again after ``delay``, on the database's clock (the one its lease
    and ``claim`` read, shared by every replica)."""
    await session.execute(
        update(messages)
        .where(_owned(row))
        .values(
            status="queued",
            next_attempt_at=func.now() + delay,
            leased_until=None,
            last_error=error[:4000],
            updated_at=func.now(),
        )
    )


async def reconcile(session: AsyncSession) -> int:
    """Messages left in 'sending' by a sender that died (its lease is over).

    Email: the server may have the message; sending again could make two, so it is
    kept as sent, flagged ``uncertain`` (at most once), and reported as
    ``MessageUncertain``: the scheduler asks a person to check. SMS: the provider
    deduplicates on our idempotency key, so it goes back to the queue.
    """
    stale = and_(messages.c.status == "sending", messages.c.leased_until < func.now())
    await session.execute(
        update(messages)
        .where(stale, messages.c.channel == Channel.SMS.value)
        .values(status="queued", leased_until=None, updated_at=func.now())
    )
    rows = (
        await session.execute(
            update(messages)
            .where(stale, messages.c.channel == Channel.EMAIL.value)
            .values(
                status="sent",
                uncertain=True,
                sent_at=func.now(),
                leased_until=None,
                version=messages.c.version + 1,
                updated_at=func.now(),
                last_error="the sender stopped during DATA; not sent again",
            )
            .returning(*messages.c)
        )
    ).all()
    for row in rows:
        await stage_event(session, row, "uncertain", detail=row.last_error)
    return len(rows)

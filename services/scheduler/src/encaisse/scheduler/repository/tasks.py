"""Collectors' tasks and the validation queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, and_, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.scheduler import db
from encaisse.scheduler.repository.rows import Conn


async def add(conn: Conn, task: dict[str, Any]) -> bool:
    """A new task (``usecases.tasks.new_task``); False when it was asked for already (a
    record to complete, a contact to fix: once)."""
    made = await conn.execute(
        pg_insert(db.tasks).values(task).on_conflict_do_nothing().returning(db.tasks.c.id)
    )
    return made.first() is not None


async def due(
    conn: Conn, tenant: str, status: str, now: datetime, day: date | None, kind: str | None
) -> list[Any]:
    """Tasks due on ``day`` or before (without it, each task's customer's today at
    ``now``), by amount at stake."""
    t, c = db.tasks, db.customers
    if day is None:
        zone = func.coalesce(c.c.timezone, "UTC")
        last_day: ColumnElement[date] = cast(
            func.timezone(zone, literal(now, DateTime(timezone=True))), Date
        )
    else:
        last_day = literal(day, Date)
    query = (
        select(t)
        .select_from(
            t.outerjoin(c, and_(c.c.tenant == t.c.tenant, c.c.customer_ref == t.c.customer_ref))
        )
        .where(t.c.tenant == tenant, t.c.status == status, t.c.due_on <= last_day)
    )
    if kind:
        query = query.where(t.c.kind == kind)
    return list(
        (await conn.execute(query.order_by(t.c.amount.desc().nulls_last(), t.c.due_on))).all()
    )


async def lock(conn: Conn, tenant: str, task_id: str) -> Any:
    t = db.tasks
    return (
        await conn.execute(
            select(t).where(t.c.tenant == tenant, t.c.id == task_id).with_for_update()
        )
    ).first()


async def finish(conn: Conn, task_id: str, **values: Any) -> Any:
    t = db.tasks
    return (
        await conn.execute(
            update(t).where(t.c.id == task_id).values(status="done", **values).returning(t)
        )
    ).one()


async def validations(conn: Conn, tenant: str, status: str) -> list[Any]:
    v = db.validations
    return list(
        (
            await conn.execute(
                select(v)
                .where(v.c.tenant == tenant, v.c.status == status)
                # one day run creates many at one time
                .order_by(v.c.created_at, v.c.customer_ref, v.c.id)
            )
        ).all()
    )


async def lock_validation(conn: Conn, tenant: str, validation_id: str) -> Any:
    v = db.validations
    return (
        await conn.execute(
            select(v).where(v.c.tenant == tenant, v.c.id == validation_id).with_for_update()
        )
    ).first()


async def decide_validation(conn: Conn, validation_id: str, **values: Any) -> Any:
    v = db.validations
    return (
        await conn.execute(update(v).where(v.c.id == validation_id).values(**values).returning(v))
    ).one()


async def close_open(
    conn: Conn,
    tenant: str,
    customer_ref: str,
    *,
    kind: str,
    outcome: str,
    by: str,
    at: datetime,
    dispute_id: str | None = None,
) -> list[str]:
    """Close the customer's open tasks of ``kind`` (of one dispute): what they asked for
    is done another way. Returns their ids."""
    t = db.tasks
    query = update(t).where(
        t.c.tenant == tenant, t.c.customer_ref == customer_ref, t.c.kind == kind,
        t.c.status == "open",
    )  # fmt: skip
    if dispute_id is not None:
        query = query.where(t.c.dispute_id == dispute_id)
    done = await conn.execute(
        query.values(status="done", outcome=outcome, done_by=by, done_at=at).returning(t.c.id)
    )
    return [r.id for r in done.all()]


async def cause_counts(conn: Conn, tenant: str, since: datetime, before: datetime) -> list[Any]:
    """How many call outcomes recorded each cause of lateness in ``[since, before)``."""
    t = db.tasks
    return list(
        (
            await conn.execute(
                select(t.c.cause, func.count().label("count"))
                .where(
                    t.c.tenant == tenant,
                    t.c.cause.is_not(None),
                    t.c.done_at >= since,
                    t.c.done_at < before,
                )
                .group_by(t.c.cause)
                .order_by(func.count().desc(), t.c.cause)
            )
        ).all()
    )

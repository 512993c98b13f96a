"""Creating and changing customers, and reading one with its open invoices."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.failures import NotFound
from encaisse.ledger import db
from encaisse.ledger.domain import SETTLEABLE
from encaisse.ledger.events import customer_event
from encaisse.ledger.models import CustomerIn

c = db.customers


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _record(data: CustomerIn) -> dict[str, Any]:
    record = data.model_dump(mode="json", exclude={"ref"})
    if record["address"] is not None:
        record["address"]["lines"] = list(record["address"]["lines"])
    return record


async def upsert_customer(uow: UnitOfWork, tenant: str, ref: str, data: CustomerIn) -> Outcome:
    """Create or change a customer; publish CustomerUpserted unless nothing changed."""
    record = _record(data)
    session = uow.session
    created = (
        (
            await session.execute(
                insert(c)
                .values(tenant=tenant, ref=ref, version=1, **record)
                .on_conflict_do_nothing()
                .returning(*c.columns)
            )
        )
        .mappings()
        .first()
    )
    if created is not None:
        await uow.publish(customer_event(created, created=True), subject=ref)
        return Outcome.CREATED
    current = (
        (
            await session.execute(
                select(c).where(c.c.tenant == tenant, c.c.ref == ref).with_for_update()
            )
        )
        .mappings()
        .one()
    )
    if all(current[k] == v for k, v in record.items()):
        return Outcome.UNCHANGED
    updated = (
        (
            await session.execute(
                c.update()
                .where(c.c.tenant == tenant, c.c.ref == ref)
                .values(version=c.c.version + 1, updated_at=func.now(), **record)
                .returning(*c.columns)
            )
        )
        .mappings()
        .one()
    )
    await uow.publish(customer_event(updated, created=False), subject=ref)
    return Outcome.UPDATED


async def customer_view(session: AsyncSession, tenant: str, ref: str) -> dict[str, Any]:
    """The customer, its open invoices (due first) and its open balance per currency."""
    row = (
        (await session.execute(select(c).where(c.c.tenant == tenant, c.c.ref == ref)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("ref", f"no customer {ref!r}")
    i = db.invoices
    open_rows = (
        (
            await session.execute(
                select(i)
                .where(
                    i.c.tenant == tenant,
                    i.c.customer_ref == ref,
                    i.c.status.in_([s.value for s in SETTLEABLE]),
                )
                .order_by(i.c.due_date, i.c.number)
            )
        )
        .mappings()
        .all()
    )
    balances: dict[str, Any] = {}
    for inv in open_rows:
        balances[inv["currency"]] = balances.get(inv["currency"], 0) + inv["open_balance"]
    view = {k: v for k, v in row.items() if k not in ("tenant", "created_at", "updated_at")}
    view["open_invoices"] = [dict(inv) for inv in open_rows]
    view["balances"] = [{"currency": cur, "amount": amt} for cur, amt in sorted(balances.items())]
    return view

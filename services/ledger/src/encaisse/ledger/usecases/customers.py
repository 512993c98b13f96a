"""Creating and changing customers, and reading one with its open invoices."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.failures import NotFound
from encaisse.ledger.domain.events import customer_event
from encaisse.ledger.models import CustomerIn
from encaisse.ledger.repository import customers, invoices


class Upsert(StrEnum):
    """What an upsert did to its record (also the import report's counts)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _record(data: CustomerIn) -> dict[str, Any]:
    record = data.model_dump(mode="json", exclude={"ref"})
    if record["address"] is not None:
        record["address"]["lines"] = list(record["address"]["lines"])
    return record


async def upsert_customer(uow: UnitOfWork, tenant: str, ref: str, data: CustomerIn) -> Upsert:
    """Create or change a customer; publish CustomerUpserted unless nothing changed."""
    record = _record(data)
    session = uow.session
    created = await customers.insert_customer(session, tenant, ref, record)
    if created is not None:
        await uow.publish(customer_event(created, created=True), subject=ref)
        return Upsert.CREATED
    current = await customers.lock_customer(session, tenant, ref)
    if all(current[k] == v for k, v in record.items()):
        return Upsert.UNCHANGED
    updated = await customers.update_customer(session, tenant, ref, record)
    await uow.publish(customer_event(updated, created=False), subject=ref)
    return Upsert.UPDATED


async def customer_view(session: AsyncSession, tenant: str, ref: str) -> dict[str, Any]:
    """The customer, its open invoices (due first) and its open balance per currency."""
    row = await customers.get_customer(session, tenant, ref)
    if row is None:
        raise NotFound("ref", f"no customer {ref!r}")
    open_rows = await invoices.open_invoices(session, tenant, ref)
    balances: dict[str, Any] = {}
    for inv in open_rows:
        balances[inv["currency"]] = balances.get(inv["currency"], 0) + inv["open_balance"]
    view = {k: v for k, v in row.items() if k not in ("tenant", "created_at", "updated_at")}
    view["open_invoices"] = [dict(inv) for inv in open_rows]
    view["balances"] = [{"currency": cur, "amount": amt} for cur, amt in sorted(balances.items())]
    return view

"""Creating and changing customers, and reading one with its open invoices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts.ledger import RecordDunningContact
from encaisse.kit.failures import DomainError, NotFound
from encaisse.ledger.domain.events import customer_contacts, customer_event
from encaisse.ledger.models import CustomerIn, DunningContactIn
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


async def record_dunning_contact(uow: UnitOfWork, cmd: RecordDunningContact, now: datetime) -> bool:
    """Keep what a collector collected as the customer's dunning contact and publish the
    customer again; False when it adds nothing (a replay, or what is kept already).

    What the command gives replaces what was kept (an email collected after a phone keeps
    the phone); the customer's record (import, PUT) never writes it.
    """
    try:
        collected = DunningContactIn(email=cmd.email, phone=cmd.phone, name=cmd.name)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise DomainError(tuple(err["loc"]), err["msg"]) from exc
    session = uow.session
    if await customers.get_customer(session, cmd.tenant, cmd.customer_ref) is None:
        raise NotFound("customer_ref", f"no customer {cmd.customer_ref!r}")
    current = await customers.lock_customer(session, cmd.tenant, cmd.customer_ref)
    kept = dict(current["dunning_contact"] or {})
    given = collected.model_dump(mode="json", exclude_none=True)
    if kept and all(kept.get(k) == v for k, v in given.items()):
        return False
    kept.update(
        given,
        collected_by=cmd.collected_by,
        collected_at=now.isoformat(),
        task_id=cmd.task_id,
        idempotency_key=cmd.idempotency_key,
    )
    updated = await customers.update_customer(
        session, cmd.tenant, cmd.customer_ref, {"dunning_contact": kept}
    )
    await uow.publish(customer_event(updated, created=False), subject=cmd.customer_ref)
    return True


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
    view["contacts"] = [c.model_dump() for c in customer_contacts(row)]
    view["open_invoices"] = [dict(inv) for inv in open_rows]
    view["balances"] = [{"currency": cur, "amount": amt} for cur, amt in sorted(balances.items())]
    return view

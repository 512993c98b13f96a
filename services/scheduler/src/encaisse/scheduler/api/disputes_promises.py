"""Disputes and promises to pay, entered by staff (the portal's arrive on the bus)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from encaisse.contracts import Money
from encaisse.contracts.portal import DisputeReason
from encaisse.kit.auth import Collector, Viewer
from encaisse.kit.failures import NotFound
from encaisse.scheduler.api.deps import Parts, RuntimeDep
from encaisse.scheduler.repository import disputes
from encaisse.scheduler.usecases import disputes as acts
from encaisse.scheduler.usecases.context import context

router = APIRouter(prefix="/v1", tags=["disputes and promises"])


class DisputeIn(BaseModel):
    customer_ref: str = Field(min_length=1, max_length=100)
    invoice_number: str = Field(min_length=1, max_length=100)
    reason: DisputeReason
    message: str = Field(default="", max_length=2000)


class Resolution(BaseModel):
    resolution: str = Field(min_length=1, max_length=2000, description="what was decided")


class DisputeOut(BaseModel):
    id: str
    customer_ref: str
    invoice_number: str
    reason: str
    message: str
    source: str
    status: str
    opened_at: datetime
    opened_by: str
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None
    reminded_on: date | None = Field(
        default=None, description="the owner's last reminder (every dispute_reminder_days)"
    )


class PromiseIn(BaseModel):
    customer_ref: str = Field(min_length=1, max_length=100)
    invoice_numbers: list[str] = Field(min_length=1)
    promised_date: date
    amount: Money | None = None


class PromiseOut(BaseModel):
    id: str
    customer_ref: str
    invoice_numbers: list[str]
    promised_date: date
    status: str
    source: str
    made_by: str


@router.post("/disputes", response_model=DisputeOut, status_code=status.HTTP_201_CREATED)
async def open_dispute(
    body: DisputeIn, staff: Collector, rt: RuntimeDep, parts: Parts
) -> DisputeOut:
    """The invoice's client-facing steps pause; the sales rep gets a task; the debtor an ack."""
    async with rt.unit_of_work() as uow:
        ctx = await context(parts, uow, staff.tenant, body.customer_ref)
        dispute_id = await acts.open_dispute(
            ctx, body.invoice_number, body.reason.value, body.message, source="api", by=staff.name
        )
        return await _dispute(uow.session, staff.tenant, dispute_id)


async def _dispute(session, tenant: str, dispute_id: str) -> DisputeOut:
    row = await disputes.dispute(session, tenant, dispute_id)
    if row is None:
        raise NotFound("dispute_id", f"no dispute {dispute_id}")
    return DisputeOut(**{k: v for k, v in row._mapping.items() if k != "tenant"})


@router.get("/disputes", response_model=list[DisputeOut])
async def list_disputes(
    staff: Viewer, rt: RuntimeDep, status: str | None = None
) -> list[DisputeOut]:
    async with rt.engine.connect() as conn:
        rows = await disputes.disputes(conn, staff.tenant, status)
    return [DisputeOut(**{k: v for k, v in r._mapping.items() if k != "tenant"}) for r in rows]


@router.post("/disputes/{dispute_id}/resolve", response_model=DisputeOut)
async def resolve_dispute(
    dispute_id: str, body: Resolution, staff: Collector, rt: RuntimeDep, parts: Parts
) -> DisputeOut:
    """The scenario resumes; its remaining steps move by the days spent in dispute."""
    async with rt.unit_of_work() as uow:
        found = await _dispute(uow.session, staff.tenant, dispute_id)
        ctx = await context(parts, uow, staff.tenant, found.customer_ref)
        row = await disputes.dispute(uow.session, staff.tenant, dispute_id, lock=True)
        await acts.resolve_dispute(ctx, row, body.resolution, staff.name)
        return await _dispute(uow.session, staff.tenant, dispute_id)


@router.post("/promises", response_model=PromiseOut, status_code=status.HTTP_201_CREATED)
async def make_promise(
    body: PromiseIn, staff: Collector, rt: RuntimeDep, parts: Parts
) -> PromiseOut:
    """Pause until the promised date plus the grace; a broken promise fires the next step."""
    async with rt.unit_of_work() as uow:
        ctx = await context(parts, uow, staff.tenant, body.customer_ref)
        promise_id = await acts.make_promise(
            ctx,
            tuple(body.invoice_numbers),
            body.promised_date,
            body.amount,
            source="api",
            by=staff.name,
        )
        return (await _promises(uow.session, staff.tenant, promise_id))[0]


async def _promises(session, tenant: str, promise_id: str | None = None) -> list[PromiseOut]:
    rows = await disputes.promises(session, tenant, promise_id)
    return [
        PromiseOut(
            id=r.id,
            customer_ref=r.customer_ref,
            invoice_numbers=r.invoice_numbers,
            promised_date=r.promised_date,
            status=r.status,
            source=r.source,
            made_by=r.made_by,
        )
        for r in rows
    ]


@router.get("/promises", response_model=list[PromiseOut])
async def list_promises(staff: Viewer, rt: RuntimeDep) -> list[PromiseOut]:
    async with rt.engine.connect() as conn:
        return await _promises(conn, staff.tenant)

"""Staff's exclusions from automation: set (a customer, or one of its invoices), listed,
lifted. Each has a reason, who set it and an optional end date (the first day the
customer is dunned again); the ledger's own flag (``excluded_from_dunning``) is not one of
them and never lifts them."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from encaisse.kit.auth import Collector, Viewer
from encaisse.scheduler.api.deps import Parts, RuntimeDep
from encaisse.scheduler.repository import exclusions
from encaisse.scheduler.usecases.exclusions import lift_exclusion, set_exclusion

router = APIRouter(prefix="/v1/exclusions", tags=["exclusions"])


class ExclusionIn(BaseModel):
    customer_ref: str = Field(min_length=1, max_length=100)
    invoice_number: str | None = Field(
        default=None, min_length=1, max_length=100, description="absent: the whole customer"
    )
    reason: str = Field(min_length=1, max_length=500)
    until: date | None = Field(
        default=None,
        description="the first day dunned again (the customer's day); absent: until lifted",
    )


class ExclusionOut(BaseModel):
    id: str
    customer_ref: str
    invoice_number: str | None
    reason: str
    set_by: str
    set_at: datetime
    until: date | None
    status: str = Field(description="active, lifted or lapsed (its end date came)")
    ended_by: str | None
    ended_at: datetime | None


def exclusion_out(row) -> ExclusionOut:
    fields = {k: row._mapping[k] for k in ExclusionOut.model_fields}
    fields["invoice_number"] = fields["invoice_number"] or None
    return ExclusionOut(**fields)


@router.get("", response_model=list[ExclusionOut])
async def list_exclusions(
    staff: Viewer, rt: RuntimeDep, customer_ref: str | None = None, status: str | None = None
) -> list[ExclusionOut]:
    """Every exclusion staff set (active, lifted, lapsed), oldest first."""
    async with rt.engine.connect() as conn:
        rows = await exclusions.listed(conn, staff.tenant, customer_ref, status)
    return [exclusion_out(r) for r in rows]


@router.post("", response_model=ExclusionOut, status_code=201)
async def add_exclusion(
    body: ExclusionIn, staff: Collector, rt: RuntimeDep, parts: Parts
) -> ExclusionOut:
    """Exclude a customer or one invoice; one active exclusion each (another: 409)."""
    async with rt.unit_of_work() as uow:
        row = await set_exclusion(
            parts,
            uow,
            staff.tenant,
            body.customer_ref,
            invoice_number=body.invoice_number,
            reason=body.reason,
            until=body.until,
            by=staff.name,
        )
        return exclusion_out(row)


@router.post("/{exclusion_id}/lift", response_model=ExclusionOut)
async def lift(exclusion_id: str, staff: Collector, rt: RuntimeDep, parts: Parts) -> ExclusionOut:
    """Automation resumes from the next step (no catch-up burst)."""
    async with rt.unit_of_work() as uow:
        return exclusion_out(
            await lift_exclusion(parts, uow, staff.tenant, exclusion_id, by=staff.name)
        )

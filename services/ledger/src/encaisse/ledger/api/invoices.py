"""``/v1/invoices``: create or amend, cancel, write off, read and list invoices."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from encaisse.contracts.ledger import InvoiceStatus
from encaisse.ledger.api.deps import ClockDep, Collector, RuntimeDep, Session, Viewer
from encaisse.ledger.api.schemas import InvoiceOut, InvoicePage
from encaisse.ledger.models import InvoiceIn, Ref
from encaisse.ledger.usecases.invoices import (
    close_invoice,
    get_invoice,
    list_invoices,
    put_invoice,
)

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])
NumberPath = Annotated[Ref, Path(description="the invoice number")]


@router.put(
    "/{number}",
    response_model=InvoiceOut,
    summary="create or amend an invoice",
    responses={
        201: {"description": "created"},
        200: {"description": "amended, or identical (nothing published)"},
        409: {"description": "the invoice is cancelled or written off"},
    },
)
async def put(
    number: NumberPath,
    body: InvoiceIn,
    staff: Collector,
    runtime: RuntimeDep,
    clock: ClockDep,
    response: Response,
) -> InvoiceOut:
    """Publishes `ledger.invoice.issued.v1` when new, `ledger.invoice.updated.v1`
    (reason `amended`) when changed, nothing when identical."""
    async with runtime.unit_of_work() as uow:
        created = await put_invoice(uow, staff.tenant, number, body, clock.now())
        row = await get_invoice(uow.session, staff.tenant, number)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return InvoiceOut.model_validate(row)


@router.post("/{number}/cancel", response_model=InvoiceOut, summary="cancel an invoice")
async def cancel(number: NumberPath, staff: Collector, runtime: RuntimeDep) -> InvoiceOut:
    """Only an invoice that received no payment can be cancelled (409 otherwise)."""
    async with runtime.unit_of_work() as uow:
        row = await close_invoice(uow, staff.tenant, number, InvoiceStatus.CANCELLED)
    return InvoiceOut.model_validate(row)


@router.post("/{number}/write-off", response_model=InvoiceOut, summary="write an invoice off")
async def write_off(number: NumberPath, staff: Collector, runtime: RuntimeDep) -> InvoiceOut:
    """Gives up what is left to pay; the open balance is kept as the amount written off."""
    async with runtime.unit_of_work() as uow:
        row = await close_invoice(uow, staff.tenant, number, InvoiceStatus.WRITTEN_OFF)
    return InvoiceOut.model_validate(row)


@router.get("/{number}", response_model=InvoiceOut, summary="one invoice")
async def get(number: NumberPath, staff: Viewer, session: Session) -> InvoiceOut:
    return InvoiceOut.model_validate(await get_invoice(session, staff.tenant, number))


@router.get("", response_model=InvoicePage, summary="invoices, due first, a page at a time")
async def search(
    staff: Viewer,
    session: Session,
    customer: Annotated[str | None, Query(description="a customer reference")] = None,
    status: Annotated[InvoiceStatus | None, Query()] = None,
    overdue_on: Annotated[
        date | None,
        Query(description="only invoices still to be paid whose due date is before this day"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> InvoicePage:
    total, rows = await list_invoices(
        session,
        staff.tenant,
        customer=customer,
        status=status,
        overdue_on=overdue_on,
        limit=limit,
        offset=offset,
    )
    return InvoicePage(
        total=total, limit=limit, offset=offset, items=[InvoiceOut.model_validate(r) for r in rows]
    )

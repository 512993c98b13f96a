"""``/v1/payments``: record a payment, reject a direct debit, read a payment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from encaisse.ledger.api.deps import Collector, RuntimeDep, Session, Viewer
from encaisse.ledger.api.schemas import PaymentOut
from encaisse.ledger.models import PaymentIn, PaymentRejectionIn, Ref
from encaisse.ledger.usecases.payments import get_payment, record_payment, reject_payment

router = APIRouter(prefix="/v1/payments", tags=["payments"])
RefPath = Annotated[Ref, Path(description="the payment reference")]


@router.post(
    "",
    response_model=PaymentOut,
    status_code=201,
    summary="record a payment",
    responses={
        200: {"description": "already recorded: nothing changed"},
        409: {"description": "the ref names a different payment"},
    },
)
async def post_payment(
    body: PaymentIn, staff: Collector, runtime: RuntimeDep, response: Response
) -> PaymentOut:
    """Idempotent by `ref`. Without allocations, the customer's open invoices in the
    payment's currency are paid oldest due date first; what is left stays unallocated.
    Publishes `ledger.payment.received.v1` and, per invoice paid, `ledger.invoice.settled.v1`
    or `ledger.invoice.updated.v1` (reason `partially_paid`)."""
    async with runtime.unit_of_work() as uow:
        created = await record_payment(uow, staff.tenant, body)
        row = await get_payment(uow.session, staff.tenant, body.ref)
    if not created:
        response.status_code = status.HTTP_200_OK
    return PaymentOut.model_validate(row)


@router.post(
    "/{ref}/rejection",
    response_model=PaymentOut,
    summary="a direct debit came back unpaid: re-open what it paid",
)
async def post_rejection(
    ref: RefPath, body: PaymentRejectionIn, staff: Collector, runtime: RuntimeDep
) -> PaymentOut:
    """Publishes `ledger.invoice.updated.v1` (reason `reopened`) per invoice and
    `ledger.payment.rejected.v1`; a second call changes nothing."""
    async with runtime.unit_of_work() as uow:
        await reject_payment(uow, staff.tenant, ref, body.date, body.reason)
        row = await get_payment(uow.session, staff.tenant, ref)
    return PaymentOut.model_validate(row)


@router.get("/{ref}", response_model=PaymentOut, summary="a payment and its allocations")
async def get(ref: RefPath, staff: Viewer, session: Session) -> PaymentOut:
    return PaymentOut.model_validate(await get_payment(session, staff.tenant, ref))

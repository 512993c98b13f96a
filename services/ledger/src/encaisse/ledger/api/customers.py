"""``/v1/customers``: create or update a customer, read one with its open invoices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from encaisse.ledger.api.deps import Collector, RuntimeDep, Session, Viewer
from encaisse.ledger.api.schemas import CustomerOut
from encaisse.ledger.models import CustomerIn, Ref
from encaisse.ledger.usecases.customers import Upsert, customer_view, upsert_customer

router = APIRouter(prefix="/v1/customers", tags=["customers"])
RefPath = Annotated[Ref, Path(description="the customer's reference in the accounting system")]


@router.put(
    "/{ref}",
    response_model=CustomerOut,
    summary="create or update a customer",
    responses={201: {"description": "created"}, 200: {"description": "updated or same"}},
)
async def put_customer(
    ref: RefPath, body: CustomerIn, staff: Collector, runtime: RuntimeDep, response: Response
) -> CustomerOut:
    """Publishes `ledger.customer.upserted.v1` when something changed, nothing otherwise."""
    async with runtime.unit_of_work() as uow:
        change = await upsert_customer(uow, staff.tenant, ref, body)
        view = await customer_view(uow.session, staff.tenant, ref)
    response.status_code = status.HTTP_201_CREATED if change == Upsert.CREATED else 200
    return CustomerOut.model_validate(view)


@router.get(
    "/{ref}",
    response_model=CustomerOut,
    summary="a customer, its open invoices and its open balance per currency",
)
async def get_customer(ref: RefPath, staff: Viewer, session: Session) -> CustomerOut:
    return CustomerOut.model_validate(await customer_view(session, staff.tenant, ref))

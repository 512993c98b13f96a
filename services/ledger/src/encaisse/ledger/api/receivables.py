"""``/v1/receivables``: aging balance and days sales outstanding."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from encaisse.kit.clock import today
from encaisse.ledger.api.deps import ClockDep, Session, Viewer
from encaisse.ledger.api.schemas import AgingOut, AgingRow, DsoOut, DsoRow
from encaisse.ledger.domain import DSO_METHOD
from encaisse.ledger.usecases.receivables import aging, days_sales_outstanding

router = APIRouter(prefix="/v1/receivables", tags=["receivables"])
AsOf = Annotated[date | None, Query(description="the day the figures are for; today if absent")]


@router.get("/aging", response_model=AgingOut, summary="aging balance per currency")
async def get_aging(
    staff: Viewer, session: Session, clock: ClockDep, as_of: AsOf = None
) -> AgingOut:
    """What was still owed at the end of `as_of`, by days past due: not due, 1-30, 31-60,
    61-90, over 90. Payments dated after `as_of` do not count; cancelled and written-off
    invoices are left out."""
    day = as_of or today(clock)
    rows = await aging(session, staff.tenant, day)
    return AgingOut(as_of=day, currencies=[AgingRow.model_validate(r) for r in rows])


@router.get(
    "/dso",
    response_model=DsoOut,
    summary="days sales outstanding per currency",
    description=DSO_METHOD,
)
async def get_dso(
    staff: Viewer,
    session: Session,
    clock: ClockDep,
    as_of: AsOf = None,
    days: Annotated[int, Query(ge=1, le=366, description="length of the sales period")] = 90,
) -> DsoOut:
    day = as_of or today(clock)
    rows = await days_sales_outstanding(session, staff.tenant, day, days)
    return DsoOut(
        as_of=day, days=days, method=DSO_METHOD, currencies=[DsoRow.model_validate(r) for r in rows]
    )

"""What a debtor reads: the statement, an invoice, the history, the invoices a form chose."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.portal.domain.access import PortalSession
from encaisse.portal.domain.statement import (
    Invoice,
    Notice,
    StatementCustomer,
    chosen,
    totals_per_currency,
)
from encaisse.portal.repository import statement as repository


@dataclass(frozen=True)
class Statement:
    invoices: list[Invoice]
    totals: dict[str, Decimal]
    today: date
    in_progress: set[str]
    """Invoices paid in the portal whose payment the ledger has not reported yet."""
    notices: list[Notice]
    """The newest first; the first one's position is the last statement sent."""


async def statement(session: AsyncSession, who: PortalSession, now: datetime) -> Statement:
    invoices = await repository.open_invoices(session, who)
    return Statement(
        invoices=invoices,
        totals=totals_per_currency(invoices),
        today=now.date(),
        in_progress=await repository.payments_in_progress(session, who, now),
        notices=await repository.notices(session, who),
    )


async def own_invoice(
    session: AsyncSession, who: PortalSession, number: str
) -> tuple[Invoice, str | None] | None:
    """The debtor's invoice and its PDF's address; an unknown one and another customer's
    are both None."""
    return await repository.invoice(session, who, number)


async def history(session: AsyncSession, who: PortalSession) -> tuple[list[Any], list[Any]]:
    """What was sent to the customer, and the payments the ledger received."""
    return await repository.history(session, who), await repository.payments(session, who)


async def chosen_invoices(
    session: AsyncSession, who: PortalSession, numbers: list[str], busy: Collection[str] = ()
) -> list[Invoice]:
    """The customer's open invoices among ``numbers`` (less those ``busy``): ``Refused``
    naming ``invoices`` for anything else."""
    invoices = await repository.open_invoices(session, who)
    return chosen([i for i in invoices if i.number not in busy], numbers)


async def customer(session: AsyncSession, who: PortalSession) -> StatementCustomer:
    """The customer a signed-in debtor reads the pages of (their name and language)."""
    return await repository.customer(session, who)

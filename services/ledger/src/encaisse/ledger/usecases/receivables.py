"""Receivables figures: aging balance and DSO, per currency, as they stood on a given day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.ledger.domain import AGING_BUCKETS, ZERO, dso
from encaisse.ledger.repository.receivables import aging_rows, dso_rows


async def aging(session: AsyncSession, tenant: str, as_of: date) -> list[dict[str, Any]]:
    return [
        {"currency": r["currency"], **{b: r[b] or ZERO for b in AGING_BUCKETS}, "total": r["total"]}
        for r in await aging_rows(session, tenant, as_of)
    ]


async def days_sales_outstanding(
    session: AsyncSession, tenant: str, as_of: date, days: int
) -> list[dict[str, Any]]:
    return [
        {
            "currency": r["currency"],
            "receivables": r["receivables"],
            "sales": r["sales"],
            "dso": dso(Decimal(r["receivables"]), Decimal(r["sales"]), days),
        }
        for r in await dso_rows(session, tenant, as_of, days)
    ]
